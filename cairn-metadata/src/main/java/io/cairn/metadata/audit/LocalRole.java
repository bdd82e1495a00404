package io.cairn.metadata.audit;

import java.util.Map;

/**
 * How a node acts for one partition it hosts: as leader or follower, at a leader epoch; as leader, which of
 * the partition's replicas outside the ISR it has no reason to keep out (each with the leader's evidence).
 * Immutable.
 *
 * @param unexplainedOutOfIsr replica id to evidence, for each assigned replica outside the ISR that the leader
 *                            sees fetching, caught up, eligible and with no ISR change in flight or refused;
 *                            empty for a follower
 */
public record LocalRole(boolean leader, int leaderEpoch, Map<Integer, String> unexplainedOutOfIsr) {

    public LocalRole {
        unexplainedOutOfIsr = Map.copyOf(unexplainedOutOfIsr);
    }

    public LocalRole(boolean leader, int leaderEpoch) {
        this(leader, leaderEpoch, Map.of());
    }
}
