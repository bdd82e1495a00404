package io.cairn.storage.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader epochs of one partition: for each epoch, the first offset written in it, persisted in
 * {@code leader-epoch-checkpoint} with Kafka's text format ({@code 0}, the entry count, then one
 * {@code <epoch> <startOffset>} line per entry), rewritten atomically (temp file, rename) whenever it
 * changes by a truncation (fsync before the rename). {@link #assign} only changes the cache in memory; the
 * file follows at the next {@link #flush} (the owning log's flush, roll or clean close, before it advances
 * its recovery point), in the spirit of Kafka 3.7+ (KAFKA-15046), which keeps this fsync off the produce
 * and leader-election paths. That loses nothing: an epoch assigned since the last flush either starts at
 * the log end offset, and {@link #load} drops such entries after an unclean shutdown anyway, or is in the
 * headers of batches at or after the recovery point, which {@link #load} scans after an unclean shutdown.
 * Epochs and start offsets both increase along the list.
 *
 * <p>Thread-safety: mutations must be serialized by the owning log's lock; {@link #latestEpoch},
 * {@link #endOffsetFor} and {@link #entries} may run concurrently with them: they read an immutable
 * snapshot that every mutation replaces.
 */
public final class LeaderEpochCache {

    private static final Logger log = LoggerFactory.getLogger(LeaderEpochCache.class);

    public static final String FILE_NAME = "leader-epoch-checkpoint";
    public static final int UNDEFINED_EPOCH = -1;
    public static final long UNDEFINED_EPOCH_OFFSET = -1L;
    private static final int VERSION = 0;

    /** One entry: {@code epoch} started at {@code startOffset}. */
    public record Entry(int epoch, long startOffset) {
    }

    private final Path file;
    /** epoch -> start offset; never mutated once published. */
    private volatile NavigableMap<Integer, Long> epochs;
    /** The cache has entries the file lacks, since the last {@link #flush}; guarded by the owning log's lock. */
    private boolean unsynced;

    private LeaderEpochCache(Path file, NavigableMap<Integer, Long> epochs) {
        this.file = file;
        this.epochs = Collections.unmodifiableNavigableMap(epochs);
    }

    /** The empty cache of a new log: no file until the first epoch is flushed. */
    public static LeaderEpochCache empty(Path dir) {
        return new LeaderEpochCache(dir.resolve(FILE_NAME), new TreeMap<>());
    }

    /**
     * Loads the cache of a freshly loaded log and makes it consistent with the log: entries starting past
     * the log end offset are dropped (after an unclean shutdown also those starting at it, as Kafka does:
     * their first batch may have been torn away; after a clean one they are epochs assigned to this node
     * as leader before any append, and are kept); when the file is missing or unreadable the cache is rebuilt from the
     * batch headers of every segment; otherwise batches at or after {@code recoveryPoint} (the part of the
     * log that was recovered after an unclean shutdown) add the epochs newer than the latest one.
     * The file is rewritten if anything changed.
     */
    public static LeaderEpochCache load(Path dir, List<LogSegment> segments, long logEndOffset, long recoveryPoint,
                                        boolean cleanShutdown) throws IOException {
        return load(dir, segments, logEndOffset, recoveryPoint, cleanShutdown, null);
    }

    /**
     * As above; {@code scanned}, if not null, are the epoch changes of the batches ending at or after
     * {@code recoveryPoint} as {@link LogLoader.Loaded#epochStarts} gives them (read while the log was recovered),
     * which are then not read again. They are used only when the file is readable (else every segment is read).
     */
    public static LeaderEpochCache load(Path dir, List<LogSegment> segments, long logEndOffset, long recoveryPoint,
                                        boolean cleanShutdown, List<Entry> scanned) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        Optional<NavigableMap<Integer, Long>> stored = read(file);
        LeaderEpochCache cache = new LeaderEpochCache(file, stored.orElseGet(TreeMap::new));
        NavigableMap<Integer, Long> before = cache.epochs;
        long scanFrom = recoveryPoint;
        if (stored.isEmpty()) {
            if (Files.exists(file)) {
                log.warn("Ignoring unreadable {}; rebuilding it from the log", file);
            }
            scanFrom = Long.MIN_VALUE;
        }
        NavigableMap<Integer, Long> working = new TreeMap<>(cache.epochs);
        working.values().removeIf(start -> start > logEndOffset || (!cleanShutdown && start == logEndOffset));
        if (stored.isPresent() && scanned != null) {
            for (Entry start : scanned) {
                if (start.startOffset() < logEndOffset && (working.isEmpty() || start.epoch() > working.lastKey())) {
                    working.put(start.epoch(), start.startOffset());
                }
            }
        } else {
            long from = scanFrom;
            for (LogSegment segment : segments) {
                if (segment.nextOffset() <= from || segment.isEmpty()) {
                    continue;
                }
                segment.scan(null, batch -> {
                    if (batch.lastOffset() < from || batch.baseOffset() >= logEndOffset) {
                        return;
                    }
                    int epoch = batch.partitionLeaderEpoch();
                    if (epoch >= 0 && (working.isEmpty() || epoch > working.lastKey())) {
                        working.put(epoch, batch.baseOffset());
                    }
                });
            }
        }
        if (stored.isEmpty() && working.isEmpty() && !Files.exists(file)) {
            // A new (or epoch-less) log: a missing file already means "rebuild from the log", which is empty
            // of epochs; writing an empty file would cost an fsync per partition created.
            return cache;
        }
        if (stored.isEmpty() || !working.equals(before)) {
            cache.publish(working);
        }
        return cache;
    }

    /** The entries in the file, or empty if it is missing or malformed (not increasing, bad numbers). */
    static Optional<NavigableMap<Integer, Long>> read(Path file) throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        List<String> lines = Checkpoints.readLines(file);
        try {
            if (lines.size() < 2 || Integer.parseInt(lines.get(0).trim()) != VERSION) {
                return Optional.empty();
            }
            int count = Integer.parseInt(lines.get(1).trim());
            if (count < 0 || lines.size() < 2 + count) {
                return Optional.empty();
            }
            NavigableMap<Integer, Long> entries = new TreeMap<>();
            for (int i = 0; i < count; i++) {
                String[] parts = lines.get(2 + i).trim().split("\\s+");
                if (parts.length != 2) {
                    return Optional.empty();
                }
                int epoch = Integer.parseInt(parts[0]);
                long start = Long.parseLong(parts[1]);
                if (epoch < 0 || start < 0 || (!entries.isEmpty()
                        && (epoch <= entries.lastKey() || start < entries.lastEntry().getValue()))) {
                    return Optional.empty();
                }
                entries.put(epoch, start);
            }
            return Optional.of(entries);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    public OptionalInt latestEpoch() {
        NavigableMap<Integer, Long> current = epochs;
        return current.isEmpty() ? OptionalInt.empty() : OptionalInt.of(current.lastKey());
    }

    public List<Entry> entries() {
        List<Entry> out = new ArrayList<>();
        for (Map.Entry<Integer, Long> e : epochs.entrySet()) {
            out.add(new Entry(e.getKey(), e.getValue()));
        }
        return out;
    }

    /**
     * Kafka's OffsetForLeaderEpoch answer: for the latest epoch, the log end offset; otherwise the largest
     * known epoch at or below the requested one, ending where the next higher known epoch starts. A
     * requested epoch below every known epoch gets (requestedEpoch, start of the first epoch); an epoch
     * above the latest, {@link #UNDEFINED_EPOCH}, or an empty cache get (UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET).
     *
     * @return {epoch, endOffset}
     */
    public long[] endOffsetFor(int requestedEpoch, long logEndOffset) {
        NavigableMap<Integer, Long> current = epochs;
        if (requestedEpoch == UNDEFINED_EPOCH || current.isEmpty()) {
            return new long[] {UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET};
        }
        if (requestedEpoch == current.lastKey()) {
            return new long[] {requestedEpoch, logEndOffset};
        }
        Map.Entry<Integer, Long> higher = current.higherEntry(requestedEpoch);
        if (higher == null) {
            return new long[] {UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET};
        }
        Map.Entry<Integer, Long> floor = current.floorEntry(requestedEpoch);
        if (floor == null) {
            return new long[] {requestedEpoch, higher.getValue()};
        }
        return new long[] {floor.getKey(), higher.getValue()};
    }

    /**
     * Records that {@code epoch} starts at {@code startOffset}, as the data says (Kafka's assign): a no-op
     * for the latest epoch at a later offset; otherwise trailing entries that conflict (an epoch at or
     * above this one, or a start offset at or past this one) are removed first.
     *
     * @return whether the cache changed (the file follows at the next {@link #flush})
     */
    public boolean assign(int epoch, long startOffset) throws IOException {
        if (epoch < 0 || startOffset < 0) {
            return false;
        }
        NavigableMap<Integer, Long> current = epochs;
        if (!current.isEmpty() && current.lastKey() == epoch && startOffset >= current.lastEntry().getValue()) {
            return false;
        }
        TreeMap<Integer, Long> updated = new TreeMap<>(current);
        while (!updated.isEmpty()
                && (updated.lastKey() >= epoch || updated.lastEntry().getValue() >= startOffset)) {
            Map.Entry<Integer, Long> removed = updated.pollLastEntry();
            log.info("{}: epoch {} at {} replaces epoch {} at {}", file.getParent(), epoch, startOffset,
                    removed.getKey(), removed.getValue());
        }
        updated.put(epoch, startOffset);
        epochs = Collections.unmodifiableNavigableMap(updated);
        unsynced = true;
        return true;
    }

    /** Removes every entry that starts at or after {@code offset}. */
    public boolean truncateFromEnd(long offset) throws IOException {
        NavigableMap<Integer, Long> current = epochs;
        if (current.isEmpty() || current.lastEntry().getValue() < offset) {
            return false;
        }
        TreeMap<Integer, Long> updated = new TreeMap<>(current);
        updated.values().removeIf(start -> start >= offset);
        publish(updated);
        return true;
    }

    /**
     * Forgets epochs that ended before {@code logStartOffset}; the epoch in which it lies is moved to
     * start there (Kafka's truncateFromStart).
     */
    public boolean truncateFromStart(long logStartOffset) throws IOException {
        NavigableMap<Integer, Long> current = epochs;
        Map.Entry<Integer, Long> floor = null;
        for (Map.Entry<Integer, Long> e : current.entrySet()) {
            if (e.getValue() <= logStartOffset) {
                floor = e;
            }
        }
        if (floor == null || (floor.getKey().equals(current.firstKey()) && floor.getValue() == logStartOffset)) {
            return false;
        }
        TreeMap<Integer, Long> updated = new TreeMap<>(current.tailMap(floor.getKey(), false));
        updated.put(floor.getKey(), logStartOffset);
        publish(updated);
        return true;
    }

    public void clear() throws IOException {
        publish(new TreeMap<>());
    }

    /**
     * Writes the file (with fsync) if {@link #assign} changed the cache since the last write. The owning log
     * calls it before advancing its recovery point.
     */
    public void flush() throws IOException {
        if (unsynced) {
            publish(epochs);
        }
    }

    private void publish(NavigableMap<Integer, Long> updated) throws IOException {
        StringBuilder content = new StringBuilder();
        content.append(VERSION).append('\n').append(updated.size()).append('\n');
        for (Map.Entry<Integer, Long> e : updated.entrySet()) {
            content.append(e.getKey()).append(' ').append(e.getValue()).append('\n');
        }
        Checkpoints.writeAtomically(file, content.toString().getBytes(StandardCharsets.UTF_8));
        unsynced = false;
        epochs = Collections.unmodifiableNavigableMap(new TreeMap<>(updated));
    }
}
