package io.cairn.broker.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import io.cairn.protocol.ApiRegistry;
import io.cairn.protocol.RequestDispatcher;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.utils.MockTime;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * max.connection.creation.rate on a real listener with real sockets, its clock a manual one: which connections are
 * served at once and which wait depends on that clock alone, not on how fast this machine is. A bound of 2 a second
 * (measured over 10 s) serves 20 connections at once; the 21st is accepted late, when the clock has moved on by its
 * throttle time, and served then; it is never closed.
 */
class ConnectionCreationRateIT {

    private final MockTime time = new MockTime(0, 1_000_000L, 0);
    private final ExecutorService requestThreads = Executors.newFixedThreadPool(2);
    private final List<Socket> sockets = new ArrayList<>();
    private KafkaServer server;
    private int port;

    @AfterEach
    void tearDown() throws IOException {
        for (Socket socket : sockets) {
            socket.close();
        }
        if (server != null) {
            server.close();
        }
        requestThreads.shutdownNow();
    }

    @Test
    void aConnectionAboveTheRateWaitsForTheClockAndIsThenServed() throws Exception {
        // given
        start(new ConnectionCreationRate.Limits(2, Map.of()));
        for (int i = 0; i < 20; i++) {
            assertThat(served(connect(), 30_000)).isTrue();
        }

        // when: the 21st connects and asks (the kernel completes the connection; the node holds it)
        Socket waiting = connect();
        send(waiting);

        // then: no answer while the clock stands still (500 ms of it are owed: (2.1 - 2) / 2 x 10 s) ...
        waiting.setSoTimeout(1_500);
        assertThatThrownBy(() -> read(waiting)).isInstanceOf(SocketTimeoutException.class);
        assertThat(server.connectionsDelayedByCreationRate()).isEqualTo(1);
        // ... and once it has moved on by that much, the connection is served, not closed
        time.sleep(499);
        assertThatThrownBy(() -> read(waiting)).isInstanceOf(SocketTimeoutException.class);
        time.sleep(1);
        waiting.setSoTimeout(30_000);
        assertThat(read(waiting)).isTrue();
    }

    @Test
    void aDynamicRateAppliesToTheNextConnections() throws Exception {
        // given: no bound
        start(ConnectionCreationRate.Limits.NONE);
        for (int i = 0; i < 30; i++) {
            assertThat(served(connect(), 30_000)).isTrue();
        }

        // when: the listener's own rate becomes 1 a second, which the 30 already exceed
        server.updateConnectionCreationRates(new ConnectionCreationRate.Limits(Integer.MAX_VALUE,
                Map.of("PLAINTEXT", 1)));
        Socket waiting = connect();
        send(waiting);

        // then
        waiting.setSoTimeout(1_500);
        assertThatThrownBy(() -> read(waiting)).isInstanceOf(SocketTimeoutException.class);
        time.sleep(1_000);
        waiting.setSoTimeout(30_000);
        assertThat(read(waiting)).isTrue();
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> server.connectionsDelayedByCreationRate() == 1);
    }

    private void start(ConnectionCreationRate.Limits limits) throws Exception {
        NetworkConfig config = new NetworkConfig("127.0.0.1", 0, 1 << 20, 600_000, 1, Integer.MAX_VALUE,
                Integer.MAX_VALUE, Map.of(), -1, limits, "PLAINTEXT");
        server = new KafkaServer(config, new RequestDispatcher(ApiRegistry.builder().build(), requestThreads, ""),
                time, "");
        Map<String, InetSocketAddress> bound = server.start(List.of(new ServedListener("PLAINTEXT",
                KafkaServer.bind("127.0.0.1", 0, ""), Optional.empty())));
        port = bound.get("PLAINTEXT").getPort();
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        sockets.add(socket);
        return socket;
    }

    private static boolean served(Socket socket, int timeoutMs) throws IOException {
        send(socket);
        socket.setSoTimeout(timeoutMs);
        return read(socket);
    }

    private static void send(Socket socket) throws IOException {
        ApiVersionsRequest request = new ApiVersionsRequest.Builder(new ApiVersionsRequestData()
                .setClientSoftwareName("rate-test").setClientSoftwareVersion("1"), (short) 3, (short) 3).build();
        ByteBuffer frame = request.serializeWithHeader(new RequestHeader(ApiKeys.API_VERSIONS, (short) 3, "rate-test",
                1));
        DataOutputStream out = new DataOutputStream(socket.getOutputStream());
        out.writeInt(frame.remaining());
        out.write(frame.array(), frame.arrayOffset() + frame.position(), frame.remaining());
        out.flush();
    }

    /** Reads one answer: true when a whole frame came; end of stream (closed) throws. */
    private static boolean read(Socket socket) throws IOException {
        DataInputStream in = new DataInputStream(socket.getInputStream());
        int length = in.readInt();
        in.readFully(new byte[length]);
        return length > 0;
    }
}
