package io.cairn.metadata.audit;

/**
 * How a node acts for one partition it hosts: as leader or follower, at a leader epoch. Immutable.
 */
public record LocalRole(boolean leader, int leaderEpoch) {
}
