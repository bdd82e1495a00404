package io.cairn.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.Records;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.utils.MockTime;

/** Builders and readers shared by the storage tests. */
final class TestLogs {

    static final TopicPartition TP = new TopicPartition("orders-eu", 3);
    static final Uuid TOPIC_ID = Uuid.fromString("AAAAAAAAAAAAAAAAAAAAAQ");

    private TestLogs() {
    }

    static LogConfig config() {
        return LogConfig.defaults();
    }

    static LogConfig withSegmentBytes(LogConfig c, int segmentBytes) {
        return new LogConfig(segmentBytes, c.segmentMs(), c.retentionMs(), c.retentionBytes(), c.maxMessageBytes(),
                c.indexIntervalBytes(), c.segmentIndexBytes(), c.flushIntervalMessages(), c.flushIntervalMs(),
                c.compact(), c.delete(), c.timestampType(), c.fileDeleteDelayMs());
    }

    static LogConfig withIndexInterval(LogConfig c, int indexIntervalBytes) {
        return new LogConfig(c.segmentBytes(), c.segmentMs(), c.retentionMs(), c.retentionBytes(), c.maxMessageBytes(),
                indexIntervalBytes, c.segmentIndexBytes(), c.flushIntervalMessages(), c.flushIntervalMs(),
                c.compact(), c.delete(), c.timestampType(), c.fileDeleteDelayMs());
    }

    static LogConfig withRetention(LogConfig c, long segmentMs, long retentionMs, long retentionBytes) {
        return new LogConfig(c.segmentBytes(), segmentMs, retentionMs, retentionBytes, c.maxMessageBytes(),
                c.indexIntervalBytes(), c.segmentIndexBytes(), c.flushIntervalMessages(), c.flushIntervalMs(),
                c.compact(), c.delete(), c.timestampType(), 0L);
    }

    static LogConfig withMaxMessageBytes(LogConfig c, int maxMessageBytes) {
        return new LogConfig(c.segmentBytes(), c.segmentMs(), c.retentionMs(), c.retentionBytes(), maxMessageBytes,
                c.indexIntervalBytes(), c.segmentIndexBytes(), c.flushIntervalMessages(), c.flushIntervalMs(),
                c.compact(), c.delete(), c.timestampType(), c.fileDeleteDelayMs());
    }

    static LogConfig compacted(LogConfig c) {
        return new LogConfig(c.segmentBytes(), c.segmentMs(), c.retentionMs(), c.retentionBytes(), c.maxMessageBytes(),
                c.indexIntervalBytes(), c.segmentIndexBytes(), c.flushIntervalMessages(), c.flushIntervalMs(),
                true, false, c.timestampType(), c.fileDeleteDelayMs());
    }

    static LogConfig logAppendTime(LogConfig c) {
        return new LogConfig(c.segmentBytes(), c.segmentMs(), c.retentionMs(), c.retentionBytes(), c.maxMessageBytes(),
                c.indexIntervalBytes(), c.segmentIndexBytes(), c.flushIntervalMessages(), c.flushIntervalMs(),
                c.compact(), c.delete(), TimestampType.LOG_APPEND_TIME, c.fileDeleteDelayMs());
    }

    static PartitionLog open(Path dir, LogConfig config, MockTime time) throws IOException {
        return PartitionLog.open(dir, TP, TOPIC_ID, config, time);
    }

    /** {@link #open} for tests that do not declare IOException. */
    static PartitionLog open0(Path dir, LogConfig config, MockTime time) {
        try {
            return open(dir, config, time);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static SimpleRecord[] records(long timestamp, String... values) {
        SimpleRecord[] out = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = new SimpleRecord(timestamp, ("k" + i).getBytes(StandardCharsets.UTF_8),
                    values[i].getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }

    static MemoryRecords batch(long timestamp, String... values) {
        return MemoryRecords.withRecords(Compression.NONE, records(timestamp, values));
    }

    static MemoryRecords batch(Compression compression, long timestamp, String... values) {
        return MemoryRecords.withRecords(compression, records(timestamp, values));
    }

    static MemoryRecords idempotent(long producerId, short epoch, int sequence, String... values) {
        return MemoryRecords.withIdempotentRecords(Compression.NONE, producerId, epoch, sequence,
                records(1000L, values));
    }

    static List<Record> allRecords(Records records) {
        List<Record> out = new ArrayList<>();
        for (RecordBatch batch : records.batches()) {
            batch.forEach(out::add);
        }
        return out;
    }

    static List<String> values(Records records) {
        List<String> out = new ArrayList<>();
        for (Record r : allRecords(records)) {
            ByteBuffer v = r.value();
            byte[] bytes = new byte[v.remaining()];
            v.get(bytes);
            out.add(new String(bytes, StandardCharsets.UTF_8));
        }
        return out;
    }

    static List<Long> offsets(Records records) {
        return allRecords(records).stream().map(Record::offset).toList();
    }

    /** Every record from {@code from} to the end of the log, across segments. */
    static List<Record> readAll(PartitionLog log, long from) {
        List<Record> out = new ArrayList<>();
        long next = from;
        while (next < log.logEndOffset()) {
            List<Record> chunk = allRecords(log.read(next, Integer.MAX_VALUE, Long.MAX_VALUE, true).records());
            if (chunk.isEmpty()) {
                break;
            }
            out.addAll(chunk);
            next = chunk.get(chunk.size() - 1).offset() + 1;
        }
        return out;
    }
}
