package io.cairn.broker.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

import io.cairn.broker.UnsupportedMetadataWriter;
import io.cairn.broker.cluster.InterBrokerChannel;
import io.cairn.protocol.ConnectionLifetime;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.Test;

class HeartbeatConnectionsTest {

    private final List<String> closed = new ArrayList<>();
    private final UnsupportedMetadataWriter controller = new UnsupportedMetadataWriter() {
        @Override
        public void heartbeatConnectionClosed(int brokerId, long brokerEpoch) {
            closed.add(brokerId + "@" + brokerEpoch);
        }
    };
    private final HeartbeatConnections connections = new HeartbeatConnections();

    private static RequestContext on(ConnectionLifetime connection, String clientId) {
        return new RequestContext(new RequestHeader(ApiKeys.BROKER_HEARTBEAT, (short) 1, clientId, 1),
                new InetSocketAddress("127.0.0.1", 1), "c", 0, connection, () -> { });
    }

    @Test
    void theConnectionABrokerHeartbeatsOnIsReportedOnceWhenItCloses() {
        // given
        ConnectionLifetime connection = new ConnectionLifetime();
        for (int i = 0; i < 3; i++) {
            connections.heartbeatOn(on(connection, InterBrokerChannel.CLIENT_ID_PREFIX + 2), 2, 7, controller);
        }
        // when
        connection.close();
        // then
        assertThat(closed).containsExactly("2@7");
    }

    @Test
    void onlyTheBrokersLatestConnectionAndOnlyItsOwnHeartbeatsCount() {
        // given broker 2 moved to a new connection, and a client that is not broker 2 heartbeats for it
        ConnectionLifetime old = new ConnectionLifetime();
        ConnectionLifetime current = new ConnectionLifetime();
        ConnectionLifetime other = new ConnectionLifetime();
        connections.heartbeatOn(on(old, InterBrokerChannel.CLIENT_ID_PREFIX + 2), 2, 7, controller);
        connections.heartbeatOn(on(current, InterBrokerChannel.CLIENT_ID_PREFIX + 2), 2, 7, controller);
        connections.heartbeatOn(on(other, InterBrokerChannel.CLIENT_ID_PREFIX + 3), 2, 7, controller);
        connections.heartbeatOn(on(other, "admin"), 2, 7, controller);
        // when
        old.close();
        other.close();
        // then
        assertThat(closed).isEmpty();
        current.close();
        assertThat(closed).containsExactly("2@7");
    }
}
