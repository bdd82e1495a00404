package io.cairn.storage.internal;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * The state of one idempotent or transactional producer in one partition: its epoch, its last
 * {@link #MAX_BATCHES} batches (oldest first), the first offset of its open transaction here (-1 when none),
 * the epoch of the transaction coordinator that wrote its last marker (-1 before any) and the max timestamp of
 * its last batch, data or marker (-1 when unknown), which DescribeProducers reports and kafka-transactions.sh
 * find-hanging ages an open transaction by.
 *
 * <p>Not thread-safe; guarded by the owning log's append lock.
 */
public final class ProducerEntry {

    public static final int MAX_BATCHES = 5;

    private final short epoch;
    private final Deque<BatchMetadata> batches;
    private long currentTxnFirstOffset;
    private int coordinatorEpoch;
    private long lastTimestamp;

    public ProducerEntry(short epoch, List<BatchMetadata> batches) {
        this(epoch, batches, -1, -1);
    }

    public ProducerEntry(short epoch, List<BatchMetadata> batches, long currentTxnFirstOffset, int coordinatorEpoch) {
        this(epoch, batches, currentTxnFirstOffset, coordinatorEpoch, -1);
    }

    public ProducerEntry(short epoch, List<BatchMetadata> batches, long currentTxnFirstOffset, int coordinatorEpoch,
                         long lastTimestamp) {
        this.epoch = epoch;
        this.batches = new ArrayDeque<>(batches);
        this.currentTxnFirstOffset = currentTxnFirstOffset;
        this.coordinatorEpoch = coordinatorEpoch;
        this.lastTimestamp = lastTimestamp;
    }

    /** The max timestamp of this producer's last batch here (data or marker), or -1 when unknown. */
    public long lastTimestamp() {
        return lastTimestamp;
    }

    void lastTimestamp(long timestamp) {
        lastTimestamp = timestamp;
    }

    /** The first offset of this producer's open transaction in this partition, or -1. */
    public long currentTxnFirstOffset() {
        return currentTxnFirstOffset;
    }

    public int coordinatorEpoch() {
        return coordinatorEpoch;
    }

    void startTransaction(long firstOffset) {
        currentTxnFirstOffset = firstOffset;
    }

    void endTransaction(int markerCoordinatorEpoch) {
        currentTxnFirstOffset = -1;
        coordinatorEpoch = markerCoordinatorEpoch;
    }

    /** The same state at {@code newEpoch}: a new epoch forgets the batches, keeps the open transaction. */
    ProducerEntry withEpoch(short newEpoch) {
        return new ProducerEntry(newEpoch, newEpoch == epoch ? List.copyOf(batches) : List.of(),
                currentTxnFirstOffset, coordinatorEpoch, lastTimestamp);
    }

    public short epoch() {
        return epoch;
    }

    public List<BatchMetadata> batches() {
        return List.copyOf(batches);
    }

    public ProducerEntry copy() {
        return new ProducerEntry(epoch, List.copyOf(batches), currentTxnFirstOffset, coordinatorEpoch, lastTimestamp);
    }

    public void add(BatchMetadata batch) {
        batches.addLast(batch);
        while (batches.size() > MAX_BATCHES) {
            batches.removeFirst();
        }
    }

    public Optional<BatchMetadata> last() {
        return Optional.ofNullable(batches.peekLast());
    }

    public Optional<BatchMetadata> find(int firstSequence, int lastSequence) {
        return batches.stream()
                .filter(b -> b.firstSequence() == firstSequence && b.lastSequence() == lastSequence)
                .findFirst();
    }

    /** The last offset this producer wrote (a batch or, when it has no batch at this epoch, -1). */
    public long lastOffset() {
        BatchMetadata last = batches.peekLast();
        return last == null ? -1 : last.lastOffset();
    }
}
