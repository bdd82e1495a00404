package io.cairn.storage;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.ByteBufferOutputStream;
import org.apache.kafka.common.utils.ByteUtils;
import org.apache.kafka.common.utils.Crc32C;

/**
 * Hand-edited record batches with a valid CRC but bad insides, as a hostile or broken client could send them.
 * Offsets are those of the magic 2 batch header.
 */
final class CraftedBatches {

    static final int LENGTH_OFFSET = 8;
    static final int CRC_OFFSET = 17;
    static final int ATTRIBUTES_OFFSET = 21;
    static final int LAST_OFFSET_DELTA_OFFSET = 23;
    static final int RECORDS_COUNT_OFFSET = 57;
    static final int RECORDS_OFFSET = DefaultRecordBatch.RECORD_BATCH_OVERHEAD;

    private CraftedBatches() {
    }

    /** Recomputes the CRC of the one batch in {@code buffer}, so only the record checks can refuse it. */
    static MemoryRecords resealed(ByteBuffer buffer) {
        int size = buffer.limit();
        long crc = Crc32C.compute(buffer, ATTRIBUTES_OFFSET, size - ATTRIBUTES_OFFSET);
        buffer.putInt(CRC_OFFSET, (int) crc);
        MemoryRecords records = MemoryRecords.readableRecords(buffer);
        records.batches().iterator().next().ensureValid();
        return records;
    }

    /** A copy of the one batch of {@code records}. */
    static ByteBuffer copy(MemoryRecords records) {
        ByteBuffer copy = ByteBuffer.allocate(records.sizeInBytes());
        copy.put(records.buffer().duplicate()).flip();
        return copy;
    }

    /** The batch, claiming {@code count} records (and a matching last offset delta). */
    static MemoryRecords withCount(MemoryRecords records, int count) {
        ByteBuffer buffer = copy(records);
        buffer.putInt(RECORDS_COUNT_OFFSET, count);
        buffer.putInt(LAST_OFFSET_DELTA_OFFSET, count - 1);
        return resealed(buffer);
    }

    /**
     * An uncompressed batch of single-byte-framed records (timestamp delta 0, small sizes) whose first record's
     * offset delta is set to {@code delta}.
     */
    static MemoryRecords withFirstOffsetDelta(MemoryRecords records, int delta) {
        ByteBuffer buffer = copy(records);
        // size varint (1 byte), attributes, timestamp delta 0 (1 byte), then the offset delta varint
        buffer.put(RECORDS_OFFSET + 3, (byte) (delta << 1));
        return resealed(buffer);
    }

    /** An uncompressed batch whose first record declares {@code size} bytes (a one-byte varint, below 64). */
    static MemoryRecords withFirstRecordSize(MemoryRecords records, int size) {
        ByteBuffer buffer = copy(records);
        buffer.put(RECORDS_OFFSET, (byte) (size << 1));
        return resealed(buffer);
    }

    /**
     * A batch of {@code compression} holding one record that declares {@code declaredSize} bytes, followed by
     * only a few: the decompressed stream is tiny, the claim is not.
     */
    static MemoryRecords compressedClaiming(Compression compression, int declaredSize) {
        ByteBufferOutputStream payload = new ByteBufferOutputStream(64);
        try (OutputStream out = compression.wrapForOutput(payload, RecordBatch.MAGIC_VALUE_V2)) {
            ByteBuffer varint = ByteBuffer.allocate(5);
            ByteUtils.writeVarint(declaredSize, varint);
            out.write(varint.array(), 0, varint.position());
            out.write(new byte[16]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ByteBuffer compressed = payload.buffer().flip();
        MemoryRecords template = TestLogs.batch(compression, 1000L, "x");
        ByteBuffer buffer = ByteBuffer.allocate(RECORDS_OFFSET + compressed.remaining());
        buffer.put(template.buffer().duplicate().limit(RECORDS_OFFSET)).put(compressed).flip();
        buffer.putInt(LENGTH_OFFSET, buffer.limit() - 12);
        return resealed(buffer);
    }

    /** The batches of several requests' records, as one request's records. */
    static MemoryRecords concat(MemoryRecords... parts) {
        int size = 0;
        for (MemoryRecords part : parts) {
            size += part.sizeInBytes();
        }
        ByteBuffer buffer = ByteBuffer.allocate(size);
        for (MemoryRecords part : parts) {
            buffer.put(part.buffer().duplicate());
        }
        return MemoryRecords.readableRecords(buffer.flip());
    }
}
