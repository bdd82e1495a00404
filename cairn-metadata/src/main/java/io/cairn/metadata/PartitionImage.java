package io.cairn.metadata;

import java.util.List;

/**
 * One partition as the committed metadata describes it. Immutable.
 *
 * @param leader         the broker id of the leader, or -1 when the partition is offline
 * @param leaderEpoch    bumped on every leader change
 * @param partitionEpoch bumped on every change of this partition (leader, ISR, replicas)
 */
public record PartitionImage(int partition, List<Integer> replicas, List<Integer> isr, int leader, int leaderEpoch,
                             int partitionEpoch) {
    public PartitionImage {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
    }
}
