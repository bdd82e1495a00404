package io.cairn.metadata.record;

import java.util.List;
import java.util.Objects;

import org.apache.kafka.common.Uuid;

/**
 * A new partition of an existing topic. A no-op when the topic is unknown or the partition exists.
 *
 * <p>{@code addingReplicas} / {@code removingReplicas} carry a reassignment in progress (only snapshots write
 * them); they are left out of the encoding when empty, so a partition without one encodes as before.
 *
 * @param reason why it was created ({@link ChangeReason#CREATED}), or null in a snapshot, which restates it
 * @param timeMs when it was decided, on the controller's clock; -1 when unknown
 */
public record PartitionRecord(Uuid topicId, int partition, List<Integer> replicas, List<Integer> isr, int leader,
                              int leaderEpoch, int partitionEpoch, List<Integer> addingReplicas,
                              List<Integer> removingReplicas, ChangeReason reason, long timeMs)
        implements DecisionRecord {
    public PartitionRecord {
        Objects.requireNonNull(topicId, "topicId");
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
        addingReplicas = addingReplicas == null ? List.of() : List.copyOf(addingReplicas);
        removingReplicas = removingReplicas == null ? List.of() : List.copyOf(removingReplicas);
    }

    /** A partition restated (a snapshot's content), not decided. */
    public PartitionRecord(Uuid topicId, int partition, List<Integer> replicas, List<Integer> isr, int leader,
                           int leaderEpoch, int partitionEpoch, List<Integer> addingReplicas,
                           List<Integer> removingReplicas) {
        this(topicId, partition, replicas, isr, leader, leaderEpoch, partitionEpoch, addingReplicas,
                removingReplicas, null, -1);
    }

    /** A partition with no reassignment in progress, restated (not decided). */
    public PartitionRecord(Uuid topicId, int partition, List<Integer> replicas, List<Integer> isr, int leader,
                           int leaderEpoch, int partitionEpoch) {
        this(topicId, partition, replicas, isr, leader, leaderEpoch, partitionEpoch, List.of(), List.of());
    }

    @Override
    public PartitionRecord decidedAt(long time) {
        return new PartitionRecord(topicId, partition, replicas, isr, leader, leaderEpoch, partitionEpoch,
                addingReplicas, removingReplicas, reason, time);
    }

    @Override
    public PartitionRecord fromFormat1() {
        return new PartitionRecord(topicId, partition, replicas, isr, leader, leaderEpoch, partitionEpoch,
                addingReplicas, removingReplicas, ChangeReason.UNKNOWN, -1);
    }
}
