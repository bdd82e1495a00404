package io.cairn.fuzz;

/**
 * Where a generated frame holds a value worth mutating on purpose: a length or count prefix, a varint, a
 * fixed-width number, a record batch. Offsets are into the frame body (after the 4-byte size prefix).
 *
 * @param kind     what the bytes mean
 * @param encoding how they are encoded (a mutation keeps or breaks it on purpose)
 * @param offset   first byte
 * @param width    number of bytes
 */
record Landmark(Kind kind, Encoding encoding, int offset, int width) {

    enum Kind {
        /** The element count of an array (-1 or 0 = null, depending on the encoding). */
        COUNT,
        /** The byte length of a string. */
        STRING_LENGTH,
        /** The byte length of a bytes field. */
        BYTES_LENGTH,
        /** The byte length of a records field (the batches follow). */
        RECORDS_LENGTH,
        /** A tagged-field count, tag or size. */
        TAG,
        /** A plain number of the message. */
        NUMBER,
        /** The record batches of a records field. */
        RECORDS
    }

    enum Encoding {
        FIXED,
        UNSIGNED_VARINT,
        /** The raw bytes of a records field. */
        RAW
    }

    int end() {
        return offset + width;
    }
}
