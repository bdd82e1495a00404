package io.cairn.server;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;

import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;

/** One raw Kafka connection for tests that need exact control over requests. Not thread-safe. */
final class RawClient implements AutoCloseable {

    private final Socket socket;
    private int correlationId = 1;

    RawClient(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(30_000);
    }

    /** A request built from its data at a version, as kafka-clients would parse it. */
    static AbstractRequest request(ApiKeys key, ApiMessage data, short version) {
        ByteBuffer buffer = MessageUtil.toByteBufferAccessor(data, version).buffer();
        return AbstractRequest.parseRequest(key, version, new ByteBufferAccessor(buffer)).request;
    }

    /** A request as it goes on the wire: its size, its header, its body. */
    static ByteBuffer frame(AbstractRequest request, String clientId, int correlationId) {
        ByteBuffer body = request.serializeWithHeader(
                new RequestHeader(request.apiKey(), request.version(), clientId, correlationId));
        ByteBuffer frame = ByteBuffer.allocate(4 + body.remaining());
        frame.putInt(body.remaining()).put(body).flip();
        return frame;
    }

    ApiMessage call(ApiKeys key, ApiMessage data, short version) throws IOException {
        return call(request(key, data, version));
    }

    ApiMessage call(AbstractRequest request) throws IOException {
        RequestHeader header = new RequestHeader(request.apiKey(), request.version(), "raw-client", correlationId++);
        ByteBuffer frame = request.serializeWithHeader(header);
        DataOutputStream out = new DataOutputStream(socket.getOutputStream());
        out.writeInt(frame.remaining());
        out.write(frame.array(), frame.arrayOffset() + frame.position(), frame.remaining());
        out.flush();
        DataInputStream in = new DataInputStream(socket.getInputStream());
        byte[] bytes = new byte[in.readInt()];
        in.readFully(bytes);
        return AbstractResponse.parseResponse(ByteBuffer.wrap(bytes), header).data();
    }

    Socket socket() {
        return socket;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
