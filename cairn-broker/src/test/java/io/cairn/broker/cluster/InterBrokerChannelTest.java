package io.cairn.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.kafka.common.message.BrokerHeartbeatRequestData;
import org.apache.kafka.common.requests.BrokerHeartbeatRequest;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class InterBrokerChannelTest {

    private final List<InetSocketAddress> peerClosed = new CopyOnWriteArrayList<>();

    @Test
    void aHeartbeatConnectionClosedByTheOtherSideIsReportedAndOneClosedHereIsNot() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
             InterBrokerChannel channel = new InterBrokerChannel(2)) {
            channel.onHeartbeatPeerClosed(peerClosed::add);
            InetSocketAddress address = new InetSocketAddress(server.getInetAddress(), server.getLocalPort());

            // given a heartbeat connection this side drops (a controller that no longer leads)
            channel.send(address, heartbeat());
            try (Socket dropped = server.accept()) {
                channel.disconnect(address);
                assertThat(dropped.getInputStream().read(new byte[1024])).isPositive();
            }
            // when the next heartbeat connection is closed by the other side (its process killed)
            CompletableFuture<?> pending = channel.send(address, heartbeat());
            server.accept().close();

            // then only that close is reported, with the other side's address
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(pending::isDone);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !peerClosed.isEmpty());
            assertThat(peerClosed).containsExactly(address);
        }
    }

    private static BrokerHeartbeatRequest.Builder heartbeat() {
        return new BrokerHeartbeatRequest.Builder(new BrokerHeartbeatRequestData().setBrokerId(2).setBrokerEpoch(1));
    }
}
