package io.cairn.bench;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;

import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * Metadata requests to one given node over a plain socket. An Admin client, even bootstrapped with a
 * single node, sends describeTopics to whichever known node is least loaded, so it cannot tell what
 * one particular node's metadata says; this can. Not thread-safe.
 */
final class NodeMetadata implements AutoCloseable {

    private static final int MAX_RESPONSE = 64 << 20;

    private final String hostPort;
    private final int timeoutMs;
    private Socket socket;
    private DataInputStream in;
    private DataOutputStream out;
    private int correlationId;

    NodeMetadata(String hostPort, int timeoutMs) {
        this.hostPort = hostPort;
        this.timeoutMs = timeoutMs;
    }

    /** Opens the connection now, so that it is not part of a later timed request. */
    void connect() throws IOException {
        if (socket != null) {
            return;
        }
        int colon = hostPort.lastIndexOf(':');
        Socket s = new Socket();
        try {
            s.connect(new InetSocketAddress(hostPort.substring(0, colon),
                    Integer.parseInt(hostPort.substring(colon + 1))), timeoutMs);
            s.setSoTimeout(timeoutMs);
            s.setTcpNoDelay(true);
        } catch (IOException e) {
            s.close();
            throw e;
        }
        socket = s;
        in = new DataInputStream(s.getInputStream());
        out = new DataOutputStream(s.getOutputStream());
    }

    /** This node's Metadata for the topics (no auto-creation). */
    MetadataResponse describe(List<String> topics) throws IOException {
        connect();
        try {
            short version = ApiKeys.METADATA.latestVersion();
            RequestHeader header = new RequestHeader(ApiKeys.METADATA, version, "cairn-bench-node", ++correlationId);
            ByteBuffer request = new MetadataRequest.Builder(topics, false).build(version).serializeWithHeader(header);
            out.writeInt(request.remaining());
            out.write(request.array(), request.arrayOffset() + request.position(), request.remaining());
            out.flush();
            int size = in.readInt();
            if (size < 0 || size > MAX_RESPONSE) {
                throw new IOException("bad response size " + size + " from " + hostPort);
            }
            byte[] body = new byte[size];
            in.readFully(body);
            return (MetadataResponse) AbstractResponse.parseResponse(ByteBuffer.wrap(body), header);
        } catch (IOException | RuntimeException e) {
            close(); // the next call reconnects
            throw e;
        }
    }

    /** Whether this node knows every topic with that many partitions, each with a leader. */
    boolean allHaveLeaders(List<String> topics, int partitions) throws IOException {
        int found = 0;
        for (MetadataResponse.TopicMetadata t : describe(topics).topicMetadata()) {
            if (t.error() != Errors.NONE || !topics.contains(t.topic()) || t.partitionMetadata().size() != partitions) {
                return false;
            }
            for (MetadataResponse.PartitionMetadata p : t.partitionMetadata()) {
                if (p.error != Errors.NONE && p.error != Errors.REPLICA_NOT_AVAILABLE || p.leaderId.isEmpty() || p.leaderId.get() < 0) {
                    return false;
                }
            }
            found++;
        }
        return found == topics.size();
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                // ignore
            }
            socket = null;
        }
    }
}
