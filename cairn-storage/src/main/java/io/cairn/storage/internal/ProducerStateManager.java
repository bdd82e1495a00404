package io.cairn.storage.internal;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import io.cairn.storage.AbortedTxn;
import io.cairn.storage.BoundedRecords;
import io.cairn.storage.ProducerSnapshot;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.TransactionCoordinatorFencedException;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.CloseableIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Idempotent and transactional producer state of one partition: per producer id, its epoch, last five batches,
 * open transaction and coordinator epoch; and the partition's open transactions and recently ended ones, from
 * which the first unstable offset (and so the last stable offset) follows. Appends are checked in a
 * {@link Staged} view first and committed once written. State is snapshotted to {@code <offset>.snapshot}
 * files (a CRC32C-protected binary format) so that a reopen only replays the batches after the latest snapshot.
 *
 * <p>Not thread-safe, except {@link #lastStableOffset}, which reads a published immutable view; everything else
 * is guarded by the owning log's append lock.
 */
public final class ProducerStateManager {

    private static final Logger log = LoggerFactory.getLogger(ProducerStateManager.class);
    public static final String SNAPSHOT_SUFFIX = ".snapshot";
    private static final int MAGIC = 0x43534E50; // "CSNP"
    /**
     * Version 2 adds each producer's open transaction and coordinator epoch, version 3 its last timestamp (a
     * producer read from version 1 or 2 has none, -1, until its next batch); versions 1 and 2 are still read.
     */
    private static final short VERSION = 3;
    private static final int SNAPSHOTS_KEPT = 2;

    private final Path dir;
    private final Map<Long, ProducerEntry> producers = new HashMap<>();
    /** Open transactions: first offset -> producer id. */
    private final TreeMap<Long, Long> ongoing = new TreeMap<>();
    /** Ended transactions whose marker the high watermark may not have passed yet: first offset -> marker offset. */
    private final TreeMap<Long, Long> unreplicated = new TreeMap<>();
    private volatile Unstable unstable = Unstable.NONE;
    /**
     * KIP-890 part 1: per producer, the guard of a transaction verification started here and not yet used up
     * (soft state: a restart or leader change only makes producers verify again).
     */
    private final Map<Long, VerificationGuard> verificationGuards = new HashMap<>();
    /** The highest high watermark a reader asked about; ended transactions below it are pruned at the next change. */
    private volatile long highWatermarkSeen = -1;
    /** Between {@link #beginReplay} and {@link #endReplay}: what bounds the stable offset is published once, at the end. */
    private boolean replaying;

    /**
     * What bounds the last stable offset, published for lock-free readers: the first offset of the oldest open
     * transaction (Long.MAX_VALUE if none) and the ended transactions (first offset, marker offset) by first offset.
     */
    private record Unstable(long firstOngoing, long[] firstOffsets, long[] markerOffsets) {
        static final Unstable NONE = new Unstable(Long.MAX_VALUE, new long[0], new long[0]);

        long lastStableOffset(long highWatermark) {
            long stable = Math.min(highWatermark, firstOngoing);
            for (int i = 0; i < firstOffsets.length && firstOffsets[i] < stable; i++) {
                if (markerOffsets[i] >= highWatermark) {
                    return firstOffsets[i];
                }
            }
            return stable;
        }
    }

    public ProducerStateManager(Path dir) {
        this.dir = dir;
    }

    public Optional<ProducerEntry> entry(long producerId) {
        return Optional.ofNullable(producers.get(producerId));
    }

    public int producerCount() {
        return producers.size();
    }

    /** A copy of every producer's state, by producer id (DescribeProducers). Guarded by the log's lock. */
    public List<ProducerSnapshot> activeProducers() {
        List<ProducerSnapshot> snapshots = new ArrayList<>(producers.size());
        for (Map.Entry<Long, ProducerEntry> e : new TreeMap<>(producers).entrySet()) {
            ProducerEntry entry = e.getValue();
            snapshots.add(new ProducerSnapshot(e.getKey(), entry.epoch(),
                    entry.last().map(BatchMetadata::lastSequence).orElse(RecordBatch.NO_SEQUENCE),
                    entry.lastTimestamp(), entry.coordinatorEpoch(), entry.currentTxnFirstOffset()));
        }
        return snapshots;
    }

    /**
     * The last stable offset for this high watermark: below the first offset of every open transaction and of
     * every ended one whose marker is at or above the high watermark (not yet replicated). Lock-free.
     */
    public long lastStableOffset(long highWatermark) {
        if (highWatermark > highWatermarkSeen) {
            highWatermarkSeen = highWatermark;
        }
        return unstable.lastStableOffset(highWatermark);
    }

    /** The first offset of the oldest open transaction, if any. */
    public OptionalLong firstOngoingOffset() {
        return ongoing.isEmpty() ? OptionalLong.empty() : OptionalLong.of(ongoing.firstKey());
    }

    /** The open transactions: first offset -> producer id, by first offset. */
    public Map<Long, Long> ongoingTransactions() {
        return Collections.unmodifiableMap(ongoing);
    }

    /**
     * The last stable offset right after {@code completed} ended (Kafka's rule for the aborted-transaction
     * index): the first offset of the oldest other open transaction, else just past the marker.
     */
    private long lastStableOffsetAfter(CompletedTxn completed) {
        for (Map.Entry<Long, Long> open : ongoing.entrySet()) {
            if (open.getValue() != completed.producerId()) {
                return open.getKey();
            }
        }
        return completed.lastOffset() + 1;
    }

    /**
     * Starts a verification of {@code producerId}'s transaction before its first transactional batch here: returns
     * the guard to hand to the append once the coordinator confirmed the partition is in the transaction, or null
     * when the producer's transaction is already open here at {@code epoch} (nothing to verify). A verification
     * already started and not ended by a marker is shared, as Kafka's verification state entry is: a producer
     * pipelines up to 5 produce requests per connection, and a second request's verification must not invalidate
     * the first's before that one appended (it would fail with InvalidTxnState). A client of transaction version 2
     * ({@code bumpsEpoch}) starts its next transaction at the epoch its previous one's markers carry, and may do so
     * before such a marker reaches this partition; that marker then leaves the verification alone (Kafka's rule),
     * while any other marker ends it.
     */
    public Object startVerification(long producerId, short epoch, boolean bumpsEpoch) {
        ProducerEntry entry = producers.get(producerId);
        if (entry != null && entry.currentTxnFirstOffset() >= 0 && entry.epoch() == epoch) {
            return null;
        }
        VerificationGuard guard = verificationGuards.computeIfAbsent(producerId,
                id -> new VerificationGuard(epoch, bumpsEpoch));
        guard.epoch = (short) Math.max(guard.epoch, epoch);
        return guard;
    }

    /** A verification in progress: the newest epoch it was started at, and whether its client bumps epochs. */
    private static final class VerificationGuard {
        private short epoch;
        private final boolean bumpsEpoch;

        private VerificationGuard(short epoch, boolean bumpsEpoch) {
            this.epoch = epoch;
            this.bumpsEpoch = bumpsEpoch;
        }

        /** Whether a marker at {@code markerEpoch} ends the transaction this verification is for. */
        private boolean endedBy(short markerEpoch) {
            return !(bumpsEpoch && markerEpoch == epoch);
        }
    }

    /** Whether {@code guard} is the producer's live verification guard (no marker since it was started). */
    public boolean isVerified(long producerId, Object guard) {
        return guard != null && verificationGuards.get(producerId) == guard;
    }

    /** Starts checking one append. */
    public Staged stage(long logStartOffset) {
        return new Staged(logStartOffset);
    }

    /**
     * The producer updates of one append, checked against committed state plus earlier batches of
     * the same append.
     */
    public final class Staged {
        private final long logStartOffset;
        private final Map<Long, ProducerEntry> updates = new HashMap<>();
        /** The epoch of the last marker this append wrote for each producer. */
        private final Map<Long, Short> markerEpochs = new HashMap<>();
        /** {@link Started} and {@link CompletedTxn}: the transactions this append opened and ended, in order. */
        private final List<Object> events = new ArrayList<>();

        /** A transaction this append opened. */
        private record Started(long firstOffset, long producerId) {
        }

        private Staged(long logStartOffset) {
            this.logStartOffset = logStartOffset;
        }

        /**
         * Checks a data batch's epoch, sequence and transactional flag.
         *
         * @return the original batch if this one is a retried duplicate
         * @throws OutOfOrderSequenceException   sequence gap or a new epoch/producer not starting at 0
         * @throws InvalidProducerEpochException epoch below the producer's current epoch
         * @throws InvalidTxnStateException      a non-transactional batch while the producer's transaction is open
         */
        public Optional<BatchMetadata> check(RecordBatch batch) {
            ProducerEntry current = current(batch.producerId());
            int first = batch.baseSequence();
            if (current == null) {
                if (first != 0 && logStartOffset == 0) {
                    throw new OutOfOrderSequenceException("Unknown producer " + batch.producerId()
                            + " must start at sequence 0, got " + first);
                }
                return Optional.empty();
            }
            if (batch.producerEpoch() < current.epoch()) {
                throw new InvalidProducerEpochException("Producer " + batch.producerId() + " epoch "
                        + batch.producerEpoch() + " is older than the current epoch " + current.epoch());
            }
            if (!batch.isTransactional() && current.currentTxnFirstOffset() >= 0) {
                throw new InvalidTxnStateException("Producer " + batch.producerId() + " wrote a non-transactional "
                        + "batch while its transaction from offset " + current.currentTxnFirstOffset() + " is open");
            }
            if (batch.producerEpoch() > current.epoch()) {
                if (first != 0) {
                    throw new OutOfOrderSequenceException("Producer " + batch.producerId() + " new epoch "
                            + batch.producerEpoch() + " must start at sequence 0, got " + first);
                }
                return Optional.empty();
            }
            Optional<BatchMetadata> duplicate = current.find(first, batch.lastSequence());
            if (duplicate.isPresent()) {
                return duplicate;
            }
            Optional<BatchMetadata> last = current.last();
            if (last.isPresent() && first != nextSequence(last.get().lastSequence())) {
                throw new OutOfOrderSequenceException("Producer " + batch.producerId() + " expected sequence "
                        + nextSequence(last.get().lastSequence()) + ", got " + first);
            }
            return Optional.empty();
        }

        /**
         * Whether the batch would open a transaction of its producer here: none is open (staged or committed) at the
         * batch's epoch. A batch of a higher epoch than the open transaction's is a version 2 producer's next
         * transaction, arriving before its previous one's marker: it needs its own verification, as in Kafka.
         */
        public boolean opensTransaction(RecordBatch batch) {
            ProducerEntry current = current(batch.producerId());
            return batch.isTransactional() && (current == null || current.currentTxnFirstOffset() < 0
                    || current.epoch() != batch.producerEpoch());
        }

        /**
         * Checks an end-transaction marker the coordinator asks this leader to write.
         *
         * @throws InvalidProducerEpochException       the marker's epoch is below the producer's (a fenced producer)
         * @throws TransactionCoordinatorFencedException the marker comes from an older coordinator epoch
         */
        public void checkMarker(long producerId, short producerEpoch, int coordinatorEpoch) {
            checkMarker(producerId, producerEpoch, coordinatorEpoch, (byte) 0);
        }

        /**
         * As above, for a marker of {@code transactionVersion}: at 2 (KIP-890 part 2) its epoch was bumped for it,
         * so it must be above the producer's epoch, or equal to it with no transaction open (a repeated marker,
         * written again after a coordinator failover or a lost answer), as Kafka checks (KAFKA-19999).
         */
        public void checkMarker(long producerId, short producerEpoch, int coordinatorEpoch, byte transactionVersion) {
            ProducerEntry current = current(producerId);
            if (current == null) {
                return;
            }
            if (producerEpoch < current.epoch()) {
                throw new InvalidProducerEpochException("Marker for producer " + producerId + " at epoch "
                        + producerEpoch + " is older than the current epoch " + current.epoch());
            }
            boolean repeated = current.currentTxnFirstOffset() < 0 || producerEpoch == Short.MAX_VALUE;
            if (transactionVersion >= 2 && producerEpoch == current.epoch() && !repeated) {
                throw new InvalidProducerEpochException("Transaction version 2 marker for producer " + producerId
                        + " at epoch " + producerEpoch + " would end the transaction open at that epoch, which its "
                        + "bumped epoch cannot belong to");
            }
            if (coordinatorEpoch < current.coordinatorEpoch()) {
                throw new TransactionCoordinatorFencedException("Marker for producer " + producerId
                        + " from coordinator epoch " + coordinatorEpoch + ", older than "
                        + current.coordinatorEpoch());
            }
        }

        /**
         * Records the batch (with its assigned offsets) in the staged state: a data batch's sequence numbers and,
         * for a transactional one, the start of its transaction; a marker ends the producer's transaction.
         */
        public void update(RecordBatch batch) {
            if (!batch.hasProducerId()) {
                return;
            }
            ProducerEntry current = current(batch.producerId());
            ProducerEntry updated = current == null
                    ? new ProducerEntry(batch.producerEpoch(), List.of())
                    : current.withEpoch(batch.producerEpoch());
            updates.put(batch.producerId(), updated);
            updated.lastTimestamp(batch.maxTimestamp());
            if (batch.isControlBatch()) {
                markerEpochs.put(batch.producerId(), batch.producerEpoch());
                endTransaction(batch, updated);
                return;
            }
            updated.add(metadataOf(batch));
            if (batch.isTransactional() && updated.currentTxnFirstOffset() < 0) {
                updated.startTransaction(batch.baseOffset());
                events.add(new Started(batch.baseOffset(), batch.producerId()));
            }
        }

        private void endTransaction(RecordBatch batch, ProducerEntry entry) {
            Record record;
            try (CloseableIterator<Record> records = BoundedRecords.stored(batch, 0)) {
                if (!records.hasNext()) {
                    return;
                }
                record = records.next();
            }
            ControlRecordType type = ControlRecordType.parse(record.key());
            if (type != ControlRecordType.COMMIT && type != ControlRecordType.ABORT) {
                return;
            }
            EndTransactionMarker marker = EndTransactionMarker.deserialize(record);
            long first = entry.currentTxnFirstOffset() >= 0 ? entry.currentTxnFirstOffset() : batch.baseOffset();
            entry.endTransaction(marker.coordinatorEpoch());
            CompletedTxn completed = new CompletedTxn(batch.producerId(), first, batch.baseOffset(),
                    type == ControlRecordType.ABORT);
            events.add(completed);
        }

        private ProducerEntry current(long producerId) {
            ProducerEntry staged = updates.get(producerId);
            return staged != null ? staged : producers.get(producerId);
        }

        /**
         * Makes the staged state current.
         *
         * @return the transactions this append aborted, in marker order, each with the last stable offset right
         *         after its abort: the entries for the aborted-transaction index of the segment written to
         */
        public List<AbortedTxn> commit() {
            producers.putAll(updates);
            if (events.isEmpty()) {
                return List.of();
            }
            List<AbortedTxn> aborted = new ArrayList<>();
            for (Object event : events) {
                if (event instanceof CompletedTxn done) {
                    ongoing.remove(done.firstOffset());
                    VerificationGuard guard = verificationGuards.get(done.producerId());
                    if (guard != null && guard.endedBy(markerEpochs.getOrDefault(done.producerId(), (short) -1))) {
                        verificationGuards.remove(done.producerId());
                    }
                    unreplicated.put(done.firstOffset(), done.lastOffset());
                    if (done.aborted()) {
                        aborted.add(new AbortedTxn(done.producerId(), done.firstOffset(), done.lastOffset(),
                                lastStableOffsetAfter(done)));
                    }
                } else if (event instanceof Started started) {
                    ongoing.put(started.firstOffset(), started.producerId());
                }
            }
            if (!replaying) {
                publish();
            }
            return aborted;
        }
    }

    /** Drops ended transactions the high watermark has passed and publishes what bounds the stable offset. */
    private void publish() {
        long hw = highWatermarkSeen;
        unreplicated.values().removeIf(markerOffset -> markerOffset < hw);
        long[] firsts = new long[unreplicated.size()];
        long[] markers = new long[unreplicated.size()];
        int i = 0;
        for (Map.Entry<Long, Long> e : unreplicated.entrySet()) {
            firsts[i] = e.getKey();
            markers[i++] = e.getValue();
        }
        long firstOngoing = ongoing.isEmpty() ? Long.MAX_VALUE : ongoing.firstKey();
        unstable = firsts.length == 0 && ongoing.isEmpty() ? Unstable.NONE
                : new Unstable(firstOngoing, firsts, markers);
    }

    static int nextSequence(int sequence) {
        return sequence == Integer.MAX_VALUE ? 0 : sequence + 1;
    }

    private static BatchMetadata metadataOf(RecordBatch batch) {
        return new BatchMetadata(batch.baseSequence(), batch.lastSequence(), batch.baseOffset(), batch.lastOffset());
    }

    /**
     * Starts a replay of many batches ({@link #replay}) during load: publishing what bounds the last stable offset
     * costs a copy of every ended transaction not yet replicated, which during a replay (no high watermark
     * seen yet) are all of them, so once per transaction made the replay quadratic in transactions; it is
     * done once, at {@link #endReplay}. Nobody reads the stable offset of a log being loaded.
     */
    public void beginReplay() {
        replaying = true;
    }

    /** Ends a replay: publishes what bounds the last stable offset. */
    public void endReplay() {
        replaying = false;
        publish();
    }

    /**
     * Applies a batch read back from the log during load, without checks.
     *
     * @return the transaction it aborted, if it is an abort marker, as {@link Staged#commit} gives it
     */
    public List<AbortedTxn> replay(RecordBatch batch) {
        if (!batch.hasProducerId()) {
            return List.of();
        }
        Staged staged = new Staged(0);
        staged.update(batch);
        return staged.commit();
    }

    /**
     * Forgets producers whose last batch is below the log start offset, with their open transactions, and
     * ended transactions whose marker is below it.
     */
    public void evictBelow(long logStartOffset) {
        producers.entrySet().removeIf(e -> {
            boolean evict = e.getValue().lastOffset() < logStartOffset;
            if (evict && e.getValue().currentTxnFirstOffset() >= 0) {
                ongoing.remove(e.getValue().currentTxnFirstOffset());
            }
            return evict;
        });
        unreplicated.values().removeIf(markerOffset -> markerOffset < logStartOffset);
        publish();
    }

    public void clear() {
        producers.clear();
        verificationGuards.clear();
        ongoing.clear();
        unreplicated.clear();
        publish();
    }

    /** Writes a snapshot of the state as of {@code offset} (the log end offset) and prunes old ones. */
    public void takeSnapshot(long offset) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeShort(VERSION);
            out.writeLong(offset);
            out.writeInt(producers.size());
            for (Map.Entry<Long, ProducerEntry> e : producers.entrySet()) {
                out.writeLong(e.getKey());
                out.writeShort(e.getValue().epoch());
                out.writeInt(e.getValue().coordinatorEpoch());
                out.writeLong(e.getValue().currentTxnFirstOffset());
                out.writeLong(e.getValue().lastTimestamp());
                List<BatchMetadata> batches = e.getValue().batches();
                out.writeInt(batches.size());
                for (BatchMetadata b : batches) {
                    out.writeInt(b.firstSequence());
                    out.writeInt(b.lastSequence());
                    out.writeLong(b.firstOffset());
                    out.writeLong(b.lastOffset());
                }
            }
        }
        byte[] body = bytes.toByteArray();
        CRC32C crc = new CRC32C();
        crc.update(body);
        ByteBuffer file = ByteBuffer.allocate(body.length + 4).put(body).putInt((int) crc.getValue());
        Checkpoints.writeAtomically(snapshotFile(offset), file.array());
        pruneSnapshots(offset);
    }

    private void pruneSnapshots(long newest) throws IOException {
        List<Long> offsets = snapshotOffsets();
        for (int i = 0; i < offsets.size() - SNAPSHOTS_KEPT; i++) {
            Files.deleteIfExists(snapshotFile(offsets.get(i)));
        }
    }

    /**
     * Loads the newest readable snapshot at or below {@code logEndOffset}, deleting newer and corrupt ones.
     *
     * @return the snapshot's offset (replay the log from there), or empty when there is none (replay all)
     */
    public Optional<Long> loadLatestSnapshot(long logEndOffset) throws IOException {
        clear();
        List<Long> offsets = snapshotOffsets();
        Collections.reverse(offsets);
        for (long offset : offsets) {
            Path file = snapshotFile(offset);
            if (offset > logEndOffset || !tryLoad(file, offset)) {
                Files.deleteIfExists(file);
                continue;
            }
            return Optional.of(offset);
        }
        return Optional.empty();
    }

    /**
     * Loads the snapshot of {@code offset} if it is well formed: CRC, magic, a version this code reads, its own
     * offset, non-negative counts, at most {@link ProducerEntry#MAX_BATCHES} batches per producer, offsets below
     * its own, nothing after the last entry. A malformed one is logged at WARN and leaves the state empty.
     *
     * @throws IOException the file cannot be read
     */
    private boolean tryLoad(Path file, long offset) throws IOException {
        byte[] content = Files.readAllBytes(file);
        Map<Long, ProducerEntry> loaded = new HashMap<>();
        String malformed = parseSnapshot(content, offset, loaded);
        if (malformed != null) {
            log.warn("Ignoring malformed producer snapshot {} ({}): producer state is rebuilt from the log", file,
                    malformed);
            return false;
        }
        producers.putAll(loaded);
        loaded.forEach((producerId, entry) -> {
            if (entry.currentTxnFirstOffset() >= 0) {
                ongoing.put(entry.currentTxnFirstOffset(), producerId);
            }
        });
        publish();
        return true;
    }

    /** Reads a snapshot's producers into {@code out}; returns what is wrong with it, or null if nothing. */
    private static String parseSnapshot(byte[] content, long offset, Map<Long, ProducerEntry> out) {
        if (content.length < 4) {
            return "shorter than its CRC";
        }
        CRC32C crc = new CRC32C();
        crc.update(content, 0, content.length - 4);
        if ((int) crc.getValue() != ByteBuffer.wrap(content, content.length - 4, 4).getInt()) {
            return "bad CRC";
        }
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(content, 0,
                content.length - 4))) {
            if (in.readInt() != MAGIC) {
                return "bad magic";
            }
            short version = in.readShort();
            if (version < 1 || version > VERSION) {
                return "unknown version " + version;
            }
            if (in.readLong() != offset) {
                return "not the snapshot of offset " + offset;
            }
            int count = in.readInt();
            if (count < 0) {
                return "negative producer count";
            }
            for (int i = 0; i < count; i++) {
                long producerId = in.readLong();
                short epoch = in.readShort();
                int coordinatorEpoch = version >= 2 ? in.readInt() : -1;
                long txnFirstOffset = version >= 2 ? in.readLong() : -1;
                long lastTimestamp = version >= 3 ? in.readLong() : -1;
                int batchCount = in.readInt();
                if (producerId < 0 || txnFirstOffset < -1 || txnFirstOffset >= offset || batchCount < 0
                        || batchCount > ProducerEntry.MAX_BATCHES) {
                    return "bad entry for producer " + producerId;
                }
                List<BatchMetadata> batches = new ArrayList<>();
                for (int j = 0; j < batchCount; j++) {
                    BatchMetadata batch = new BatchMetadata(in.readInt(), in.readInt(), in.readLong(), in.readLong());
                    if (batch.firstOffset() < 0 || batch.lastOffset() < batch.firstOffset()
                            || batch.lastOffset() >= offset) {
                        return "bad batch of producer " + producerId;
                    }
                    batches.add(batch);
                }
                out.put(producerId, new ProducerEntry(epoch, batches, txnFirstOffset, coordinatorEpoch,
                        lastTimestamp));
            }
            if (in.available() > 0) {
                return "bytes after the last entry";
            }
        } catch (IOException e) {
            return "ends early";
        }
        return null;
    }

    private List<Long> snapshotOffsets() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(SNAPSHOT_SUFFIX))
                    .map(n -> n.substring(0, n.length() - SNAPSHOT_SUFFIX.length()))
                    .filter(LogSegment::isOffsetName)
                    .map(Long::parseLong)
                    .sorted()
                    .collect(java.util.stream.Collectors.toCollection(ArrayList::new));
        }
    }

    private Path snapshotFile(long offset) {
        return dir.resolve(LogSegment.fileName(offset) + SNAPSHOT_SUFFIX);
    }

    /** Forgets every producer and deletes every snapshot (the log restarts empty). */
    public void truncateFully() throws IOException {
        clear();
        for (long offset : snapshotOffsets()) {
            Files.deleteIfExists(snapshotFile(offset));
        }
    }
}
