package io.cairn.storage.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import io.cairn.storage.AbortedTxn;
import io.cairn.storage.LogConfig;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.record.internal.FileLogInputStream.FileChannelRecordBatch;
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

    /** What was loaded; segments are ascending and the last one is active. */
    public record Loaded(List<LogSegment> segments, long logStartOffset, long logEndOffset, long recoveryPoint) {
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
        Set<Long> recovered = new HashSet<>();
        List<LogSegment> segments = new ArrayList<>();
        try {
            loadSegments(dir, config, recoveryPoint, segments, recovered);
            boolean fresh = segments.isEmpty();
            if (fresh) {
                segments.add(LogSegment.open(dir, checkpointedStart, config.indexIntervalBytes(),
                        config.segmentIndexBytes()));
            }
            LogSegment active = segments.get(segments.size() - 1);
            active.onActive(config.segmentIndexBytes());
            long logEndOffset = active.nextOffset();
            long logStartOffset = Math.max(segments.get(0).baseOffset(), Math.min(checkpointedStart, logEndOffset));
            rebuildProducerState(producers, segments, logStartOffset, logEndOffset, recovered);
            Files.deleteIfExists(marker);
            if (!clean && !fresh) {
                log.info("Recovered log {} after an unclean shutdown: offsets [{}, {})", dir, logStartOffset,
                        logEndOffset);
            }
            return new Loaded(segments, logStartOffset, logEndOffset, Math.min(recoveryPoint, logEndOffset));
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

    /** Loads the segments into {@code segments}; the base offsets of those recovered go to {@code recovered}. */
    private static void loadSegments(Path dir, LogConfig config, long recoveryPoint, List<LogSegment> segments,
                                     Set<Long> recovered) throws IOException {
        List<Long> baseOffsets = segmentBaseOffsets(dir);
        for (int i = 0; i < baseOffsets.size(); i++) {
            long base = baseOffsets.get(i);
            LogSegment segment = LogSegment.open(dir, base, config.indexIntervalBytes(), config.segmentIndexBytes());
            segments.add(segment);
            boolean last = i == baseOffsets.size() - 1;
            boolean trusted = recoveryPoint == Long.MAX_VALUE || (!last && baseOffsets.get(i + 1) <= recoveryPoint);
            if (trusted) {
                if (!segment.loadTrusted()) {
                    segment.rebuildIndexes(config.segmentIndexBytes());
                    recovered.add(base);
                    if (!last) {
                        segment.onRolled();
                    }
                    log.warn("Rebuilt the indexes of segment {} of {}", base, dir);
                }
                continue;
            }
            int truncated = segment.recover(config.segmentIndexBytes());
            recovered.add(base);
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
        rebuildProducerState(producers, segments, logStartOffset, logEndOffset, Set.of());
    }

    /**
     * As above, and rebuilds the aborted-transaction indexes of the segments in {@code reindex} (they were
     * recovered and their indexes emptied): the replay starts at a snapshot at or below the first of them, and
     * every abort it meets is indexed in its marker's segment if that is one of them.
     */
    private static void rebuildProducerState(ProducerStateManager producers, List<LogSegment> segments,
                                             long logStartOffset, long logEndOffset, Set<Long> reindex)
            throws IOException {
        long reindexFrom = reindex.stream().mapToLong(Long::longValue).min().orElse(Long.MAX_VALUE);
        Optional<Long> snapshot = producers.loadLatestSnapshot(Math.min(logEndOffset, reindexFrom));
        long from = snapshot.orElse(segments.get(0).baseOffset());
        for (LogSegment segment : segments) {
            if (segment.nextOffset() <= from) {
                continue;
            }
            boolean rebuild = reindex.contains(segment.baseOffset());
            for (FileChannelRecordBatch batch : segment.records().batches()) {
                if (batch.lastOffset() >= from) {
                    List<AbortedTxn> aborted = producers.replay(batch);
                    if (rebuild) {
                        for (AbortedTxn txn : aborted) {
                            segment.appendAborted(txn);
                        }
                    }
                }
            }
        }
        producers.evictBelow(logStartOffset);
    }
}
