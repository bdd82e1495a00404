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
 */
public record PartitionChangeRecord(Uuid topicId, int partition, int partitionEpoch, int leader, List<Integer> isr,
                                    List<Integer> replicas) implements MetadataRecord {
    /** {@link #leader} value meaning "the leader does not change". */
    public static final int NO_CHANGE = -2;

    public PartitionChangeRecord {
        Objects.requireNonNull(topicId, "topicId");
        isr = isr == null ? null : List.copyOf(isr);
        replicas = replicas == null ? null : List.copyOf(replicas);
    }
}
