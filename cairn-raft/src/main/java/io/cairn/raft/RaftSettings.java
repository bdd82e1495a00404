package io.cairn.raft;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.cairn.metadata.record.MetadataRecordSerde;

/**
 * How a node runs its metadata Raft group.
 *
 * @param nodeId            this node's id; must be one of the voters
 * @param voters            every voter of the group (the whole cluster, for a small cluster)
 * @param dir               where Ratis keeps its log, votes and snapshots
 * @param electionTimeout   the minimum election timeout; the maximum is twice it. A one-voter group elects
 *                          itself after a short fixed timeout instead.
 * @param snapshotThreshold take a snapshot (and purge the log before it) every this many entries
 * @param tls               mutual TLS on the Raft port, or null: plaintext
 * @param maxBatchFormat    the newest metadata batch format this node reads ({@link MetadataRecordSerde#FORMAT_VERSION}
 *                          but for tests that make a node read as the release before format 2 does; docs/adr/0028)
 */
public record RaftSettings(int nodeId, List<Voter> voters, Path dir, Duration electionTimeout,
                           long snapshotThreshold, RaftTls tls, int maxBatchFormat) {

    public RaftSettings(int nodeId, List<Voter> voters, Path dir, Duration electionTimeout, long snapshotThreshold,
                        RaftTls tls) {
        this(nodeId, voters, dir, electionTimeout, snapshotThreshold, tls, MetadataRecordSerde.FORMAT_VERSION);
    }

    /** A plaintext Raft port. */
    public RaftSettings(int nodeId, List<Voter> voters, Path dir, Duration electionTimeout, long snapshotThreshold) {
        this(nodeId, voters, dir, electionTimeout, snapshotThreshold, null);
    }

    public RaftSettings {
        voters = List.copyOf(voters);
        if (maxBatchFormat < 1 || maxBatchFormat > MetadataRecordSerde.FORMAT_VERSION) {
            throw new IllegalArgumentException("metadata batch formats go from 1 to "
                    + MetadataRecordSerde.FORMAT_VERSION + ", not " + maxBatchFormat);
        }
        if (voters.stream().noneMatch(v -> v.id() == nodeId)) {
            throw new IllegalArgumentException("node " + nodeId + " is not one of the voters " + voters);
        }
    }

    public Voter self() {
        return voters.stream().filter(v -> v.id() == nodeId).findFirst().orElseThrow();
    }
}
