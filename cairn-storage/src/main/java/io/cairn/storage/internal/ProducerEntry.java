package io.cairn.storage.internal;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * The state of one idempotent producer in one partition: its epoch and its last
 * {@link #MAX_BATCHES} batches, oldest first.
 *
 * <p>Not thread-safe; guarded by the owning log's append lock.
 */
public final class ProducerEntry {

    public static final int MAX_BATCHES = 5;

    private final short epoch;
    private final Deque<BatchMetadata> batches;

    public ProducerEntry(short epoch, List<BatchMetadata> batches) {
        this.epoch = epoch;
        this.batches = new ArrayDeque<>(batches);
    }

    public short epoch() {
        return epoch;
    }

    public List<BatchMetadata> batches() {
        return List.copyOf(batches);
    }

    public ProducerEntry copy() {
        return new ProducerEntry(epoch, List.copyOf(batches));
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

    public long lastOffset() {
        BatchMetadata last = batches.peekLast();
        return last == null ? -1 : last.lastOffset();
    }
}
