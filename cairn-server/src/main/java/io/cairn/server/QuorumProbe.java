package io.cairn.server;

import java.io.IOException;
import java.time.Duration;

import io.cairn.broker.cluster.InterBrokerConnector;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeQuorumResponseData.PartitionData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeQuorumRequest;
import org.apache.kafka.common.requests.DescribeQuorumResponse;

/**
 * Asks one node, on its Kafka listener, how its own metadata Raft member sees the quorum. A Cairn node answers
 * DescribeQuorum from its local Raft member, never by forwarding, so this tells whether that one node knows
 * the leader; Kafka's Admin client cannot be pinned to a node for this ({@link OneRequest}).
 */
public final class QuorumProbe {

    /** The node's view: the leader its Raft member follows ({@code -1}: none known) and that leader's term. */
    public record View(int leaderId, int term) {
        public boolean leaderKnown() {
            return leaderId >= 0;
        }
    }

    /** The node's view with the metadata offset it applied; {@code leaderId} -1 when it knows no leader. */
    public record Status(int leaderId, int term, long appliedOffset) {
    }

    private static final TopicPartition METADATA_PARTITION = new TopicPartition("__cluster_metadata", 0);

    private QuorumProbe() {
    }

    /** One DescribeQuorum to {@code host:port}; throws IOException when the node does not answer in time. */
    public static View ask(String host, int port, Duration timeout) throws IOException {
        return ask(host, port, timeout, InterBrokerConnector.PLAINTEXT);
    }

    /** As above, over a connection {@code connector} opens (a secured listener). */
    public static View ask(String host, int port, Duration timeout, InterBrokerConnector connector)
            throws IOException {
        Status status = status(host, port, timeout, connector);
        return new View(status.leaderId(), status.term());
    }

    /** One DescribeQuorum to {@code host:port}: the leader its Raft member follows and what it has applied. */
    public static Status status(String host, int port, Duration timeout) throws IOException {
        return status(host, port, timeout, InterBrokerConnector.PLAINTEXT);
    }

    /** As above, over a connection {@code connector} opens (a secured listener). */
    public static Status status(String host, int port, Duration timeout, InterBrokerConnector connector)
            throws IOException {
        DescribeQuorumResponse response = (DescribeQuorumResponse) OneRequest.send(host, port,
                new DescribeQuorumRequest.Builder(DescribeQuorumRequest.singletonRequest(METADATA_PARTITION))
                        .build(ApiKeys.DESCRIBE_QUORUM.latestVersion(false)), timeout, connector);
        if (response.data().topics().isEmpty() || response.data().topics().get(0).partitions().isEmpty()) {
            throw new IOException("DescribeQuorum from " + host + ":" + port + " failed: "
                    + Errors.forCode(response.data().errorCode()));
        }
        PartitionData partition = response.data().topics().get(0).partitions().get(0);
        if (partition.errorCode() != Errors.NONE.code()) {
            return new Status(-1, -1, -1);
        }
        return new Status(partition.leaderId(), partition.leaderEpoch(), partition.highWatermark());
    }
}
