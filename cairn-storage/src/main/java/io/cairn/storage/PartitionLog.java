package io.cairn.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;

import io.cairn.storage.internal.AppendValidator;
import io.cairn.storage.internal.BatchMetadata;
import io.cairn.storage.internal.Checkpoints;
import io.cairn.storage.internal.FollowerAppendValidator;
import io.cairn.storage.internal.LeaderEpochCache;
import io.cairn.storage.internal.LogCleaner;
import io.cairn.storage.internal.LogLoader;
import io.cairn.storage.internal.LogSegment;
import io.cairn.storage.internal.ProducerStateManager;
import io.cairn.storage.internal.RetentionPolicy;
import io.cairn.storage.internal.SegmentDeleter;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.InconsistentTopicIdException;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log of one partition: a directory of segments named by base offset, each holding record batches
 * exactly as the producer sent them with offsets assigned, plus sparse offset and time indexes.
 *
 * <p>Threading: appends, truncation, retention and config changes are serialized by this object;
 * reads may run concurrently with them and with each other without blocking on appends.
 * Reads see an immutable, volatile {@link View} (segments, log start and end offsets) that every
 * mutation replaces.
 */
public final class PartitionLog implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PartitionLog.class);

    /** What readers see; replaced as a whole by every mutation. */
    private record View(List<LogSegment> segments, long logStartOffset, long logEndOffset) {
        LogSegment active() {
            return segments.get(segments.size() - 1);
        }
    }

    private final Path dir;
    private final TopicPartition topicPartition;
    private final Uuid topicId;
    private final Time time;
    private final ProducerStateManager producers;
    private final SegmentDeleter deleter;
    private final LeaderEpochCache epochCache;
    private volatile LogConfig config;
    private volatile View view;
    private long recoveryPoint;
    private long unflushedMessages;
    private long lastFlushMs;
    private boolean closed;
    /**
     * Where a rolled segment's fsync runs; null: at once, on the appending thread (tests). {@link LogManager}
     * gives its flusher thread, so that the fsync of a whole segment (hundreds of ms under write-back) neither
     * blocks the produce request that rolled nor holds this log's lock, as Kafka flushes rolled segments on
     * its scheduler.
     */
    private volatile java.util.concurrent.Executor rollFlusher;
    /** Set when compaction met a batch it cannot read: compaction of this log stops (cleaner thread only). */
    private volatile boolean uncleanable;

    private PartitionLog(Path dir, TopicPartition topicPartition, Uuid topicId, LogConfig config, Time time,
                         ProducerStateManager producers, LogLoader.Loaded loaded, LeaderEpochCache epochCache) {
        this.dir = dir;
        this.topicPartition = topicPartition;
        this.topicId = topicId;
        this.config = config;
        this.time = time;
        this.producers = producers;
        this.deleter = new SegmentDeleter(dir);
        this.epochCache = epochCache;
        this.view = new View(List.copyOf(loaded.segments()), loaded.logStartOffset(), loaded.logEndOffset());
        this.recoveryPoint = loaded.recoveryPoint();
        this.lastFlushMs = time.milliseconds();
    }

    /**
     * Creates the log of a new partition in {@code dir}, which must not exist: the directory, its
     * {@code partition.metadata} and the first segment's {@code .log} file, nothing else (indexes are created
     * with their first entry, the epoch checkpoint with the first flush after an epoch), and no file is
     * fsynced: a crash loses at most an empty log, which the next {@link #open} recreates. This is the cost
     * of each partition at topic creation, on the node's metadata thread.
     *
     * @throws java.nio.file.FileAlreadyExistsException {@code dir} exists (use {@link #open})
     */
    public static PartitionLog create(Path dir, TopicPartition topicPartition, Uuid topicId, LogConfig config,
                                      Time time) throws IOException {
        Files.createDirectory(dir);
        if (!Uuid.ZERO_UUID.equals(topicId)) {
            Checkpoints.writeNewTopicId(dir, topicId);
        }
        LogSegment first = LogSegment.open(dir, 0, config.indexIntervalBytes(), config.segmentIndexBytes());
        LogLoader.Loaded loaded = new LogLoader.Loaded(List.of(first), 0, 0, 0);
        return new PartitionLog(dir, topicPartition, topicId, config, time, new ProducerStateManager(dir), loaded,
                LeaderEpochCache.empty(dir));
    }

    /**
     * Opens (creating if needed) the log in {@code dir}, recovering segments past the recovery point
     * when the last shutdown was not clean: every batch's CRC is checked, a torn or corrupt tail is
     * truncated, indexes are rebuilt and producer state is rebuilt from the log.
     *
     * @throws InconsistentTopicIdException the directory belongs to another topic id
     */
    public static PartitionLog open(Path dir, TopicPartition topicPartition, Uuid topicId, LogConfig config,
                                    Time time) throws IOException {
        Files.createDirectories(dir);
        Optional<Uuid> stored = Checkpoints.readTopicId(dir);
        if (stored.isPresent() && !stored.get().equals(topicId) && !Uuid.ZERO_UUID.equals(topicId)
                && !Uuid.ZERO_UUID.equals(stored.get())) {
            throw new InconsistentTopicIdException("Log " + dir + " belongs to topic id " + stored.get()
                    + ", not " + topicId);
        }
        Uuid effectiveId = Uuid.ZERO_UUID.equals(topicId) ? stored.orElse(topicId) : topicId;
        if (!Uuid.ZERO_UUID.equals(effectiveId) && !stored.equals(Optional.of(effectiveId))) {
            Checkpoints.writeTopicId(dir, effectiveId);
        }
        ProducerStateManager producers = new ProducerStateManager(dir);
        boolean clean = Files.exists(dir.resolve(LogLoader.CLEAN_SHUTDOWN));
        LogLoader.Loaded loaded = LogLoader.load(dir, config, producers);
        LeaderEpochCache epochCache = LeaderEpochCache.load(dir, loaded.segments(), loaded.logEndOffset(),
                loaded.recoveryPoint(), clean, loaded.epochStarts());
        return new PartitionLog(dir, topicPartition, effectiveId, config, time, producers, loaded, epochCache);
    }

    /**
     * Validates and appends the batches of one produce request to this partition, as its leader.
     * Only magic v2 batches are accepted. Each batch's CRC is checked, offsets are assigned by
     * rewriting the base offset, the partition leader epoch is stamped, and for LogAppendTime logs
     * the max timestamp is set. Idempotent producers' batches are checked against producer state:
     * a retried duplicate is not written again and answers its original offsets; a request of only duplicates
     * returns {@code duplicate=true}. The request's other batches are written (the result's first offset is then
     * that of the request's first batch, original or new; its last offset the highest of them).
     * An empty request appends nothing and returns firstOffset = log end offset, lastOffset = one below.
     *
     * @throws org.apache.kafka.common.errors.CorruptRecordException        bad CRC, trailing bytes, a record over
     *                                                                      the decompression bound
     * @throws org.apache.kafka.common.errors.RecordTooLargeException       batch over max.message.bytes
     * @throws org.apache.kafka.common.errors.RecordBatchTooLargeException  batch over segment.bytes
     * @throws org.apache.kafka.common.errors.UnsupportedForMessageFormatException magic below 2
     * @throws org.apache.kafka.common.InvalidRecordException               a malformed batch or record
     * @throws RecordValidationException                                    records refused one by one (KIP-467),
     *                                                                      e.g. a keyless record in a compacted log
     * @throws org.apache.kafka.common.errors.OutOfOrderSequenceException   sequence gap for a known producer
     * @throws org.apache.kafka.common.errors.InvalidProducerEpochException epoch older than the producer's current
     * @throws KafkaStorageException                                        I/O failure
     */
    public AppendResult appendAsLeader(MemoryRecords records, int leaderEpoch) {
        return appendAsLeader(records, leaderEpoch, AppendOrigin.CLIENT, null);
    }

    public AppendResult appendAsLeader(MemoryRecords records, int leaderEpoch, AppendOrigin origin) {
        return appendAsLeader(records, leaderEpoch, origin, null);
    }

    /**
     * KIP-890: starts verifying {@code producerId}'s transaction before its first transactional batch here.
     * {@code bumpsEpoch} for a client of transaction version 2, whose next transaction may start here at the epoch
     * of its previous transaction's marker before that marker arrives (the marker then does not end this
     * verification).
     *
     * @return the guard to pass to {@link #appendAsLeader(MemoryRecords, int, AppendOrigin, Verification)} once
     *         the transaction coordinator confirmed this partition is in the producer's ongoing transaction, or
     *         null when its transaction is already open here at {@code producerEpoch}
     */
    public synchronized Object startTransactionVerification(long producerId, short producerEpoch,
                                                            boolean bumpsEpoch) {
        ensureOpen();
        return producers.startVerification(producerId, producerEpoch, bumpsEpoch);
    }

    /**
     * What a produce request's append knows of KIP-890 verification: a batch that would open its producer's
     * transaction here is accepted only with the guard of a verification that no marker has ended since.
     *
     * @param guard from {@link #startTransactionVerification}, or null when none was started
     */
    public record Verification(Object guard) {
    }

    /**
     * As {@link #appendAsLeader(MemoryRecords, int)}; a {@link AppendOrigin#COORDINATOR} append's batches are not
     * checked against producer sequence numbers and epochs (they carry none), only recorded. With a
     * {@code verification} (produce requests under a transactional id), a batch that would open its producer's
     * transaction here needs that verification's live guard (KIP-890 part 1: a produce that arrives after its
     * transaction was aborted cannot open a new one that nobody will end).
     *
     * @throws org.apache.kafka.common.errors.InvalidTxnStateException an unverified batch opening a transaction
     */
    public synchronized AppendResult appendAsLeader(MemoryRecords records, int leaderEpoch, AppendOrigin origin,
                                                    Verification verification) {
        ensureOpen();
        LogConfig cfg = config;
        View current = view;
        long now = time.milliseconds();
        List<MutableRecordBatch> batches = AppendValidator.validate(records, cfg, now, origin);
        if (batches.isEmpty()) {
            return new AppendResult(current.logEndOffset(), current.logEndOffset() - 1, -1,
                    current.logStartOffset(), false);
        }
        boolean logAppendTime = cfg.timestampType() == TimestampType.LOG_APPEND_TIME;
        ProducerStateManager.Staged staged = producers.stage(current.logStartOffset());
        long nextOffset = current.logEndOffset();
        List<MutableRecordBatch> toWrite = new ArrayList<>(batches.size());
        long firstOffset = -1;
        long lastOffset = -1;
        for (MutableRecordBatch batch : batches) {
            if (batch.hasProducerId() && origin == AppendOrigin.CLIENT) {
                if (verification != null && staged.opensTransaction(batch)
                        && !producers.isVerified(batch.producerId(), verification.guard())) {
                    throw new org.apache.kafka.common.errors.InvalidTxnStateException("The transaction of producer "
                            + batch.producerId() + " was not verified to include " + topicPartition
                            + " (or ended since)");
                }
                Optional<BatchMetadata> duplicate = staged.check(batch);
                if (duplicate.isPresent()) {
                    // A retry of a batch already in the log: it answers its original offsets and is not written
                    // again; the request's other batches still are (none is silently dropped).
                    firstOffset = firstOffset < 0 ? duplicate.get().firstOffset() : firstOffset;
                    lastOffset = Math.max(lastOffset, duplicate.get().lastOffset());
                    continue;
                }
            }
            firstOffset = firstOffset < 0 ? nextOffset : firstOffset;
            long count = batch.lastOffset() - batch.baseOffset() + 1;
            batch.setLastOffset(nextOffset + count - 1);
            batch.setPartitionLeaderEpoch(leaderEpoch);
            if (logAppendTime) {
                batch.setMaxTimestamp(TimestampType.LOG_APPEND_TIME, now);
            }
            if (batch.hasProducerId()) {
                staged.update(batch);
            }
            nextOffset += count;
            lastOffset = Math.max(lastOffset, nextOffset - 1);
            toWrite.add(batch);
        }
        if (toWrite.isEmpty()) {
            return new AppendResult(firstOffset, lastOffset, -1, current.logStartOffset(), true);
        }
        MemoryRecords kept = toWrite.size() == batches.size() ? records : concat(toWrite);
        try {
            LogSegment segment = maybeRoll(kept.sizeInBytes(), nextOffset - 1, now);
            segment.append(kept, now);
            indexAborted(segment, staged.commit());
        } catch (IOException e) {
            throw new KafkaStorageException("Append to " + topicPartition + " failed", e);
        }
        View written = view;
        view = new View(written.segments(), written.logStartOffset(), nextOffset);
        assignEpoch(leaderEpoch, current.logEndOffset());
        unflushedMessages += nextOffset - current.logEndOffset();
        if (unflushedMessages >= cfg.flushIntervalMessages()) {
            flush();
        }
        return new AppendResult(firstOffset, lastOffset, logAppendTime ? now : -1, current.logStartOffset(), false);
    }

    /** The batches of a request that are written, without its duplicates: a copy, only in that rare case. */
    private static MemoryRecords concat(List<MutableRecordBatch> batches) {
        ByteBuffer buffer = ByteBuffer.allocate(batches.stream().mapToInt(RecordBatch::sizeInBytes).sum());
        batches.forEach(batch -> batch.writeTo(buffer));
        return MemoryRecords.readableRecords(buffer.flip());
    }

    /**
     * Writes an end-transaction marker for {@code producerId} as this partition's leader (WriteTxnMarkers): a
     * control batch of one COMMIT or ABORT record at the log end offset, stamped with the leader epoch. The
     * producer's open transaction here ends (an abort is added to the aborted-transaction index); a marker for a
     * producer with no open transaction here ends an empty one, as in Kafka.
     *
     * @throws org.apache.kafka.common.errors.InvalidProducerEpochException the producer has a newer epoch here
     * @throws org.apache.kafka.common.errors.TransactionCoordinatorFencedException an older coordinator epoch
     *                                                                  than the producer's last marker's
     * @throws KafkaStorageException                                   I/O failure
     */
    public synchronized AppendResult appendTransactionMarker(long producerId, short producerEpoch, boolean commit,
                                                             int coordinatorEpoch, int leaderEpoch) {
        return appendTransactionMarker(producerId, producerEpoch, commit, coordinatorEpoch, leaderEpoch, (byte) 0);
    }

    /**
     * As above, for a transaction of {@code transactionVersion} (WriteTxnMarkers v2). At version 2 the coordinator
     * bumped the epoch for the marker, so one at or below the producer's epoch here is refused unless it repeats a
     * marker already written (no transaction of that epoch open): a stale marker must not end the next transaction.
     */
    public synchronized AppendResult appendTransactionMarker(long producerId, short producerEpoch, boolean commit,
                                                             int coordinatorEpoch, int leaderEpoch,
                                                             byte transactionVersion) {
        ensureOpen();
        View current = view;
        long now = time.milliseconds();
        ProducerStateManager.Staged staged = producers.stage(current.logStartOffset());
        staged.checkMarker(producerId, producerEpoch, coordinatorEpoch, transactionVersion);
        long offset = current.logEndOffset();
        MemoryRecords records = MemoryRecords.withEndTransactionMarker(offset, now, leaderEpoch, producerId,
                producerEpoch, new EndTransactionMarker(commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT,
                        coordinatorEpoch));
        for (MutableRecordBatch batch : records.batches()) {
            staged.update(batch);
        }
        try {
            LogSegment segment = maybeRoll(records.sizeInBytes(), offset, now);
            segment.append(records, now);
            indexAborted(segment, staged.commit());
        } catch (IOException e) {
            throw new KafkaStorageException("Marker append to " + topicPartition + " failed", e);
        }
        View written = view;
        view = new View(written.segments(), written.logStartOffset(), offset + 1);
        assignEpoch(leaderEpoch, offset);
        unflushedMessages++;
        if (unflushedMessages >= config.flushIntervalMessages()) {
            flush();
        }
        return new AppendResult(offset, offset, -1, current.logStartOffset(), false);
    }

    private static void indexAborted(LogSegment segment, List<AbortedTxn> aborted) throws IOException {
        for (AbortedTxn txn : aborted) {
            segment.appendAborted(txn);
        }
    }

    /**
     * The last stable offset for this high watermark: the high watermark, or the first offset of an open
     * transaction (or of an ended one whose marker is not below the high watermark yet) below it. A
     * {@code read_committed} consumer reads up to here. Lock-free.
     */
    public long lastStableOffset(long highWatermark) {
        return producers.lastStableOffset(highWatermark);
    }

    /**
     * The idempotent and transactional producers this log remembers, by producer id, each as of the last append
     * (DescribeProducers). Takes this log's lock, so it waits for an append in progress (at worst its flush) and
     * never sees half of one; an admin request, not for a hot path.
     */
    public synchronized List<ProducerSnapshot> activeProducers() {
        ensureOpen();
        return producers.activeProducers();
    }

    /**
     * The aborted transactions that overlap [{@code fetchOffset}, {@code upperBoundOffset}) (marker at or after
     * the fetch offset, data starting below the bound), for a {@code read_committed} fetch: from the segment
     * holding the fetch offset on, until an entry shows no later one can matter. Lock-free.
     */
    public List<AbortedTxn> abortedTransactions(long fetchOffset, long upperBoundOffset) {
        List<LogSegment> segments = view.segments();
        List<AbortedTxn> found = new ArrayList<>();
        for (int i = floorSegment(segments, fetchOffset); i < segments.size(); i++) {
            if (segments.get(i).collectAborted(fetchOffset, upperBoundOffset, found)) {
                break;
            }
        }
        return found;
    }

    /** The active segment, after rolling it if this append would not fit or it is too old or full. */
    private LogSegment maybeRoll(int appendBytes, long lastOffset, long now) throws IOException {
        LogConfig cfg = config;
        LogSegment active = view.active();
        if (active.isEmpty()) {
            return active;
        }
        boolean full = (long) active.sizeInBytes() + appendBytes > cfg.segmentBytes();
        boolean old = now - active.rollingBaseMs() > cfg.segmentMs();
        boolean overflow = lastOffset - active.baseOffset() > Integer.MAX_VALUE;
        if (full || old || active.indexesFull() || overflow) {
            return roll();
        }
        return active;
    }

    /**
     * Uses {@code executor} for the fsync of rolled segments (see {@link #rollFlusher}); null runs it at once.
     */
    public void setRollFlusher(java.util.concurrent.Executor executor) {
        this.rollFlusher = executor;
    }

    /**
     * Starts a new active segment at the log end offset; the old one's indexes are trimmed, and it is flushed
     * (on the roll flusher, if any) before the recovery point moves to the new segment.
     */
    private LogSegment roll() throws IOException {
        View current = view;
        LogSegment old = current.active();
        long base = current.logEndOffset();
        old.onRolled();
        LogSegment fresh = LogSegment.open(dir, base, config.indexIntervalBytes(), config.segmentIndexBytes());
        List<LogSegment> segments = new ArrayList<>(current.segments());
        segments.add(fresh);
        view = new View(List.copyOf(segments), current.logStartOffset(), current.logEndOffset());
        producers.takeSnapshot(base);
        java.util.concurrent.Executor flusher = rollFlusher;
        if (flusher == null) {
            old.flush();
            advanceRecoveryPointAfterRoll(old, base);
        } else {
            flusher.execute(() -> flushRolled(old, base));
        }
        log.debug("Rolled {} at offset {}", topicPartition, base);
        return fresh;
    }

    /** The roll flusher's task: fsync outside the lock, then move the recovery point under it. */
    private void flushRolled(LogSegment old, long base) {
        try {
            old.flush();
        } catch (IOException | RuntimeException e) {
            // Closed, deleted or truncated meanwhile; the recovery point stays where it is (safe: more recovery).
            log.debug("Flush of a rolled segment of {} at {} skipped: {}", topicPartition, base, e.toString());
            return;
        }
        synchronized (this) {
            if (closed) {
                return;
            }
            try {
                advanceRecoveryPointAfterRoll(old, base);
            } catch (IOException e) {
                log.warn("Cannot write the recovery point of {}", topicPartition, e);
            }
        }
    }

    /** Under the lock, after {@code old} (the segment below {@code base}) was fsynced. */
    private void advanceRecoveryPointAfterRoll(LogSegment old, long base) throws IOException {
        View current = view;
        // Truncation or retention may have removed the segment or cut the log below base since the roll.
        if (recoveryPoint >= base || current.logEndOffset() < base || !current.segments().contains(old)) {
            return;
        }
        epochCache.flush();
        recoveryPoint = base;
        // No fsync needed: the data below base is already synced, so the checkpoint never claims unsynced
        // data; if a crash loses it, recovery starts from the older recovery point, which is only slower.
        Checkpoints.writeAtomically(dir.resolve(LogLoader.RECOVERY_CHECKPOINT),
                ("0\n" + base + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8), false);
    }

    /**
     * Reads whole batches starting with the one that contains {@code startOffset}.
     *
     * @param maxBytes           at most this many bytes, except that when {@code minOneBatch} is set the
     *                           first batch is returned whole even if larger
     * @param maxOffsetExclusive batches whose base offset is at or past this are not returned (the high
     *                           watermark for consumers, the log end offset for replicas)
     * @throws OffsetOutOfRangeException startOffset below the log start offset or above the log end offset
     */
    public ReadResult read(long startOffset, int maxBytes, long maxOffsetExclusive, boolean minOneBatch) {
        View current = view;
        if (startOffset < current.logStartOffset() || startOffset > current.logEndOffset()) {
            throw new OffsetOutOfRangeException("Offset " + startOffset + " is outside [" + current.logStartOffset()
                    + ", " + current.logEndOffset() + "] of " + topicPartition);
        }
        long limit = Math.min(maxOffsetExclusive, current.logEndOffset());
        List<LogSegment> segments = current.segments();
        if (startOffset < limit) {
            for (int i = floorSegment(segments, startOffset); i < segments.size(); i++) {
                Optional<FileRecords> records = segments.get(i).read(startOffset, maxBytes, limit, minOneBatch);
                if (records.isPresent()) {
                    return new ReadResult(records.get(), current.logStartOffset(), current.logEndOffset());
                }
            }
        }
        return new ReadResult(MemoryRecords.EMPTY, current.logStartOffset(), current.logEndOffset());
    }

    private static int floorSegment(List<LogSegment> segments, long offset) {
        int lo = 0;
        int hi = segments.size() - 1;
        int found = 0;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (segments.get(mid).baseOffset() <= offset) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** The first offset still in the log. */
    public long logStartOffset() {
        return view.logStartOffset();
    }

    /** The offset the next appended record will get. */
    public long logEndOffset() {
        return view.logEndOffset();
    }

    /** The first record whose timestamp is at or after {@code timestamp}, if any. */
    public Optional<TimestampAndOffset> offsetForTimestamp(long timestamp) {
        View current = view;
        for (LogSegment segment : current.segments()) {
            if (segment.maxTimestamp() < timestamp || segment.nextOffset() <= current.logStartOffset()) {
                continue;
            }
            Optional<TimestampAndOffset> found = segment.firstAtOrAfter(timestamp, current.logStartOffset(),
                    current.logEndOffset(), config.maxMessageBytes());
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }

    /** The record with the largest timestamp (the earliest such offset), if the log is not empty. */
    public Optional<TimestampAndOffset> maxTimestamp() {
        View current = view;
        LogSegment best = null;
        for (LogSegment segment : current.segments()) {
            if (segment.nextOffset() > current.logStartOffset() && !segment.isEmpty()
                    && (best == null || segment.maxTimestamp() > best.maxTimestamp())) {
                best = segment;
            }
        }
        if (best == null) {
            return Optional.empty();
        }
        return best.firstAtOrAfter(best.maxTimestamp(), current.logStartOffset(), current.logEndOffset(),
                config.maxMessageBytes());
    }

    /**
     * Moves the log start offset forward to {@code offset} (DeleteRecords) and deletes segments wholly
     * below it. Returns the new log start offset. Never moves it backwards.
     *
     * @throws OffsetOutOfRangeException offset above the log end offset
     */
    public synchronized long deleteRecordsBefore(long offset) {
        ensureOpen();
        View current = view;
        if (offset > current.logEndOffset()) {
            throw new OffsetOutOfRangeException("Cannot delete records before " + offset + ": log end offset is "
                    + current.logEndOffset());
        }
        if (offset <= current.logStartOffset()) {
            return current.logStartOffset();
        }
        try {
            advanceLogStart(offset);
            deleteSegments(segmentsBelow(view, offset));
        } catch (IOException e) {
            throw new KafkaStorageException("DeleteRecords on " + topicPartition + " failed", e);
        }
        return view.logStartOffset();
    }

    private void advanceLogStart(long offset) throws IOException {
        View current = view;
        if (offset <= current.logStartOffset()) {
            return;
        }
        Checkpoints.writeOffset(dir.resolve(LogLoader.LOG_START_CHECKPOINT), offset);
        view = new View(current.segments(), offset, current.logEndOffset());
        producers.evictBelow(offset);
        epochCache.truncateFromStart(offset);
    }

    private static List<LogSegment> segmentsBelow(View current, long offset) {
        List<LogSegment> below = new ArrayList<>();
        for (LogSegment segment : current.segments()) {
            if (segment == current.active() || segment.nextOffset() > offset) {
                break;
            }
            below.add(segment);
        }
        return below;
    }

    /** Removes the given oldest segments from the view and schedules their files for deletion. */
    private void deleteSegments(List<LogSegment> doomed) throws IOException {
        if (doomed.isEmpty()) {
            return;
        }
        View current = view;
        List<LogSegment> remaining = new ArrayList<>(current.segments());
        remaining.removeAll(doomed);
        long newStart = Math.max(current.logStartOffset(), remaining.get(0).baseOffset());
        view = new View(List.copyOf(remaining), current.logStartOffset(), current.logEndOffset());
        advanceLogStart(newStart);
        deleter.schedule(doomed, time.milliseconds() + config.fileDeleteDelayMs());
        deleter.deleteDue(time.milliseconds());
    }

    /**
     * Rolls the active segment if segment.ms has passed, and deletes segments by retention.ms and
     * retention.bytes (when cleanup.policy has delete). Called periodically by {@link LogManager}.
     * Never deletes data at or past the last stable offset for the high watermark argument. Also removes the files
     * of earlier deleted segments once file.delete.delay.ms has passed.
     *
     * @return the number of segments deleted
     */
    public synchronized int enforceRetention(long highWatermark) {
        ensureOpen();
        long now = time.milliseconds();
        try {
            deleter.deleteDue(now);
            LogSegment active = view.active();
            if (!active.isEmpty() && now - active.rollingBaseMs() > config.segmentMs()) {
                roll();
            }
            // Never past the last stable offset: an open transaction's data stays whole, as in Kafka.
            List<LogSegment> doomed = RetentionPolicy.select(view.segments(), config, now,
                    lastStableOffset(highWatermark), view.logStartOffset());
            if (doomed.size() == view.segments().size()) {
                roll();
            }
            deleteSegments(doomed);
            return doomed.size();
        } catch (IOException e) {
            throw new KafkaStorageException("Retention on " + topicPartition + " failed", e);
        }
    }

    // ---- Replication: leader epochs, follower appends, truncation ----

    /** Records (epoch, startOffset) in the epoch cache from appended data (Kafka's assign semantics). */
    private void assignEpoch(int epoch, long startOffset) {
        try {
            epochCache.assign(epoch, startOffset);
        } catch (IOException e) {
            throw new KafkaStorageException("Writing the leader epoch checkpoint of " + topicPartition + " failed", e);
        }
    }

    /**
     * The latest leader epoch known to this log (from appended batches or {@link #assignEpochStartOffset}),
     * if any. Lock-free; may run concurrently with appends and truncation.
     */
    public OptionalInt latestEpoch() {
        return epochCache.latestEpoch();
    }

    /**
     * Answers OffsetForLeaderEpoch with Apache Kafka's semantics ({@code LeaderEpochFileCache.endOffsetFor}):
     * <ul>
     *   <li>{@code requestedEpoch} is the latest known epoch: (requestedEpoch, log end offset);</li>
     *   <li>otherwise the largest known epoch at or below {@code requestedEpoch}, ending at the start offset
     *       of the next higher known epoch;</li>
     *   <li>{@code requestedEpoch} below every known epoch: (requestedEpoch, start offset of the first known
     *       epoch) &mdash; as Kafka does, so that a follower truncates to where the leader's history begins;</li>
     *   <li>{@link EpochEndOffset#UNDEFINED_EPOCH}, an epoch above the latest, or no known epoch at all:
     *       {@link EpochEndOffset#UNDEFINED}.</li>
     * </ul>
     * Lock-free; may run concurrently with appends and truncation (a concurrent truncation may or may not
     * be reflected, as in Kafka).
     */
    public EpochEndOffset endOffsetForEpoch(int requestedEpoch) {
        long logEndOffset = view.logEndOffset();
        long[] found = epochCache.endOffsetFor(requestedEpoch, logEndOffset);
        return new EpochEndOffset((int) found[0], found[1]);
    }

    /**
     * Records that this node leads the partition from {@code startOffset} (normally the log end offset) in
     * {@code epoch}, so the epoch is known before its first append. Idempotent and never lowers: an epoch at
     * or below the latest known one is ignored. Serialized with appends.
     *
     * @throws IllegalArgumentException a negative epoch, or a start offset above the log end offset or below
     *                                  the start of the latest known epoch
     * @throws KafkaStorageException    I/O failure writing the checkpoint
     */
    public synchronized void assignEpochStartOffset(int epoch, long startOffset) {
        ensureOpen();
        OptionalInt latest = epochCache.latestEpoch();
        if (epoch < 0) {
            throw new IllegalArgumentException("Leader epoch " + epoch + " is negative");
        }
        if (latest.isPresent() && epoch <= latest.getAsInt()) {
            return;
        }
        List<LeaderEpochCache.Entry> entries = epochCache.entries();
        long latestStart = entries.isEmpty() ? 0 : entries.get(entries.size() - 1).startOffset();
        if (startOffset > view.logEndOffset() || startOffset < latestStart || startOffset < 0) {
            throw new IllegalArgumentException("Epoch " + epoch + " cannot start at " + startOffset + ": log end offset "
                    + view.logEndOffset() + ", latest epoch starts at " + latestStart);
        }
        assignEpoch(epoch, startOffset);
    }

    /** The epoch cache entries (epoch, start offset), oldest first. For tests and diagnostics. */
    List<LeaderEpochCache.Entry> leaderEpochEntries() {
        return epochCache.entries();
    }

    /**
     * Appends batches fetched from the leader, as a follower: offsets, leader epochs and timestamps are
     * kept exactly as the leader assigned them (no rewriting). Offsets must not go below the log end offset
     * nor backwards between batches; they may jump forward (a compacted leader has gaps). Every batch must be magic 2 with a valid
     * CRC; if any is not, nothing of the request is appended. Trailing bytes that are not a whole batch
     * (a fetch response cut at its size limit) are ignored. Idempotent-producer state is updated without
     * sequence checks (the leader checked them), so that after becoming leader this log recognizes retries
     * of the replicated batches. The leader epoch cache learns each batch's partitionLeaderEpoch. Segments
     * roll as for leader appends.
     *
     * <p>Like Kafka's Partition, when the log is empty and the first batch starts below the log end offset
     * but contains it (the leader's log start is inside a batch), the log is restarted at that batch's base
     * offset ({@link #truncateFullyAndStartAt}) before appending.
     *
     * <p>Serialized with appends, truncation and retention; concurrent reads see the batches once the
     * whole request is written.
     *
     * @return firstOffset/lastOffset of the appended batches; {@code logAppendTimeMs} is -1; for an empty
     *         request firstOffset = log end offset and lastOffset = one below
     * @throws OffsetOutOfRangeException the first batch does not start at the log end offset (the caller
     *                                   should truncate or re-fetch; nothing was appended)
     * @throws org.apache.kafka.common.errors.CorruptRecordException bad CRC, a gap or overlap between batches,
     *                                   or a malformed batch
     * @throws org.apache.kafka.common.errors.UnsupportedForMessageFormatException magic below 2
     * @throws org.apache.kafka.common.errors.RecordBatchTooLargeException a batch over segment.bytes
     * @throws KafkaStorageException                                  I/O failure
     */
    public synchronized AppendResult appendAsFollower(MemoryRecords records) {
        ensureOpen();
        maybeRestartAtStraddlingBatch(records);
        LogConfig cfg = config;
        View current = view;
        long now = time.milliseconds();
        FollowerAppendValidator.Validated validated = FollowerAppendValidator.validate(records,
                current.logEndOffset(), cfg);
        List<MutableRecordBatch> batches = validated.batches();
        if (batches.isEmpty()) {
            return new AppendResult(current.logEndOffset(), current.logEndOffset() - 1, -1,
                    current.logStartOffset(), false);
        }
        ProducerStateManager.Staged staged = producers.stage(current.logStartOffset());
        for (MutableRecordBatch batch : batches) {
            staged.update(batch);
        }
        long lastOffset = batches.get(batches.size() - 1).lastOffset();
        try {
            LogSegment segment = maybeRoll(validated.records().sizeInBytes(), lastOffset, now);
            segment.append(validated.records(), now);
            indexAborted(segment, staged.commit());
        } catch (IOException e) {
            throw new KafkaStorageException("Follower append to " + topicPartition + " failed", e);
        }
        View written = view;
        view = new View(written.segments(), written.logStartOffset(), lastOffset + 1);
        for (MutableRecordBatch batch : batches) {
            assignEpoch(batch.partitionLeaderEpoch(), batch.baseOffset());
        }
        unflushedMessages += lastOffset + 1 - current.logEndOffset();
        if (unflushedMessages >= cfg.flushIntervalMessages()) {
            flush();
        }
        return new AppendResult(current.logEndOffset(), lastOffset, -1, current.logStartOffset(), false);
    }

    private void maybeRestartAtStraddlingBatch(MemoryRecords records) {
        View current = view;
        if (current.logEndOffset() != current.logStartOffset() || current.segments().size() != 1
                || !current.active().isEmpty()) {
            return;
        }
        for (MutableRecordBatch first : records.batches()) {
            if (first.baseOffset() < current.logEndOffset() && first.lastOffset() >= current.logEndOffset()) {
                log.info("{}: the leader's first batch [{}, {}] contains the log end offset {}; restarting the log at {}",
                        topicPartition, first.baseOffset(), first.lastOffset(), current.logEndOffset(),
                        first.baseOffset());
                truncateFullyAndStartAt(first.baseOffset());
            }
            return;
        }
    }

    /**
     * Removes every record at or after {@code offset} (a follower truncating to where its history agrees
     * with the leader's): segments after it are deleted (their files stay readable to readers holding
     * them for file.delete.delay.ms), the segment containing it is cut in place at the start of the batch
     * containing {@code offset} (offset is normally a batch boundary), indexes are truncated, producer state
     * is rebuilt, leader epochs starting at or after the new log end offset are dropped, and the recovery
     * point moves down if needed. The truncated segment is fsynced, so a crash cannot bring data back.
     *
     * <p>If {@code offset} is at or past the log end offset no data is removed, but, as in Kafka, epoch
     * entries starting at or after the log end offset are dropped (an epoch this node started as leader
     * without appending anything conflicts with the new leader's history). If {@code offset} is below the
     * log start offset this is {@link #truncateFullyAndStartAt}.
     *
     * <p>Serialized with appends and retention. Concurrent readers never fail on whole deleted segments;
     * a reader of the cut segment racing with the cut may get fewer batches or a read error for the removed
     * bytes (as in Kafka), never corrupt data.
     *
     * @throws KafkaStorageException I/O failure
     */
    public synchronized void truncateTo(long offset) {
        ensureOpen();
        View current = view;
        try {
            if (offset >= current.logEndOffset()) {
                epochCache.truncateFromEnd(current.logEndOffset());
                return;
            }
            if (offset < current.logStartOffset()) {
                truncateFullyAndStartAt(offset);
                return;
            }
            List<LogSegment> segments = current.segments();
            int keepIndex = floorSegment(segments, offset);
            LogSegment keep = segments.get(keepIndex);
            List<LogSegment> remaining = List.copyOf(segments.subList(0, keepIndex + 1));
            List<LogSegment> doomed = List.copyOf(segments.subList(keepIndex + 1, segments.size()));
            view = new View(remaining, current.logStartOffset(), offset);
            deleter.schedule(doomed, time.milliseconds() + config.fileDeleteDelayMs());
            keep.truncateTo(offset);
            keep.onActive(config.segmentIndexBytes());
            keep.flush();
            long newEnd = keep.nextOffset();
            long newStart = Math.min(current.logStartOffset(), newEnd);
            if (newStart != current.logStartOffset()) {
                Checkpoints.writeOffset(dir.resolve(LogLoader.LOG_START_CHECKPOINT), newStart);
            }
            view = new View(remaining, newStart, newEnd);
            if (recoveryPoint > newEnd) {
                recoveryPoint = newEnd;
                Checkpoints.writeOffset(dir.resolve(LogLoader.RECOVERY_CHECKPOINT), newEnd);
            }
            LogLoader.rebuildProducerState(producers, remaining, newStart, newEnd);
            epochCache.truncateFromEnd(newEnd);
            unflushedMessages = 0;
            log.info("Truncated {} to offset {} (was {}), deleting {} segments", topicPartition, newEnd,
                    current.logEndOffset(), doomed.size());
        } catch (IOException e) {
            throw new KafkaStorageException("Truncation of " + topicPartition + " to " + offset + " failed", e);
        }
    }

    /**
     * Deletes all data and restarts the log, empty, at {@code newOffset}: log start offset = log end offset
     * = newOffset (for a follower whose fetch offset is outside the leader's log). Producer state and leader
     * epochs are cleared. Old segments stay readable to readers holding them for file.delete.delay.ms.
     * Serialized with appends and retention.
     *
     * @throws IllegalArgumentException a negative offset
     * @throws KafkaStorageException    I/O failure
     */
    public synchronized void truncateFullyAndStartAt(long newOffset) {
        ensureOpen();
        if (newOffset < 0) {
            throw new IllegalArgumentException("Offset " + newOffset + " is negative");
        }
        View current = view;
        try {
            deleter.schedule(current.segments(), time.milliseconds() + config.fileDeleteDelayMs());
            LogSegment fresh = LogSegment.open(dir, newOffset, config.indexIntervalBytes(), config.segmentIndexBytes());
            view = new View(List.of(fresh), newOffset, newOffset);
            Checkpoints.writeOffset(dir.resolve(LogLoader.LOG_START_CHECKPOINT), newOffset);
            recoveryPoint = newOffset;
            Checkpoints.writeOffset(dir.resolve(LogLoader.RECOVERY_CHECKPOINT), newOffset);
            producers.truncateFully();
            epochCache.clear();
            unflushedMessages = 0;
            log.info("Truncated {} fully (was [{}, {})), restarting at {}", topicPartition, current.logStartOffset(),
                    current.logEndOffset(), newOffset);
        } catch (IOException e) {
            throw new KafkaStorageException("Full truncation of " + topicPartition + " failed", e);
        }
    }

    /**
     * Compacts the closed segments below the last stable offset when cleanup.policy has compact and the dirty
     * ratio reaches min.cleanable.dirty.ratio (see {@link LogCleaner}). The rewrite runs without the log's
     * lock; only the swap takes it. Called by one cleaner thread at a time.
     *
     * @return the result, or null when nothing was cleaned
     */
    public LogCleaner.Cleaned compact(long highWatermark) {
        LogConfig cfg = config;
        if (!cfg.compact() || uncleanable) {
            return null;
        }
        LogCleaner.Plan plan;
        List<AbortedTxn> aborted;
        synchronized (this) {
            ensureOpen();
            View current = view;
            // Only below the last stable offset: every transaction there has ended, so aborted data is known.
            long cleanableEnd = lastStableOffset(highWatermark);
            List<LogSegment> cleanable = new ArrayList<>();
            for (LogSegment segment : current.segments()) {
                if (segment == current.active() || segment.nextOffset() > cleanableEnd) {
                    break;
                }
                cleanable.add(segment);
            }
            long firstDirty;
            try {
                firstDirty = Math.max(current.logStartOffset(),
                        Checkpoints.readOffset(dir.resolve(LogCleaner.CHECKPOINT)).orElse(0L));
            } catch (IOException e) {
                firstDirty = current.logStartOffset();
            }
            plan = LogCleaner.plan(cleanable, firstDirty, cfg.minCleanableDirtyRatio());
            aborted = plan == null ? List.of()
                    : abortedTransactions(plan.segments().get(0).baseOffset(), plan.endOffset());
        }
        if (plan == null) {
            return null;
        }
        LogCleaner.Cleaned cleaned;
        try {
            cleaned = LogCleaner.clean(dir, plan, aborted, cfg, time.milliseconds());
        } catch (InvalidRecordException | CorruptRecordException e) {
            // As Kafka marks such a partition uncleanable: one ERROR, and no more attempts until a restart.
            uncleanable = true;
            log.error("Compaction of {} stopped: a batch below offset {} cannot be read ({}); the log is kept as it "
                    + "is and not compacted until the broker restarts", topicPartition, plan.endOffset(), e.toString());
            return null;
        } catch (IOException e) {
            throw new KafkaStorageException("Compaction of " + topicPartition + " failed", e);
        }
        try {
            synchronized (this) {
                View current = view;
                if (closed || !current.segments().containsAll(plan.segments())) {
                    LogCleaner.abort(dir, cleaned);
                    return null;
                }
                LogCleaner.swap(dir, cleaned, deleter, time.milliseconds() + config.fileDeleteDelayMs());
                List<LogSegment> segments = new ArrayList<>(current.segments());
                segments.removeAll(plan.segments());
                segments.addAll(cleaned.replacements());
                segments.sort(java.util.Comparator.comparingLong(LogSegment::baseOffset));
                view = new View(List.copyOf(segments), current.logStartOffset(), current.logEndOffset());
                Checkpoints.writeOffset(dir.resolve(LogCleaner.CHECKPOINT), plan.endOffset());
            }
            log.info("Compacted {} below offset {}: {} -> {} records, {} -> {} bytes (dirty ratio {})", topicPartition,
                    plan.endOffset(), cleaned.recordsBefore(), cleaned.recordsAfter(), cleaned.bytesBefore(),
                    cleaned.bytesAfter(), String.format("%.2f", plan.dirtyRatio()));
            return cleaned;
        } catch (IOException e) {
            throw new KafkaStorageException("Compaction of " + topicPartition + " failed", e);
        }
    }

    /** Replaces this log's settings; takes effect for the next append and the next retention pass. */
    public void updateConfig(LogConfig config) {
        this.config = config;
    }

    public LogConfig config() {
        return config;
    }

    /** Flushes segment and index data to disk and advances the recovery point to the log end offset. */
    public synchronized void flush() {
        ensureOpen();
        View current = view;
        try {
            for (LogSegment segment : current.segments()) {
                if (segment.nextOffset() > recoveryPoint || segment == current.active()) {
                    segment.flush();
                }
            }
            epochCache.flush();
            recoveryPoint = current.logEndOffset();
            Checkpoints.writeOffset(dir.resolve(LogLoader.RECOVERY_CHECKPOINT), recoveryPoint);
        } catch (IOException e) {
            throw new KafkaStorageException("Flush of " + topicPartition + " failed", e);
        }
        unflushedMessages = 0;
        lastFlushMs = time.milliseconds();
    }

    /** Flushes if flush.ms has passed since the last flush and there is unflushed data. */
    public synchronized void maybeFlushByTime() {
        if (!closed && unflushedMessages > 0 && time.milliseconds() - lastFlushMs >= config.flushIntervalMs()) {
            flush();
        }
    }

    /** Total bytes of all segments. */
    public long sizeInBytes() {
        long size = 0;
        for (LogSegment segment : view.segments()) {
            size += segment.sizeInBytes();
        }
        return size;
    }

    /** How many segments the log has (the active one included). */
    public int segmentCount() {
        return view.segments().size();
    }

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    public Uuid topicId() {
        return topicId;
    }

    public Path dir() {
        return dir;
    }

    /** Flushes and closes files; marks this log as cleanly shut down. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        View current = view;
        try {
            flush();
            producers.takeSnapshot(current.logEndOffset());
            for (LogSegment segment : current.segments()) {
                segment.close();
            }
            deleter.deleteAll();
            Checkpoints.writeOffset(dir.resolve(LogLoader.LOG_START_CHECKPOINT), current.logStartOffset());
            Checkpoints.writeAtomically(dir.resolve(LogLoader.CLEAN_SHUTDOWN), new byte[0]);
        } catch (IOException e) {
            throw new KafkaStorageException("Close of " + topicPartition + " failed", e);
        } finally {
            closed = true;
        }
    }

    /** Closes the log and removes its directory. */
    public synchronized void delete() {
        closed = true;
        try {
            for (LogSegment segment : view.segments()) {
                segment.closeHandlers();
            }
            deleter.deleteAll();
            deleteRecursively(dir);
        } catch (IOException e) {
            throw new KafkaStorageException("Delete of " + topicPartition + " failed", e);
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
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new KafkaStorageException("Log " + topicPartition + " is closed");
        }
    }

    @Override
    public String toString() {
        return "PartitionLog(" + topicPartition + ", " + dir + ")";
    }
}
