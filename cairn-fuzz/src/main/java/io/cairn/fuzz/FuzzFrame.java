package io.cairn.fuzz;

/**
 * One frame to send: its bytes as they go on the wire (size prefix included) and what the node may do with it.
 *
 * @param index    position in the campaign; with the seed it regenerates the frame ({@code --replay})
 * @param kind     how it was made: {@code valid}, {@code mutated:<mutations>}, {@code raw}, {@code unadvertised}
 * @param api      the API it was built as ({@code raw} frames: -1)
 * @param version  the version it was built as
 * @param wire     size prefix and body
 * @param framing  whether the size prefix matches the body
 */
record FuzzFrame(long index, String kind, short api, short version, byte[] wire, Framing framing) {

    enum Framing {
        /** The size prefix is the body's length: the node must answer it or close the connection. */
        WHOLE,
        /** The size prefix is larger than what follows: the node waits for the rest (or closes). */
        SHORT_BODY,
        /** The size prefix is smaller than what follows: the rest is read as the start of another frame. */
        LONG_BODY,
        /** The size prefix is negative or above the node's request limit: the node must close at once. */
        BAD_SIZE
    }

    byte[] body() {
        return java.util.Arrays.copyOfRange(wire, 4, wire.length);
    }

    String describe() {
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < Math.min(wire.length, 48); i++) {
            hex.append(String.format("%02x", wire[i]));
        }
        return "frame " + index + " (" + kind + ", api " + api + " v" + version + ", " + wire.length + " bytes, "
                + framing + ") " + hex + (wire.length > 48 ? "..." : "");
    }
}
