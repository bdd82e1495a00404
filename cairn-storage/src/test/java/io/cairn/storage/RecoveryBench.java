package io.cairn.storage;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import io.cairn.storage.internal.LeaderEpochCache;
import io.cairn.storage.internal.LogLoader;
import io.cairn.storage.internal.LogSegment;
import io.cairn.storage.internal.ProducerStateManager;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.server.util.MockTime;

/**
 * How long a node's logs take to load after kill -9 (docs/benchmarks.md, "Restart after kill -9"). A test-scope
 * main, run from the repository root after {@code mvn -o -q -pl cairn-storage -am test-compile}:
 *
 * <pre>
 * nice -n 15 java -Dlogback.configurationFile=/dev/null \
 *     -cp "cairn-storage/target/classes:cairn-storage/target/test-classes:$(cat /tmp/cp.txt)" \
 *     io.cairn.storage.RecoveryBench [batches=250000] [emptyLogs=100] [runs=3] [threads=2]
 * </pre>
 *
 * <p>Put an older build's classes first on the class path to measure it with the same command (the bench calls
 * the two signatures that changed, LogManager's recovery threads and the epoch load, by reflection).
 *
 * ({@code /tmp/cp.txt}: {@code mvn -o -q -pl cairn-storage dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * -Dmdep.includeScope=test}.) It writes one partition whose only (active) segment holds {@code batches}
 * single-record batches, as the fault campaign's producers write them: two idempotent producers and one
 * transactional one (a marker after every 10 of its batches, one in 5 an abort), leader epoch bumped every 50 000
 * batches, flushed once after the first batch and never closed (no clean-shutdown marker, recovery point 1: all of it is recovered), plus
 * {@code emptyLogs} empty partitions left the same way. Each run copies that template to a fresh directory and
 * times, on separate copies: the segment's own recovery (validation and index rebuild), the whole
 * {@link LogLoader#load} (recovery plus producer state), {@link LeaderEpochCache#load}, and {@link LogManager#startup}
 * of everything, then of the empty logs alone.
 */
public final class RecoveryBench {

    private RecoveryBench() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println("classes from " + LogLoader.class.getProtectionDomain().getCodeSource().getLocation());
        int batches = args.length > 0 ? Integer.parseInt(args[0]) : 250_000;
        int emptyLogs = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        Path root = Files.createTempDirectory("cairn-recovery-bench");
        try {
            Path template = root.resolve("template");
            Path full = template.resolve("full");
            Path empty = template.resolve("empty");
            Files.createDirectories(full);
            Files.createDirectories(empty);
            long t0 = System.nanoTime();
            writeBigLog(full.resolve("orders-0"), batches);
            for (int i = 0; i < emptyLogs; i++) {
                PartitionLog.create(empty.resolve("idle-" + i), new TopicPartition("idle", i), Uuid.randomUuid(),
                        LogConfig.defaults(), Time.SYSTEM);
            }
            copy(empty, full);
            long size = Files.size(LogSegment.file(full.resolve("orders-0"), 0, LogSegment.LOG_SUFFIX).toPath());
            System.out.printf("wrote %d batches (%d MiB) + %d empty logs in %d ms; recovery threads %d%n", batches,
                    size >> 20, emptyLogs, (System.nanoTime() - t0) / 1_000_000, threads);
            for (int run = 1; run <= runs; run++) {
                System.out.printf("run %d: %s%n", run, oneRun(root.resolve("run" + run), full, empty, threads));
            }
        } finally {
            delete(root);
        }
    }

    private static String oneRun(Path runDir, Path full, Path empty, int threads) throws Exception {
        Path a = runDir.resolve("a");
        copy(full.resolve("orders-0"), a);
        LogSegment segment = LogSegment.open(a, 0, LogConfig.defaults().indexIntervalBytes(),
                LogConfig.defaults().segmentIndexBytes());
        Clock clock = new Clock();
        segment.recover(LogConfig.defaults().segmentIndexBytes());
        String segmentTime = clock.thread();
        segment.closeHandlers();

        Path b = runDir.resolve("b");
        copy(full.resolve("orders-0"), b);
        ProducerStateManager producers = new ProducerStateManager(b);
        clock = new Clock();
        LogLoader.Loaded loaded = LogLoader.load(b, LogConfig.defaults(), producers);
        String loadTime = clock.thread();
        clock = new Clock();
        LeaderEpochCache epochs = loadEpochs(b, loaded);
        String epochTime = clock.thread();

        Path c = runDir.resolve("c");
        copy(full, c);
        clock = new Clock();
        LogManager manager = logManager(c, threads);
        manager.startup();
        String startupTime = clock.process();
        int logs = manager.all().size();

        Path d = runDir.resolve("d");
        copy(empty, d);
        clock = new Clock();
        LogManager emptyManager = logManager(d, threads);
        emptyManager.startup();
        String emptyTime = clock.process();
        int emptyCount = emptyManager.all().size();
        String out = String.format("segment recovery %s; LogLoader.load (recovery + producer state) %s, %d producers;"
                        + " epochs %s, %d entries; LogManager.startup of %d logs %s; of %d empty logs %s",
                segmentTime, loadTime, producers.producerCount(), epochTime, epochs.entries().size(), logs,
                startupTime, emptyCount, emptyTime);
        delete(runDir);
        return out;
    }

    /** Wall and CPU time since construction (CPU of this thread, or of the whole process). */
    private static final class Clock {
        private final long wall = System.nanoTime();
        private final long threadCpu = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        private final long processCpu = ((com.sun.management.OperatingSystemMXBean)
                ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();

        String thread() {
            return String.format("%d ms (cpu %d ms)", ms(wall),
                    (ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - threadCpu) / 1_000_000);
        }

        String process() {
            return String.format("%d ms (cpu %d ms)", ms(wall), (((com.sun.management.OperatingSystemMXBean)
                    ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() - processCpu) / 1_000_000);
        }
    }

    /** The epoch load as PartitionLog.open calls it (with the epochs read during recovery where there are). */
    private static LeaderEpochCache loadEpochs(Path dir, LogLoader.Loaded loaded) throws Exception {
        try {
            Object starts = LogLoader.Loaded.class.getMethod("epochStarts").invoke(loaded);
            return (LeaderEpochCache) LeaderEpochCache.class.getMethod("load", Path.class, List.class, long.class,
                    long.class, boolean.class, List.class).invoke(null, dir, loaded.segments(), loaded.logEndOffset(),
                    loaded.recoveryPoint(), false, starts);
        } catch (NoSuchMethodException before) {
            return LeaderEpochCache.load(dir, loaded.segments(), loaded.logEndOffset(), loaded.recoveryPoint(),
                    false);
        }
    }

    /** With {@code threads} recovery threads where the constructor takes them (else one, as before). */
    private static LogManager logManager(Path dataDir, int threads) throws Exception {
        MockTime time = new MockTime();
        try {
            return LogManager.class.getConstructor(Path.class, Time.class,
                    org.apache.kafka.server.util.Scheduler.class, long.class, int.class)
                    .newInstance(dataDir, Time.SYSTEM, time.scheduler, 3_600_000L, threads);
        } catch (NoSuchMethodException before) {
            return new LogManager(dataDir, Time.SYSTEM, time.scheduler, 3_600_000L);
        }
    }

    private static long ms(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    /** Appends single-record batches as the campaign's producers do, then leaves the log as kill -9 would. */
    static void writeBigLog(Path dir, int batches) throws IOException {
        PartitionLog log = PartitionLog.create(dir, new TopicPartition("orders", 0), Uuid.randomUuid(),
                LogConfig.defaults(), Time.SYSTEM);
        int[] sequences = new int[3];
        int txnBatches = 0;
        short epoch = 0;
        byte[] value = new byte[40];
        for (int i = 0; i < batches; i++) {
            int leaderEpoch = i / 50_000;
            int producer = i % 3;
            long pid = 1000 + producer;
            SimpleRecord record = new SimpleRecord(System.currentTimeMillis(),
                    ("k" + i).getBytes(StandardCharsets.UTF_8), value);
            MemoryRecords batch = producer == 2
                    ? MemoryRecords.withTransactionalRecords(Compression.NONE, pid, epoch, sequences[producer], record)
                    : MemoryRecords.withIdempotentRecords(Compression.NONE, pid, epoch, sequences[producer], record);
            sequences[producer]++;
            log.appendAsLeader(batch, leaderEpoch);
            if (i == 0) {
                log.flush(); // the leader-epoch-checkpoint and a recovery point exist, as in a running node
            }
            if (producer == 2 && ++txnBatches % 10 == 0) {
                log.appendTransactionMarker(pid, epoch, txnBatches % 50 != 0, 0, leaderEpoch);
                log.lastStableOffset(log.logEndOffset()); // as fetches do: ended transactions get pruned
            }
        }
        // No close: the files stay as a kill -9 leaves them (no .clean-shutdown, no recovery checkpoint).
    }

    private static void copy(Path from, Path to) throws IOException {
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(from)) {
            paths = walk.toList();
        }
        for (Path p : paths) {
            Path target = to.resolve(from.relativize(p).toString());
            if (Files.isDirectory(p)) {
                Files.createDirectories(target);
            } else {
                Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private static void delete(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        List<Path> paths = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(paths::add);
        }
        for (Path p : paths) {
            Files.deleteIfExists(p);
        }
    }
}
