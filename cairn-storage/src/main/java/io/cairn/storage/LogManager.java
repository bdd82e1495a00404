package io.cairn.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;

import io.cairn.storage.internal.Checkpoints;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.server.util.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * All partition logs of one node under one data directory ({@code <dataDir>/<topic>-<partition>/}).
 * Opens existing logs at start (recovering them if the previous shutdown was unclean), creates and
 * deletes logs, and runs retention, compaction, time-based flushes and high watermark checkpoints as timers of
 * the given scheduler (Kafka's; any of its threads).
 *
 * <p>Thread-safe: lookups are lock-free; creation, deletion and close are serialized.
 */
public final class LogManager implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LogManager.class);
    /** How often logs are checked for flush.ms. */
    static final long FLUSH_CHECK_INTERVAL_MS = 1000;
    /** How often compacted logs are checked for cleaning (Kafka's log.cleaner.backoff.ms). */
    static final long CLEANER_INTERVAL_MS = 15_000;

    private final Path dataDir;
    private final Time time;
    private final Scheduler scheduler;
    private final long retentionCheckIntervalMs;
    private final ConcurrentHashMap<TopicPartition, PartitionLog> logs = new ConcurrentHashMap<>();
    /** Partitions whose log could not be loaded or created, and why: offline until the node restarts. */
    private final ConcurrentHashMap<TopicPartition, KafkaStorageException> offline = new ConcurrentHashMap<>();
    private final List<ScheduledFuture<?>> tasks = new ArrayList<>();
    /** The next run of the cleaner (guarded by this). */
    private ScheduledFuture<?> cleaner;
    /** The metadata log's directory lives beside the partition logs, as in Kafka; it is not a partition log. */
    public static final String METADATA_DIR_PREFIX = "__cluster_metadata";

    private final Object cleanerLock = new Object();
    private volatile ToLongFunction<TopicPartition> highWatermarks;
    /** replica.high.watermark.checkpoint.interval.ms (Kafka's default). */
    static final long HW_CHECKPOINT_INTERVAL_MS = 5000;
    /** Kafka's high watermark checkpoint file in each data directory. */
    public static final String HW_CHECKPOINT = "replication-offset-checkpoint";
    private volatile Supplier<Map<TopicPartition, Long>> highWatermarkCheckpointSource;
    private boolean closed;
    private final Object hwCheckpointLock = new Object();
    /** Flushes rolled segments off the produce path (see {@link PartitionLog#setRollFlusher}). */
    private final java.util.concurrent.ExecutorService rollFlusher = java.util.concurrent.Executors.newSingleThreadExecutor(
            r -> {
                Thread t = new Thread(r, "cairn-log-flusher");
                t.setDaemon(true);
                return t;
            });

    /** Kafka's default num.recovery.threads.per.data.dir (4.x). */
    public static final int DEFAULT_RECOVERY_THREADS = 2;
    private final int recoveryThreads;

    public LogManager(Path dataDir, Time time, Scheduler scheduler, long retentionCheckIntervalMs) {
        this(dataDir, time, scheduler, retentionCheckIntervalMs, DEFAULT_RECOVERY_THREADS);
    }

    /**
     * @param recoveryThreads how many logs {@link #startup} loads at once (Kafka's
     *                        num.recovery.threads.per.data.dir; Cairn has one data directory)
     */
    public LogManager(Path dataDir, Time time, Scheduler scheduler, long retentionCheckIntervalMs,
                      int recoveryThreads) {
        if (recoveryThreads < 1) {
            throw new IllegalArgumentException("num.recovery.threads.per.data.dir must be at least 1, not "
                    + recoveryThreads);
        }
        this.recoveryThreads = recoveryThreads;
        this.dataDir = dataDir;
        this.time = time;
        this.scheduler = scheduler;
        this.retentionCheckIntervalMs = retentionCheckIntervalMs;
        this.highWatermarks = tp -> get(tp).map(PartitionLog::logEndOffset).orElse(0L);
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new KafkaStorageException("Cannot create data directory " + dataDir, e);
        }
    }

    /**
     * Tells retention each partition's high watermark; segments past it are never deleted. Without it
     * retention uses the log end offset.
     */
    public void setHighWatermarks(ToLongFunction<TopicPartition> highWatermarks) {
        this.highWatermarks = highWatermarks;
    }

    /**
     * Loads every log found on disk (with default settings until {@link #getOrCreate} gives the real
     * ones). Logs whose directory names no valid partition are skipped with a warning. A log that cannot be
     * loaded (a corrupt segment below its recovery point, an I/O error) does not stop the others: its partition
     * is offline ({@link #offline}) with one ERROR line naming it, its directory and the reason.
     */
    public synchronized void startup() {
        List<Path> dirs;
        try (Stream<Path> listed = Files.list(dataDir)) {
            dirs = listed.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw new KafkaStorageException("Cannot load logs from " + dataDir, e);
        }
        List<Callable<Void>> loads = new ArrayList<>();
        for (Path dir : dirs) {
            if (dir.getFileName().toString().startsWith(METADATA_DIR_PREFIX)) {
                continue;
            }
            Optional<TopicPartition> tp = parsePartitionDir(dir.getFileName().toString());
            if (tp.isEmpty()) {
                log.warn("Skipping {}: its name is not <topic>-<partition>", dir);
                continue;
            }
            loads.add(() -> {
                load(dir, tp.get());
                return null;
            });
        }
        long started = time.hiResClockMs();
        runLoads(loads);
        log.info("Loaded {} logs from {} in {} ms with {} recovery threads{}", logs.size(), dataDir,
                time.hiResClockMs() - started, Math.min(recoveryThreads, Math.max(1, loads.size())),
                offline.isEmpty() ? "" : "; " + offline.size() + " partitions offline: " + offline.keySet());
        // Fixed-rate timers (a periodic timer of Kafka's scheduler never overlaps itself either).
        tasks.add(scheduler.schedule("log-retention", this::enforceRetention, retentionCheckIntervalMs,
                retentionCheckIntervalMs));
        scheduleCleaner();
        tasks.add(scheduler.schedule("log-flush", this::flushByTime, FLUSH_CHECK_INTERVAL_MS, FLUSH_CHECK_INTERVAL_MS));
        tasks.add(scheduler.schedule("high-watermark-checkpoint", this::checkpointHighWatermarksFromSource,
                HW_CHECKPOINT_INTERVAL_MS, HW_CHECKPOINT_INTERVAL_MS));
    }

    /** Loads one log found at startup; a failure takes only its partition offline. Runs on a recovery thread. */
    private void load(Path dir, TopicPartition tp) {
        try {
            // The topic id comes from the directory's partition.metadata (PartitionLog.open reads it).
            PartitionLog opened = PartitionLog.open(dir, tp, Uuid.ZERO_UUID, LogConfig.defaults(), time);
            opened.setRollFlusher(rollFlusher);
            logs.put(tp, opened);
        } catch (IOException | RuntimeException e) {
            takeOffline(tp, dir, e);
        }
    }

    /**
     * Runs the loads on {@code num.recovery.threads.per.data.dir} threads (as Kafka's log manager does) and waits
     * for all of them; with one load or one thread, on the calling thread.
     */
    private void runLoads(List<Callable<Void>> loads) {
        int threads = Math.min(recoveryThreads, loads.size());
        if (threads <= 1) {
            for (Callable<Void> load : loads) {
                try {
                    load.call();
                } catch (Exception e) {
                    throw new IllegalStateException(e); // load() catches everything a log can throw
                }
            }
            return;
        }
        AtomicInteger ids = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "cairn-log-recovery-" + ids.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            for (Future<Void> done : pool.invokeAll(loads)) {
                done.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaStorageException("Interrupted while loading the logs of " + dataDir, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause()); // load() catches everything a log can throw
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Records that {@code topicPartition}'s log cannot be used until the node restarts, and says so once at
     * ERROR. Kafka takes the whole log directory offline (and a broker whose only one fails stops); Cairn takes
     * only the partition offline.
     */
    private KafkaStorageException takeOffline(TopicPartition topicPartition, Path dir, Exception cause) {
        String reason = cause.getMessage() == null ? cause.toString() : cause.getMessage();
        KafkaStorageException error = new KafkaStorageException("The log of " + topicPartition + " in " + dir
                + " is offline: " + reason, cause);
        offline.put(topicPartition, error);
        log.error("Partition {} is offline until the node restarts: its log in {} cannot be loaded: {} ({}); every "
                + "request for it answers KAFKA_STORAGE_ERROR", topicPartition, dir, reason,
                cause.getClass().getSimpleName());
        log.debug("Why {} is offline", topicPartition, cause);
        return error;
    }

    /**
     * Why this partition's log is offline (it could not be loaded or created), or empty if it is not: a request
     * for it then answers KAFKA_STORAGE_ERROR with this error. Thread-safe.
     */
    public Optional<KafkaStorageException> offline(TopicPartition topicPartition) {
        return Optional.ofNullable(offline.get(topicPartition));
    }

    /** The partitions whose logs are offline. Thread-safe. */
    public Set<TopicPartition> offlinePartitions() {
        return Set.copyOf(offline.keySet());
    }

    /** Kafka's directory naming: the partition follows the last '-'. */
    static Optional<TopicPartition> parsePartitionDir(String name) {
        int dash = name.lastIndexOf('-');
        if (dash <= 0 || dash == name.length() - 1) {
            return Optional.empty();
        }
        try {
            int partition = Integer.parseInt(name.substring(dash + 1));
            return partition < 0 ? Optional.empty() : Optional.of(new TopicPartition(name.substring(0, dash), partition));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * The log of this partition, created with {@code config} if absent. If a log exists for the same
     * name but another topic id (the topic was deleted and re-created while this node was down), the
     * old one is deleted first. An existing log whose settings differ from {@code config} is updated.
     *
     * @throws KafkaStorageException the partition is {@link #offline}, or its log cannot be opened or created
     *                               now (it is then offline from now on)
     */
    public synchronized PartitionLog getOrCreate(TopicPartition topicPartition, Uuid topicId, LogConfig config) {
        PartitionLog existing = logs.get(topicPartition);
        Path dir = dirOf(topicPartition);
        KafkaStorageException offlineError = offline.get(topicPartition);
        if (offlineError != null) {
            if (!ofOtherTopic(dir, topicId)) {
                throw offlineError;
            }
            log.info("Deleting offline log {}: its topic was deleted and re-created as {}", dir, topicId);
            offline.remove(topicPartition);
        }
        try {
            if (existing != null && !sameTopic(existing.topicId(), topicId)) {
                log.info("Deleting log {} of old topic id {} (now {})", dir, existing.topicId(), topicId);
                logs.remove(topicPartition);
                existing.delete();
                existing = null;
            }
            if (existing != null) {
                if (!existing.config().equals(config)) {
                    existing.updateConfig(config);
                }
                return existing;
            }
            PartitionLog created;
            if (Files.isDirectory(dir)) {
                Optional<Uuid> onDisk = Checkpoints.readTopicId(dir);
                if (onDisk.isPresent() && !sameTopic(onDisk.get(), topicId)) {
                    deleteRecursively(dir);
                }
                created = PartitionLog.open(dir, topicPartition, topicId, config, time);
            } else {
                created = PartitionLog.create(dir, topicPartition, topicId, config, time);
            }
            created.setRollFlusher(rollFlusher);
            logs.put(topicPartition, created);
            return created;
        } catch (IOException | RuntimeException e) {
            throw takeOffline(topicPartition, dir, e);
        }
    }

    /** Whether the log in {@code dir} belongs to another topic than {@code topicId} (as far as both are known). */
    private static boolean ofOtherTopic(Path dir, Uuid topicId) {
        try {
            return Checkpoints.readTopicId(dir).map(onDisk -> !sameTopic(onDisk, topicId)).orElse(false);
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean sameTopic(Uuid a, Uuid b) {
        return a.equals(b) || Uuid.ZERO_UUID.equals(a) || Uuid.ZERO_UUID.equals(b);
    }

    private Path dirOf(TopicPartition tp) {
        return dataDir.resolve(tp.topic() + "-" + tp.partition());
    }

    public Optional<PartitionLog> get(TopicPartition topicPartition) {
        return Optional.ofNullable(logs.get(topicPartition));
    }

    public Collection<PartitionLog> all() {
        return List.copyOf(logs.values());
    }

    /** Deletes the partition's log and its directory, if present (an offline one too). */
    public synchronized void delete(TopicPartition topicPartition) {
        offline.remove(topicPartition);
        PartitionLog existing = logs.remove(topicPartition);
        if (existing != null) {
            existing.delete();
            return;
        }
        try {
            deleteRecursively(dirOf(topicPartition));
        } catch (IOException e) {
            throw new KafkaStorageException("Cannot delete " + dirOf(topicPartition), e);
        }
    }

    public Path dataDir() {
        return dataDir;
    }

    /** One retention pass over all logs; also run periodically. Failures of one log do not stop the others. */
    public void enforceRetention() {
        for (PartitionLog partitionLog : all()) {
            try {
                partitionLog.enforceRetention(highWatermarks.applyAsLong(partitionLog.topicPartition()));
            } catch (RuntimeException e) {
                log.warn("Retention of {} failed", partitionLog.topicPartition(), e);
            }
        }
    }

    /**
     * One compaction pass over the logs with cleanup.policy=compact, below each one's high watermark; also
     * run periodically. Serialized so that a test's pass and the periodic one never clean a log at once.
     */
    public void compactLogs() {
        synchronized (cleanerLock) {
            compactAll();
        }
    }

    private void compactAll() {
        for (PartitionLog partitionLog : all()) {
            if (!partitionLog.config().compact()) {
                continue;
            }
            try {
                partitionLog.compact(highWatermarks.applyAsLong(partitionLog.topicPartition()));
            } catch (RuntimeException e) {
                log.warn("Compaction of {} failed", partitionLog.topicPartition(), e);
            }
        }
    }

    /** Flushes logs whose flush.ms has passed; also run periodically. */
    public void flushByTime() {
        for (PartitionLog partitionLog : all()) {
            try {
                partitionLog.maybeFlushByTime();
            } catch (RuntimeException e) {
                log.warn("Flush of {} failed", partitionLog.topicPartition(), e);
            }
        }
    }

    private static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /**
     * Writes the high watermarks to {@code <dataDir>/replication-offset-checkpoint} in Kafka's format
     * ({@code 0}, the entry count, then {@code <topic> <partition> <offset>} lines), atomically (temp
     * file, fsync, rename). Thread-safe; concurrent calls are serialized.
     *
     * @throws KafkaStorageException I/O failure
     */
    public void checkpointHighWatermarks(Map<TopicPartition, Long> highWatermarks) {
        StringBuilder content = new StringBuilder();
        content.append("0\n").append(highWatermarks.size()).append('\n');
        highWatermarks.forEach((tp, offset) ->
                content.append(tp.topic()).append(' ').append(tp.partition()).append(' ').append(offset).append('\n'));
        synchronized (hwCheckpointLock) {
            try {
                Checkpoints.writeAtomically(dataDir.resolve(HW_CHECKPOINT),
                        content.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new KafkaStorageException("Cannot write " + dataDir.resolve(HW_CHECKPOINT), e);
            }
        }
    }

    /**
     * The high watermarks in {@code replication-offset-checkpoint}; empty if the file does not exist or is
     * malformed (a bad version line, count or entry, a negative partition or offset, bytes that are not text):
     * a malformed file is logged once at WARN and removed, and every partition starts without a checkpointed
     * high watermark (a follower learns it from its leader, a leader from its in-sync followers), as Kafka
     * starts a partition missing from the file. Thread-safe.
     *
     * @throws KafkaStorageException the file exists but cannot be read
     */
    public Map<TopicPartition, Long> readHighWatermarks() {
        Path file = dataDir.resolve(HW_CHECKPOINT);
        synchronized (hwCheckpointLock) {
            if (!Files.exists(file)) {
                return Map.of();
            }
            List<String> lines;
            try {
                lines = Checkpoints.readLines(file);
            } catch (IOException e) {
                throw new KafkaStorageException("Cannot read " + file, e);
            }
            Optional<Map<TopicPartition, Long>> parsed = parseHighWatermarks(lines);
            if (parsed.isEmpty()) {
                Checkpoints.ignoreMalformed(file);
            }
            return parsed.orElse(Map.of());
        }
    }

    /** Kafka's offset checkpoint format, or empty if {@code lines} are not one. */
    private static Optional<Map<TopicPartition, Long>> parseHighWatermarks(List<String> lines) {
        try {
            if (lines.size() < 2 || Integer.parseInt(lines.get(0).trim()) != 0) {
                return Optional.empty();
            }
            int count = Integer.parseInt(lines.get(1).trim());
            if (count < 0 || lines.size() < 2 + count) {
                return Optional.empty();
            }
            Map<TopicPartition, Long> out = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                String[] parts = lines.get(2 + i).trim().split("\\s+");
                if (parts.length != 3) {
                    return Optional.empty();
                }
                int partition = Integer.parseInt(parts[1]);
                long offset = Long.parseLong(parts[2]);
                if (partition < 0 || offset < 0) {
                    return Optional.empty();
                }
                out.put(new TopicPartition(parts[0], partition), offset);
            }
            return Optional.of(out);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * Where the periodic high watermark checkpoint (every replica.high.watermark.checkpoint.interval.ms =
     * 5 s, from {@link #startup}, and once more at {@link #close}) takes the high watermarks from; without a
     * source nothing is written. Thread-safe.
     */
    public void setHighWatermarkCheckpointSource(Supplier<Map<TopicPartition, Long>> source) {
        this.highWatermarkCheckpointSource = source;
    }

    /** One run of the periodic high watermark checkpoint; failures are logged, not thrown. */
    void checkpointHighWatermarksFromSource() {
        Supplier<Map<TopicPartition, Long>> source = highWatermarkCheckpointSource;
        if (source == null) {
            return;
        }
        try {
            checkpointHighWatermarks(source.get());
        } catch (RuntimeException e) {
            log.warn("High watermark checkpoint in {} failed", dataDir, e);
        }
    }

    /**
     * One cleaner at a time, each run {@link #CLEANER_INTERVAL_MS} after the previous one ended (a fixed delay, as
     * Kafka's cleaner backs off): a log is compacted by one thread at a time.
     */
    private synchronized void scheduleCleaner() {
        if (!closed) {
            cleaner = scheduler.scheduleOnce("log-cleaner", () -> {
                try {
                    compactLogs();
                } finally {
                    scheduleCleaner();
                }
            }, CLEANER_INTERVAL_MS);
        }
    }

    /** Closes every log cleanly so that the next start needs no recovery. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        tasks.forEach(task -> task.cancel(false));
        if (cleaner != null) {
            cleaner.cancel(false);
        }
        checkpointHighWatermarksFromSource();
        for (PartitionLog partitionLog : logs.values()) {
            try {
                partitionLog.close();
            } catch (RuntimeException e) {
                log.warn("Closing {} failed; it will be recovered at the next start", partitionLog.topicPartition(), e);
            }
        }
        logs.clear();
        // Closed logs flushed everything; pending roll flushes have nothing left to do.
        rollFlusher.shutdownNow();
    }
}
