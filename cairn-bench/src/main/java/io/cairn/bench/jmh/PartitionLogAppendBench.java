package io.cairn.bench.jmh;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.cairn.storage.AppendResult;
import io.cairn.storage.LogConfig;
import io.cairn.storage.PartitionLog;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.utils.Time;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link PartitionLog#appendAsLeader}: one batch of {@code records} uncompressed records of
 * {@code size} bytes per call (validation, offset assignment, segment write, index). Each
 * iteration starts with a fresh log in a temp directory, deleted afterwards; 256 MiB segments
 * so rolling is part of the measurement. No fsync (Kafka's default: left to the OS).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PartitionLogAppendBench {

    @Param({"100", "1024"})
    int size;

    @Param({"100"})
    int records;

    private ByteBuffer batch;
    private Path dir;
    private PartitionLog log;

    @Setup(Level.Trial)
    public void batch() {
        byte[] value = new byte[size];
        new Random(1).nextBytes(value);
        SimpleRecord[] rs = new SimpleRecord[records];
        for (int i = 0; i < records; i++) {
            rs[i] = new SimpleRecord(System.currentTimeMillis(), null, value);
        }
        batch = MemoryRecords.withRecords(Compression.NONE, rs).buffer();
    }

    @Setup(Level.Iteration)
    public void open() throws IOException {
        dir = Files.createTempDirectory("cairn-jmh-log-");
        LogConfig d = LogConfig.defaults();
        LogConfig config = new LogConfig(256 * 1024 * 1024, d.segmentMs(), d.retentionMs(), d.retentionBytes(),
                d.maxMessageBytes(), d.indexIntervalBytes(), d.segmentIndexBytes(), d.flushIntervalMessages(),
                d.flushIntervalMs(), d.compact(), d.delete(), d.timestampType(), d.fileDeleteDelayMs());
        log = PartitionLog.open(dir.resolve("bench-0"), new TopicPartition("bench", 0), Uuid.randomUuid(), config,
                Time.SYSTEM);
    }

    @TearDown(Level.Iteration)
    public void close() throws IOException {
        log.close();
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    public AppendResult append() {
        // a fresh copy each call: the append stamps offsets and epoch into the batch it is given
        ByteBuffer copy = ByteBuffer.allocate(batch.remaining());
        copy.put(batch.duplicate()).flip();
        return log.appendAsLeader(MemoryRecords.readableRecords(copy), 0);
    }
}
