package io.cairn.metadata;

import java.util.List;

/**
 * One partition as the committed metadata describes it. Immutable.
 *
 * <p>During a reassignment (KIP-455) {@code replicas} is the union of the original and the target replicas
 * (target first, then the ones being removed); {@code addingReplicas} are the target replicas that were not
 * replicas before, {@code removingReplicas} the replicas that are not in the target. Both are empty when no
 * reassignment is in progress.
 *
 * @param leader         the broker id of the leader, or -1 when the partition is offline
 * @param leaderEpoch    bumped on every leader change
 * @param partitionEpoch bumped on every change of this partition (leader, ISR, replicas)
 */
public record PartitionImage(int partition, List<Integer> replicas, List<Integer> isr, int leader, int leaderEpoch,
                             int partitionEpoch, List<Integer> addingReplicas, List<Integer> removingReplicas) {
    public PartitionImage {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
        addingReplicas = addingReplicas == null ? List.of() : List.copyOf(addingReplicas);
        removingReplicas = removingReplicas == null ? List.of() : List.copyOf(removingReplicas);
    }

    /** A partition with no reassignment in progress. */
    public PartitionImage(int partition, List<Integer> replicas, List<Integer> isr, int leader, int leaderEpoch,
                          int partitionEpoch) {
        this(partition, replicas, isr, leader, leaderEpoch, partitionEpoch, List.of(), List.of());
    }

    /** Whether a reassignment is in progress (some replicas are being added or removed). */
    public boolean isReassigning() {
        return !addingReplicas.isEmpty() || !removingReplicas.isEmpty();
    }

    /** The replicas the reassignment moves to: {@code replicas} without the ones being removed. */
    public List<Integer> targetReplicas() {
        if (removingReplicas.isEmpty()) {
            return replicas;
        }
        return replicas.stream().filter(r -> !removingReplicas.contains(r)).toList();
    }
}
