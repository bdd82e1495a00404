package io.cairn.storage.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;

/**
 * The in-place walk of an uncompressed batch agrees with kafka-clients' record iterator, which it replaces on the
 * produce path: on random batches and on random one-byte edits of their records (CRC aside), both accept or both
 * refuse, and what the walk reports of an accepted record is what the iterator reads.
 */
class RecordCursorTest {

    @Test
    void agreesWithKafkasIteratorOnRandomBatchesAndEdits() {
        Random random = new Random(20261203L);
        int refused = 0;
        for (int round = 0; round < 3000; round++) {
            ByteBuffer batch = randomBatch(random);
            if (round % 4 != 0) {
                int at = DefaultRecordBatch.RECORD_BATCH_OVERHEAD
                        + random.nextInt(batch.limit() - DefaultRecordBatch.RECORD_BATCH_OVERHEAD);
                batch.put(at, (byte) random.nextInt(256));
            }
            List<long[]> expected = kafkasReading(batch);
            List<long[]> walked = cursorReading(batch);
            if (expected == null) {
                refused++;
                assertThat(walked).as("round %d: refused by Kafka's iterator", round).isNull();
            } else {
                assertThat(walked).as("round %d", round).isNotNull();
                assertThat(walked).as("round %d", round).containsExactlyElementsOf(expected);
            }
        }
        assertThat(refused).as("edits that break the framing").isGreaterThan(300);
    }

    private static ByteBuffer randomBatch(Random random) {
        SimpleRecord[] records = new SimpleRecord[1 + random.nextInt(5)];
        for (int i = 0; i < records.length; i++) {
            byte[] key = random.nextInt(4) == 0 ? null : bytes(random, random.nextInt(8));
            byte[] value = random.nextInt(5) == 0 ? null : bytes(random, random.nextInt(20));
            Header[] headers = new Header[random.nextInt(3)];
            for (int h = 0; h < headers.length; h++) {
                headers[h] = new RecordHeader("h" + h, random.nextBoolean() ? null : bytes(random, 3));
            }
            records[i] = new SimpleRecord(1_000L + random.nextInt(1000), key, value, headers);
        }
        MemoryRecords built = MemoryRecords.withRecords(Compression.NONE, records);
        ByteBuffer copy = ByteBuffer.allocate(built.sizeInBytes());
        copy.put(built.buffer().duplicate()).flip();
        return copy;
    }

    /** Per record: offset delta, timestamp, has key; null if the iterator refuses the records. */
    private static List<long[]> kafkasReading(ByteBuffer buffer) {
        DefaultRecordBatch batch = batchOf(buffer);
        List<long[]> read = new ArrayList<>();
        try {
            Iterator<Record> records = batch.iterator();
            while (records.hasNext()) {
                Record record = records.next();
                read.add(new long[] {record.offset() - batch.baseOffset(), record.timestamp(), record.hasKey() ? 1 : 0});
            }
        } catch (InvalidRecordException e) {
            return null;
        }
        return read;
    }

    private static List<long[]> cursorReading(ByteBuffer buffer) {
        DefaultRecordBatch batch = batchOf(buffer);
        List<long[]> read = new ArrayList<>();
        try (RecordCursor records = RecordCursor.inPlace(batch, RecordCursor.recordsOf(buffer, 0, batch))) {
            while (records.next()) {
                read.add(new long[] {records.offsetDelta(), records.timestamp(), records.hasKey() ? 1 : 0});
            }
        } catch (InvalidRecordException e) {
            return null;
        }
        return read;
    }

    private static DefaultRecordBatch batchOf(ByteBuffer buffer) {
        return (DefaultRecordBatch) MemoryRecords.readableRecords(buffer.duplicate()).batches().iterator().next();
    }

    private static byte[] bytes(Random random, int size) {
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        return bytes;
    }
}
