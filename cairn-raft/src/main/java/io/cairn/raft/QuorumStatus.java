package io.cairn.raft;

import java.util.List;

/**
 * The metadata quorum as one node sees it (DescribeQuorum).
 *
 * @param leaderId      the current Raft leader, -1 if unknown
 * @param term          the current Raft term (Kafka's leader epoch)
 * @param highWatermark the last index applied on this node
 * @param voters        each voter with its last known committed index (-1 when this node does not know)
 */
public record QuorumStatus(int leaderId, int term, long highWatermark, List<VoterStatus> voters) {
    public QuorumStatus {
        voters = List.copyOf(voters);
    }

    public record VoterStatus(int id, long logEndOffset) {
    }
}
