package io.cairn.server;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;

import io.cairn.broker.cluster.InterBrokerConnector;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * One Kafka request to one node on a fresh connection, answered or failed within a timeout. For tools and
 * tests that must ask a particular node (Kafka's clients route most requests to a node of their choosing).
 */
public final class OneRequest {

    private OneRequest() {
    }

    /** Sends {@code request} to {@code host:port} and returns the node's answer; IOException if none in time. */
    public static AbstractResponse send(String host, int port, AbstractRequest request, Duration timeout)
            throws IOException {
        return send(host, port, request, timeout, InterBrokerConnector.PLAINTEXT);
    }

    /** As above, over a connection {@code connector} opens (TLS, SASL). */
    public static AbstractResponse send(String host, int port, AbstractRequest request, Duration timeout,
                                        InterBrokerConnector connector) throws IOException {
        RequestHeader header = new RequestHeader(request.apiKey(), request.version(), "cairn-one-request", 1);
        ByteBuffer bytes = request.serializeWithHeader(header);
        int timeoutMs = (int) Math.max(1, timeout.toMillis());
        try (Socket socket = connector.connect(new InetSocketAddress(host, port), timeoutMs)) {
            socket.setSoTimeout(timeoutMs);
            byte[] frame = new byte[4 + bytes.remaining()];
            ByteBuffer.wrap(frame).putInt(bytes.remaining()).put(bytes);
            OutputStream out = socket.getOutputStream();
            out.write(frame);
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] body = new byte[in.readInt()];
            in.readFully(body);
            return AbstractResponse.parseResponse(ByteBuffer.wrap(body), header);
        }
    }
}
