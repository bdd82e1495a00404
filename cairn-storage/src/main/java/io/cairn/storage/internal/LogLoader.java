package io.cairn.storage.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;

import io.cairn.storage.AbortedTxn;
import io.cairn.storage.LogConfig;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the segments of a partition directory, recovering them when the last shutdown was unclean,
 * and rebuilds producer state.
 *
 * <p>Not thread-safe; used once, before the log is published.
 */
public final class LogLoader {

    private static final Logger log = LoggerFactory.getLogger(LogLoader.class);

    public static final String CLEAN_SHUTDOWN = ".clean-shutdown";
    public static final String LOG_START_CHECKPOINT = "log-start-offset-checkpoint";
    public static final String RECOVERY_CHECKPOINT = "recovery-point-offset-checkpoint";

    /**
     * What was loaded; segments are ascending and the last one is active. {@code epochStarts}: the leader epoch
     * changes in the batches at or after the recovery point, as {@link LeaderEpochCache#load} would find them by
     * reading those batches (each batch whose epoch is above every earlier one's there, as (epoch, base offset));
     * empty after a clean shutdown, where there are none.
     */
    public record Loaded(List<LogSegment> segments, long logStartOffset, long logEndOffset, long recoveryPoint,
                         List<LeaderEpochCache.Entry> epochStarts) {
        public Loaded(List<LogSegment> segments, long logStartOffset, long logEndOffset, long recoveryPoint) {
            this(segments, logStartOffset, logEndOffset, recoveryPoint, List.of());
        }
    }

    private LogLoader() {
    }

    /**
     * Loads the log in {@code dir}. Segments below the recovery point (all of them after a clean shutdown) are
     * trusted: only the batches after their last index entry are read; one that does not read cleanly has its
     * indexes rebuilt from a validation of every batch, but invalid data there is never truncated (it was
     * flushed, and may hold acknowledged records): the log then cannot be loaded. Segments after the recovery
     * point are validated and truncated at the first invalid batch, later segments deleted.
     *
     * @throws KafkaStorageException a segment below the recovery point is corrupt (the message names the file)
     * @throws IOException           a file cannot be read or written
     */
    public static Loaded load(Path dir, LogConfig config, ProducerStateManager producers) throws IOException {
        Files.createDirectories(dir);
        LogCleaner.completeInterruptedSwap(dir);
        removeLeftovers(dir);
        Path marker = dir.resolve(CLEAN_SHUTDOWN);
        boolean clean = Files.exists(marker);
        long recoveryPoint = clean ? Long.MAX_VALUE
                : Checkpoints.readOffset(dir.resolve(RECOVERY_CHECKPOINT)).orElse(0L);
        long checkpointedStart = Checkpoints.readOffset(dir.resolve(LOG_START_CHECKPOINT)).orElse(0L);
        List<LogSegment> segments = new ArrayList<>();
        Pass pass = new Pass(dir, producers, segments, clean ? Long.MAX_VALUE : recoveryPoint);
        try {
            loadSegments(dir, config, recoveryPoint, segments, pass);
            boolean fresh = segments.isEmpty();
            if (fresh) {
                segments.add(LogSegment.open(dir, checkpointedStart, config.indexIntervalBytes(),
                        config.segmentIndexBytes()));
            }
            LogSegment active = segments.get(segments.size() - 1);
            active.onActive(config.segmentIndexBytes());
            long logEndOffset = active.nextOffset();
            long logStartOffset = Math.max(segments.get(0).baseOffset(), Math.min(checkpointedStart, logEndOffset));
            if (pass.replayFrom < 0) {
                // Nothing was recovered: the newest snapshot at or below the log end, and the batches after it.
                rebuildProducerState(producers, segments, logStartOffset, logEndOffset, pass::chunk);
            } else {
                producers.endReplay();
                producers.evictBelow(logStartOffset);
            }
            Files.deleteIfExists(marker);
            if (!clean && !fresh && !pass.recoveredBytes()) {
                log.debug("Loaded empty log {} after an unclean shutdown", dir);
            } else if (!clean && !fresh) {
                log.info("Recovered log {} after an unclean shutdown: offsets [{}, {})", dir, logStartOffset,
                        logEndOffset);
            }
            return new Loaded(segments, logStartOffset, logEndOffset, Math.min(recoveryPoint, logEndOffset),
                    List.copyOf(pass.epochStarts));
        } catch (IOException | RuntimeException e) {
            for (LogSegment segment : segments) {
                try {
                    segment.closeHandlers();
                } catch (IOException | RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    private static void removeLeftovers(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                if (name.endsWith(LogSegment.DELETED_SUFFIX) || name.endsWith(".tmp")) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    /**
     * The one pass over the recovered segments: each valid batch, as recovery validates and indexes it, is also
     * replayed into producer state (from the snapshot at or below the first recovered segment, the segments
     * before it replayed first), its aborts indexed in its segment, and its leader epoch noted. Replaces the
     * three reads of the same bytes there were (recovery, producer state, leader epochs).
     */
    private static final class Pass {
        private final Path dir;
        private final ProducerStateManager producers;
        private final List<LogSegment> segments;
        /** Epoch changes are noted in batches ending at or after this (the recovery point). */
        private final long epochsFrom;
        final List<LeaderEpochCache.Entry> epochStarts = new ArrayList<>();
        private int maxEpochSeen = -1;
        /** Batches ending at or after this are replayed into producer state; -1 until the first recovered one. */
        long replayFrom = -1;
        private ByteBuffer chunk;
        private boolean sawBytes;

        Pass(Path dir, ProducerStateManager producers, List<LogSegment> segments, long epochsFrom) {
            this.dir = dir;
            this.producers = producers;
            this.segments = segments;
            this.epochsFrom = epochsFrom;
        }

        /** The scan buffer shared by this log's reads, allocated at its first use (never for empty logs). */
        ByteBuffer chunk() {
            if (chunk == null) {
                long largest = 0;
                for (LogSegment segment : segments) {
                    largest = Math.max(largest, segment.sizeInBytes());
                }
                chunk = BatchScanner.chunkFor(largest);
            }
            return chunk;
        }

        /** The scan buffer for {@code segment}: none for an empty one (nothing to read). */
        ByteBuffer chunkFor(LogSegment segment) {
            return segment.isEmpty() ? null : chunk();
        }

        /**
         * Replays {@code segment}, loaded as trusted, into producer state if the pass has started (a segment
         * before it was recovered): the replay covers every batch from the snapshot on, as it did after loading.
         */
        void replayTrusted(LogSegment segment) throws IOException {
            if (replayFrom < 0 || segment.isEmpty() || segment.nextOffset() <= replayFrom) {
                return;
            }
            long from = replayFrom;
            segment.scan(chunk(), batch -> {
                if (batch.lastOffset() >= from) {
                    producers.replay(batch);
                }
            });
        }

        boolean recoveredBytes() {
            return sawBytes;
        }

        /**
         * The visitor for {@code segment} (the last of {@code segments}), about to be recovered. At the first,
         * producer state is loaded from the newest snapshot at or below its base (newer ones are deleted, as
         * the old replay after loading did) and the loaded segments before it are replayed from there.
         */
        LogSegment.BatchVisitor visitorFor(LogSegment segment) throws IOException {
            if (segment.sizeInBytes() > 0) {
                sawBytes = true;
            }
            if (replayFrom < 0) {
                Optional<Long> snapshot = producers.loadLatestSnapshot(segment.baseOffset());
                replayFrom = snapshot.orElse(segments.get(0).baseOffset());
                producers.beginReplay();
                for (LogSegment earlier : segments) {
                    if (earlier != segment && earlier.nextOffset() > replayFrom && !earlier.isEmpty()) {
                        long from = replayFrom;
                        earlier.scan(chunk(), batch -> {
                            if (batch.lastOffset() >= from) {
                                producers.replay(batch);
                            }
                        });
                    }
                }
            }
            long from = replayFrom;
            return batch -> {
                if (batch.lastOffset() >= from) {
                    for (AbortedTxn txn : producers.replay(batch)) {
                        segment.appendAborted(txn);
                    }
                }
                if (batch.lastOffset() >= epochsFrom) {
                    int epoch = batch.partitionLeaderEpoch();
                    if (epoch >= 0 && epoch > maxEpochSeen) {
                        epochStarts.add(new LeaderEpochCache.Entry(epoch, batch.baseOffset()));
                        maxEpochSeen = epoch;
                    }
                }
            };
        }

        @Override
        public String toString() {
            return "Pass(" + dir + ")";
        }
    }

    /** Loads the segments into {@code segments}, recovering those that need it in {@code pass}. */
    private static void loadSegments(Path dir, LogConfig config, long recoveryPoint, List<LogSegment> segments,
                                     Pass pass) throws IOException {
        List<Long> baseOffsets = segmentBaseOffsets(dir);
        for (int i = 0; i < baseOffsets.size(); i++) {
            long base = baseOffsets.get(i);
            LogSegment segment = LogSegment.open(dir, base, config.indexIntervalBytes(), config.segmentIndexBytes());
            segments.add(segment);
            boolean last = i == baseOffsets.size() - 1;
            boolean trusted = recoveryPoint == Long.MAX_VALUE || (!last && baseOffsets.get(i + 1) <= recoveryPoint);
            if (trusted) {
                if (!segment.loadTrusted()) {
                    segment.rebuildIndexes(config.segmentIndexBytes(), pass.chunkFor(segment),
                            pass.visitorFor(segment));
                    if (!last) {
                        segment.onRolled();
                    }
                    log.warn("Rebuilt the indexes of segment {} of {}", base, dir);
                } else {
                    pass.replayTrusted(segment);
                }
                continue;
            }
            int truncated = segment.recover(config.segmentIndexBytes(), pass.chunkFor(segment),
                    pass.visitorFor(segment));
            if (!last) {
                segment.onRolled();
            }
            boolean gap = !last && segment.nextOffset() > baseOffsets.get(i + 1);
            if ((truncated > 0 || gap) && !last) {
                log.warn("Log {} was corrupt in segment {}: truncated {} bytes and deleting {} later segments",
                        dir, base, truncated, baseOffsets.size() - i - 1);
                deleteSegmentFiles(dir, baseOffsets.subList(i + 1, baseOffsets.size()));
                segment.onActive(config.segmentIndexBytes());
                break;
            }
            if (truncated > 0) {
                log.info("Truncated {} bytes of a torn or corrupt tail of {}", truncated, segment);
            }
        }
    }

    private static List<Long> segmentBaseOffsets(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(LogSegment.LOG_SUFFIX))
                    .map(n -> n.substring(0, n.length() - LogSegment.LOG_SUFFIX.length()))
                    .filter(LogSegment::isOffsetName)
                    .map(Long::parseLong)
                    .sorted()
                    .toList();
        }
    }

    private static void deleteSegmentFiles(Path dir, List<Long> baseOffsets) throws IOException {
        for (long base : baseOffsets) {
            for (String suffix : List.of(LogSegment.LOG_SUFFIX, LogSegment.INDEX_SUFFIX,
                    LogSegment.TIME_INDEX_SUFFIX, TransactionIndex.SUFFIX)) {
                Files.deleteIfExists(LogSegment.file(dir, base, suffix).toPath());
            }
            Files.deleteIfExists(dir.resolve(LogSegment.fileName(base) + ProducerStateManager.SNAPSHOT_SUFFIX));
        }
    }

    /**
     * Reloads producer state for a log of these segments: the newest snapshot at or below the log end
     * offset (newer ones are deleted) plus the batches after it; producers below the log start are evicted.
     */
    public static void rebuildProducerState(ProducerStateManager producers, List<LogSegment> segments,
                                             long logStartOffset, long logEndOffset) throws IOException {
        rebuildProducerState(producers, segments, logStartOffset, logEndOffset, () -> null);
    }

    private static void rebuildProducerState(ProducerStateManager producers, List<LogSegment> segments,
                                             long logStartOffset, long logEndOffset, Supplier<ByteBuffer> chunk)
            throws IOException {
        Optional<Long> snapshot = producers.loadLatestSnapshot(logEndOffset);
        long from = snapshot.orElse(segments.get(0).baseOffset());
        producers.beginReplay();
        try {
            for (LogSegment segment : segments) {
                if (segment.nextOffset() <= from || segment.isEmpty()) {
                    continue;
                }
                segment.scan(chunk.get(), batch -> {
                    if (batch.lastOffset() >= from) {
                        producers.replay(batch);
                    }
                });
            }
        } finally {
            producers.endReplay();
        }
        producers.evictBelow(logStartOffset);
    }
}
