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
import java.util.concurrent.ExecutionException;

import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.message.BrokerHeartbeatRequestData;
import org.apache.kafka.common.requests.BrokerHeartbeatRequest;
import org.apache.kafka.server.util.MockTime;
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

    @Test
    void aRequestThatGetsNoAnswerInTimeFailsAndItsConnectionIsDropped() throws Exception {
        MockTime time = new MockTime();
        try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
             InterBrokerChannel channel = new InterBrokerChannel(2)) {
            InetSocketAddress address = new InetSocketAddress(server.getInetAddress(), server.getLocalPort());

            // given a peer that accepts the connection and reads the request but never answers (its connection broke
            // silently: a host gone without a reset)
            CompletableFuture<?> unanswered = channel.send(address, heartbeat(), time.scheduler, 30_000);
            try (Socket silent = server.accept()) {
                assertThat(silent.getInputStream().read(new byte[1024])).isPositive();

                // when the timeout passes on the scheduler's clock, and not before
                time.sleep(29_999);
                assertThat(unanswered).isNotDone();
                time.sleep(1);

                // then the request fails with Kafka's retriable timeout, and its connection is closed from this side
                assertThat(unanswered).failsWithin(Duration.ZERO).withThrowableOfType(ExecutionException.class)
                        .withCauseInstanceOf(TimeoutException.class);
                silent.setSoTimeout(10_000);
                assertThat(silent.getInputStream().read()).as("end of stream").isEqualTo(-1);
            }
            // and the next request goes over a new connection
            channel.send(address, heartbeat(), time.scheduler, 30_000);
            try (Socket next = server.accept()) {
                assertThat(next.getInputStream().read(new byte[1024])).isPositive();
            }
        }
    }

    private static BrokerHeartbeatRequest.Builder heartbeat() {
        return new BrokerHeartbeatRequest.Builder(new BrokerHeartbeatRequestData().setBrokerId(2).setBrokerEpoch(1));
    }
}
