package io.cairn.broker.cluster;

import java.util.List;

/**
 * The metadata quorum as this node sees it, for DescribeQuorum and for routing. Implemented by the server
 * over the Raft log. Thread-safe.
 */
public interface QuorumView {

    /** The current metadata Raft leader (the node hosting the active controller), -1 when unknown. */
    int leaderId();

    /** A consistent-enough description of the quorum. */
    Status status();

    /**
     * @param term          the Raft term (Kafka's leader epoch of the metadata partition)
     * @param highWatermark the last index applied on this node
     */
    record Status(int leaderId, int term, long highWatermark, List<Voter> voters) {
        public Status {
            voters = List.copyOf(voters);
        }
    }

    /** A voter with its last known log end offset (-1 when unknown). */
    record Voter(int id, long logEndOffset) {
    }
}
