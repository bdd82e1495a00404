package io.cairn.bench.jmh;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import io.cairn.storage.LogConfig;
import io.cairn.storage.internal.AppendValidator;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link AppendValidator#validate}: the checks every produced batch passes before it is appended (magic, size
 * limits, CRC over the whole batch, record count, idempotence fields; then every record, read once: framing,
 * offset delta, timestamps, and keys for compacted logs). One call
 * validates a request's records for one partition: {@code batches} batches of 100 records of {@code size} bytes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BatchValidationBench {

    @Param({"100", "1024"})
    int size;

    @Param({"1", "10"})
    int batches;

    @Param({"false", "true"})
    boolean compacted;

    private MemoryRecords records;
    private LogConfig config;

    @Setup
    public void setUp() {
        byte[] value = new byte[size];
        new Random(1).nextBytes(value);
        ByteBuffer all = ByteBuffer.allocate(batches * (100 * (size + 40) + 100));
        for (int b = 0; b < batches; b++) {
            SimpleRecord[] rs = new SimpleRecord[100];
            for (int i = 0; i < rs.length; i++) {
                rs[i] = new SimpleRecord(1_700_000_000_000L + i, ("key-" + i).getBytes(), value);
            }
            all.put(MemoryRecords.withRecords(Compression.NONE, rs).buffer());
        }
        all.flip();
        records = MemoryRecords.readableRecords(all);
        LogConfig d = LogConfig.defaults();
        config = new LogConfig(d.segmentBytes(), d.segmentMs(), d.retentionMs(), d.retentionBytes(),
                d.maxMessageBytes(), d.indexIntervalBytes(), d.segmentIndexBytes(), d.flushIntervalMessages(),
                d.flushIntervalMs(), compacted, !compacted, d.timestampType(), d.fileDeleteDelayMs());
    }

    @Benchmark
    public List<MutableRecordBatch> validate() {
        return AppendValidator.validate(records, config, System.currentTimeMillis());
    }
}
