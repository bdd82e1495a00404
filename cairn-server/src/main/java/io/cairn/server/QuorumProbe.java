package io.cairn.server;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeQuorumResponseData.PartitionData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DescribeQuorumRequest;
import org.apache.kafka.common.requests.DescribeQuorumResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * Asks one node, on its Kafka listener, how its own metadata Raft member sees the quorum. A Cairn node answers
 * DescribeQuorum from its local Raft member, never by forwarding, so this tells whether that one node knows
 * the leader; Kafka's Admin client cannot be pinned to a node for this. One request on a fresh connection.
 */
public final class QuorumProbe {

    /** The node's view: the leader its Raft member follows ({@code -1}: none known) and that leader's term. */
    public record View(int leaderId, int term) {
        public boolean leaderKnown() {
            return leaderId >= 0;
        }
    }

    private static final TopicPartition METADATA_PARTITION = new TopicPartition("__cluster_metadata", 0);

    private QuorumProbe() {
    }

    /** One DescribeQuorum to {@code host:port}; throws IOException when the node does not answer in time. */
    public static View ask(String host, int port, Duration timeout) throws IOException {
        short version = ApiKeys.DESCRIBE_QUORUM.latestVersion(false);
        RequestHeader header = new RequestHeader(ApiKeys.DESCRIBE_QUORUM, version, "cairn-quorum-probe", 1);
        ByteBuffer request = new DescribeQuorumRequest.Builder(
                DescribeQuorumRequest.singletonRequest(METADATA_PARTITION)).build(version).serializeWithHeader(header);
        int timeoutMs = (int) Math.max(1, timeout.toMillis());
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), timeoutMs);
            socket.setSoTimeout(timeoutMs);
            OutputStream out = socket.getOutputStream();
            byte[] frame = new byte[4 + request.remaining()];
            ByteBuffer.wrap(frame).putInt(request.remaining()).put(request);
            out.write(frame);
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] body = new byte[in.readInt()];
            in.readFully(body);
            DescribeQuorumResponse response =
                    (DescribeQuorumResponse) AbstractResponse.parseResponse(ByteBuffer.wrap(body), header);
            if (response.data().topics().isEmpty() || response.data().topics().get(0).partitions().isEmpty()) {
                throw new IOException("DescribeQuorum from " + host + ":" + port + " failed: "
                        + Errors.forCode(response.data().errorCode()));
            }
            PartitionData partition = response.data().topics().get(0).partitions().get(0);
            if (partition.errorCode() != Errors.NONE.code()) {
                return new View(-1, -1);
            }
            return new View(partition.leaderId(), partition.leaderEpoch());
        }
    }
}
