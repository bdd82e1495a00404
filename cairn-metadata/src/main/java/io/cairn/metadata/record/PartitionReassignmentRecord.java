package io.cairn.metadata.record;

import java.util.List;
import java.util.Objects;

import org.apache.kafka.common.Uuid;

/**
 * Starts, completes or cancels a partition reassignment (KIP-455): sets the partition's whole assignment,
 * decided against {@code partitionEpoch}. Applies only when the partition is still at that epoch and the
 * assignment is consistent (replicas non-empty without duplicates; ISR, adding and removing replicas among the
 * replicas; adding and removing disjoint; the leader -1 or a replica); otherwise it is a no-op. It bumps the
 * partition epoch, and the leader epoch when the leader changes.
 *
 * <p>Added with reassignments; a node that does not know the type refuses the batch loudly rather than
 * silently ignoring it.
 *
 * @param replicas         the new replicas (during a reassignment: target first, then the removing ones)
 * @param isr              the new ISR, or null for no change
 * @param leader           the new leader, or {@link PartitionChangeRecord#NO_CHANGE}
 * @param addingReplicas   replicas being added (empty: none, or the reassignment is complete / cancelled)
 * @param removingReplicas replicas being removed (empty likewise)
 * @param reason           started, completed or cancelled
 * @param timeMs           when, on the controller's clock; -1 when unknown
 */
public record PartitionReassignmentRecord(Uuid topicId, int partition, int partitionEpoch, List<Integer> replicas,
                                          List<Integer> isr, int leader, List<Integer> addingReplicas,
                                          List<Integer> removingReplicas, ChangeReason reason, long timeMs)
        implements DecisionRecord {
    public PartitionReassignmentRecord {
        Objects.requireNonNull(topicId, "topicId");
        replicas = List.copyOf(replicas);
        isr = isr == null ? null : List.copyOf(isr);
        addingReplicas = addingReplicas == null ? List.of() : List.copyOf(addingReplicas);
        removingReplicas = removingReplicas == null ? List.of() : List.copyOf(removingReplicas);
    }

    /** A reassignment step decided for {@code reason}, to be stamped with the time when appended. */
    public PartitionReassignmentRecord(Uuid topicId, int partition, int partitionEpoch, List<Integer> replicas,
                                       List<Integer> isr, int leader, List<Integer> addingReplicas,
                                       List<Integer> removingReplicas, ChangeReason reason) {
        this(topicId, partition, partitionEpoch, replicas, isr, leader, addingReplicas, removingReplicas, reason, -1);
    }

    /** A reassignment step without a reason (tests; never written by the controller). */
    public PartitionReassignmentRecord(Uuid topicId, int partition, int partitionEpoch, List<Integer> replicas,
                                       List<Integer> isr, int leader, List<Integer> addingReplicas,
                                       List<Integer> removingReplicas) {
        this(topicId, partition, partitionEpoch, replicas, isr, leader, addingReplicas, removingReplicas, null, -1);
    }

    @Override
    public PartitionReassignmentRecord decidedAt(long time) {
        return new PartitionReassignmentRecord(topicId, partition, partitionEpoch, replicas, isr, leader,
                addingReplicas, removingReplicas, reason, time);
    }

    @Override
    public PartitionReassignmentRecord fromFormat1() {
        return new PartitionReassignmentRecord(topicId, partition, partitionEpoch, replicas, isr, leader,
                addingReplicas, removingReplicas, ChangeReason.UNKNOWN, -1);
    }
}
