package io.cairn.metadata.record;

import java.util.List;
import java.util.Objects;

import org.apache.kafka.common.Uuid;

/**
 * A change of a partition's leader, ISR or replicas, decided against {@code partitionEpoch}. Applies only
 * when the partition is still at that epoch (otherwise it was decided on stale state and is a no-op); it
 * then bumps the partition epoch, and the leader epoch when the leader changes.
 *
 * @param leader   the new leader, or {@link #NO_CHANGE}
 * @param isr      the new ISR, or null for no change
 * @param replicas the new replicas, or null for no change
 * @param reason   why the controller decided it
 * @param timeMs   when, on the controller's clock; -1 when unknown
 */
public record PartitionChangeRecord(Uuid topicId, int partition, int partitionEpoch, int leader, List<Integer> isr,
                                    List<Integer> replicas, ChangeReason reason, long timeMs)
        implements DecisionRecord {
    /** {@link #leader} value meaning "the leader does not change". */
    public static final int NO_CHANGE = -2;

    public PartitionChangeRecord {
        Objects.requireNonNull(topicId, "topicId");
        isr = isr == null ? null : List.copyOf(isr);
        replicas = replicas == null ? null : List.copyOf(replicas);
    }

    /** A change decided for {@code reason}, to be stamped with the time when appended. */
    public PartitionChangeRecord(Uuid topicId, int partition, int partitionEpoch, int leader, List<Integer> isr,
                                 List<Integer> replicas, ChangeReason reason) {
        this(topicId, partition, partitionEpoch, leader, isr, replicas, reason, -1);
    }

    /** A change without a reason (tests; never written by the controller). */
    public PartitionChangeRecord(Uuid topicId, int partition, int partitionEpoch, int leader, List<Integer> isr,
                                 List<Integer> replicas) {
        this(topicId, partition, partitionEpoch, leader, isr, replicas, null, -1);
    }

    @Override
    public PartitionChangeRecord decidedAt(long time) {
        return new PartitionChangeRecord(topicId, partition, partitionEpoch, leader, isr, replicas, reason, time);
    }

    @Override
    public PartitionChangeRecord fromFormat1() {
        return new PartitionChangeRecord(topicId, partition, partitionEpoch, leader, isr, replicas,
                ChangeReason.UNKNOWN, -1);
    }
}
