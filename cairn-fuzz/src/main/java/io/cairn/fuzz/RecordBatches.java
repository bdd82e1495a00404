package io.cairn.fuzz;

import java.nio.ByteBuffer;
import java.util.List;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.utils.Crc32C;

/**
 * Real record batches (magic 2, every compression type, plain, idempotent or transactional) built with
 * kafka-clients' {@code MemoryRecords}, and the header layout used to mutate them.
 *
 * <p>Stateless: thread-safe.
 */
final class RecordBatches {

    /** Offsets of the magic 2 batch header fields. */
    static final int BASE_OFFSET = 0;
    static final int LENGTH = 8;
    static final int MAGIC = 16;
    static final int CRC = 17;
    static final int ATTRIBUTES = 21;
    static final int RECORDS_COUNT = 57;
    static final int HEADER_SIZE = 61;

    /** Each header field as (offset, width), the CRC excepted. */
    static final List<int[]> HEADER_FIELDS = List.of(
            new int[] {BASE_OFFSET, 8}, new int[] {LENGTH, 4}, new int[] {12, 4}, new int[] {MAGIC, 1},
            new int[] {ATTRIBUTES, 2}, new int[] {23, 4}, new int[] {27, 8}, new int[] {35, 8},
            new int[] {43, 8}, new int[] {51, 2}, new int[] {53, 4}, new int[] {RECORDS_COUNT, 4});

    private static final List<Compression> COMPRESSIONS = List.of(Compression.NONE, Compression.gzip().build(),
            Compression.snappy().build(), Compression.lz4().build(), Compression.zstd().build());

    private RecordBatches() {
    }

    /** One batch of 1 to 5 records; sometimes two batches, or none (both refused by a produce). */
    static byte[] generate(Values values) {
        byte[] batch = batch(values);
        if (values.chance(3)) {
            return new byte[0];
        }
        if (values.chance(3)) {
            byte[] second = batch(values);
            ByteBuffer both = ByteBuffer.allocate(batch.length + second.length).put(batch).put(second);
            return both.array();
        }
        return batch;
    }

    private static byte[] batch(Values values) {
        int n = 1 + values.random().nextInt(5);
        SimpleRecord[] records = new SimpleRecord[n];
        long now = Values.NOW_MS + values.random().nextInt(1000);
        for (int i = 0; i < n; i++) {
            byte[] key = values.chance(70) ? values.anyBytes() : null;
            records[i] = new SimpleRecord(now, key, values.anyBytes());
        }
        Compression compression = values.pick(COMPRESSIONS);
        int kind = values.random().nextInt(4);
        long producerId = kind == 0 ? RecordBatch.NO_PRODUCER_ID : values.random().nextInt(3);
        short epoch = kind == 0 ? RecordBatch.NO_PRODUCER_EPOCH : (short) values.random().nextInt(2);
        int sequence = kind == 0 ? RecordBatch.NO_SEQUENCE : values.random().nextInt(3);
        MemoryRecords built = MemoryRecords.withRecords(RecordBatch.MAGIC_VALUE_V2, 0L, compression,
                TimestampType.CREATE_TIME, producerId, epoch, sequence, RecordBatch.NO_PARTITION_LEADER_EPOCH,
                kind == 3, records);
        ByteBuffer buffer = built.buffer();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }

    /** Recomputes the CRC of the batch at {@code start} of {@code length} bytes, as the batch header says. */
    static void fixCrc(byte[] bytes, int start, int length) {
        if (length < HEADER_SIZE || start + length > bytes.length) {
            return;
        }
        long crc = Crc32C.compute(bytes, start + ATTRIBUTES, length - ATTRIBUTES);
        ByteBuffer.wrap(bytes).putInt(start + CRC, (int) crc);
    }
}
