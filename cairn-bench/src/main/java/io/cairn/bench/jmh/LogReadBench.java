package io.cairn.bench.jmh;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.cairn.storage.LogConfig;
import io.cairn.storage.PartitionLog;
import io.cairn.storage.ReadResult;
import io.cairn.storage.internal.OffsetIndex;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.utils.Time;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Finding an offset: {@code indexLookup} is {@link OffsetIndex#lookup} alone (a binary search over a full
 * 10 MiB index, 1.3 M entries, in the page cache); {@code read} is {@link PartitionLog#read} of up to 1 MiB at
 * a random offset of a 64 MiB log of 1 KiB records in 16 KiB batches (segment search, index lookup, the scan
 * of batch headers from the indexed position, the whole-batch limit), what a fetch does per partition before
 * the bytes are sent with sendfile.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LogReadBench {

    private static final int INDEX_BYTES = 10 * 1024 * 1024;

    private Path dir;
    private OffsetIndex index;
    private long indexedOffsets;
    private PartitionLog log;
    private long logEndOffset;
    private final Random random = new Random(1);

    @Setup
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("cairn-jmh-read-");
        index = new OffsetIndex(new File(dir.toFile(), "00000000000000000000.index"), 0, INDEX_BYTES);
        int entries = INDEX_BYTES / 8;
        for (int i = 0; i < entries; i++) {
            index.append(i * 16L + 15, i * 4096);
        }
        indexedOffsets = entries * 16L;

        log = PartitionLog.open(dir.resolve("bench-0"), new TopicPartition("bench", 0), Uuid.randomUuid(),
                LogConfig.defaults(), Time.SYSTEM);
        byte[] value = new byte[1024];
        new Random(2).nextBytes(value);
        SimpleRecord[] rs = new SimpleRecord[16];
        for (int i = 0; i < rs.length; i++) {
            rs[i] = new SimpleRecord(1_700_000_000_000L, null, value);
        }
        for (int i = 0; i < 64 * 1024 / 16; i++) {
            log.appendAsLeader(MemoryRecords.withRecords(Compression.NONE, rs), 0);
        }
        logEndOffset = log.logEndOffset();
    }

    @TearDown
    public void tearDown() throws IOException {
        log.close();
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    public int indexLookup() {
        return index.lookup((long) (random.nextDouble() * indexedOffsets));
    }

    @Benchmark
    public ReadResult read() {
        return log.read((long) (random.nextDouble() * logEndOffset), 1024 * 1024, Long.MAX_VALUE, true);
    }
}
