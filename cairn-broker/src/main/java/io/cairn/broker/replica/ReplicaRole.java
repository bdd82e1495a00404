package io.cairn.broker.replica;

import java.util.List;

/**
 * What this node is for one partition, as the committed metadata says. Replaced whole on every
 * leadership change; only the {@link Leader} role accepts writes.
 */
public sealed interface ReplicaRole {

    int leaderEpoch();

    /** This node leads the partition at {@code leaderEpoch} with this in-sync replica set. */
    record Leader(int leaderEpoch, int partitionEpoch, List<Integer> isr, List<Integer> replicas)
            implements ReplicaRole {
    }

    /** Another node (or none, when {@code leaderId} is -1) leads the partition. */
    record Follower(int leaderEpoch, int leaderId) implements ReplicaRole {
    }
}
