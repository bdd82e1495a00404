package io.cairn.broker.handlers;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.cairn.broker.cluster.InterBrokerChannel;
import io.cairn.metadata.MetadataWriter;
import io.cairn.protocol.ConnectionLifetime;
import io.cairn.protocol.RequestContext;

/**
 * The connection each broker heartbeats this node on, watched so that the controller deciding those heartbeats
 * hears when it closes ({@link MetadataWriter#heartbeatConnectionClosed}): when a broker's process is killed its
 * kernel closes the connection at once, long before its lease expires (docs/adr/0020).
 *
 * <p>Only a heartbeat a broker sent itself counts: its inter-broker client id names the broker the heartbeat is
 * for ({@link InterBrokerChannel#isFrom}). One connection is watched per broker, the one its latest heartbeat came
 * on; a heartbeat on another connection replaces it, so a close is reported only for the connection the broker
 * currently heartbeats on, and a long-lived connection collects one close action per broker, not one per heartbeat.
 *
 * <p>Thread-safe.
 */
public final class HeartbeatConnections {

    private final Map<Integer, Watched> byBroker = new ConcurrentHashMap<>();

    /** A heartbeat of {@code brokerId} at {@code brokerEpoch} came on {@code context}'s connection to {@code writer}. */
    public void heartbeatOn(RequestContext context, int brokerId, long brokerEpoch, MetadataWriter writer) {
        ConnectionLifetime connection = context.connection();
        if (!InterBrokerChannel.isFrom(context.clientId(), brokerId) || connection.isClosed()) {
            return;
        }
        Watched current = byBroker.get(brokerId);
        if (current != null && current.connection == connection && current.brokerEpoch == brokerEpoch
                && current.writer == writer) {
            return;
        }
        Watched watched = new Watched(connection, brokerEpoch, writer);
        Watched replaced = byBroker.put(brokerId, watched);
        if (replaced != null) {
            replaced.forget.run();
        }
        watched.forget = connection.onClose(() -> {
            if (byBroker.remove(brokerId, watched)) {
                writer.heartbeatConnectionClosed(brokerId, brokerEpoch);
            }
        });
    }

    /** The connection a broker's heartbeats came on; {@code forget} drops its close action. */
    private static final class Watched {
        final ConnectionLifetime connection;
        final long brokerEpoch;
        final MetadataWriter writer;
        volatile Runnable forget = () -> { };

        Watched(ConnectionLifetime connection, long brokerEpoch, MetadataWriter writer) {
            this.connection = connection;
            this.brokerEpoch = brokerEpoch;
            this.writer = writer;
        }
    }
}
