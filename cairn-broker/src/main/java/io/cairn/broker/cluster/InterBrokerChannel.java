package io.cairn.broker.cluster;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small Kafka-protocol client a node uses to talk to other nodes' Kafka listeners: metadata operations and
 * heartbeats to the active controller, follower fetches, transaction markers and verifications to partition
 * leaders and coordinators. kafka-clients' own request classes, serialized with their header, pipelined on a
 * connection per address (responses matched by correlation id), opened by the node's {@link InterBrokerConnector}:
 * plain TCP, or TLS and SASL as the inter-broker listener requires. Broker heartbeats have a connection of
 * their own, as in Kafka: the listener answers a connection's requests in order, and a heartbeat must not
 * queue behind other operations (hundreds of ISR changes after a restart) while the broker's lease runs.
 *
 * <p>A heartbeat connection that the other side closes (its process was killed: its kernel closes its sockets at
 * once; a paused or partitioned node's stay open) is reported to {@link #onHeartbeatPeerClosed}'s listener: the
 * evidence a new controller uses against the previous one's broker (docs/adr/0020).
 *
 * <p>Thread-safe. Each connection has one daemon reader thread; a broken connection fails its pending
 * requests with the retriable {@link NetworkException} and is replaced on the next send.
 */
public final class InterBrokerChannel implements NodeChannel, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(InterBrokerChannel.class);
    /** Requests from this client id are forwarded operations: the receiver decides them locally. */
    public static final String CLIENT_ID_PREFIX = "cairn-forward-";
    private static final int CONNECT_TIMEOUT_MS = 2000;

    private final String clientId;
    private final String logPrefix;
    private final InterBrokerConnector connector;
    /** The last connection failure reported per address, so a peer that keeps refusing is logged once. */
    private final Map<InetSocketAddress, String> reportedFailures = new ConcurrentHashMap<>();
    private final Map<Lane, Connection> connections = new ConcurrentHashMap<>();
    private final AtomicInteger correlationIds = new AtomicInteger();
    private volatile boolean closed;
    private volatile Consumer<InetSocketAddress> heartbeatPeerClosed = address -> { };

    /** A channel to PLAINTEXT listeners. */
    public InterBrokerChannel(int nodeId) {
        this(nodeId, InterBrokerConnector.PLAINTEXT);
    }

    public InterBrokerChannel(int nodeId, InterBrokerConnector connector) {
        this.clientId = CLIENT_ID_PREFIX + nodeId;
        this.logPrefix = "[node " + nodeId + "] ";
        this.connector = connector;
    }

    /** Whether a request came from another node's forwarder (and must not be forwarded again). */
    public static boolean isForwarded(String clientId) {
        return clientId != null && clientId.startsWith(CLIENT_ID_PREFIX);
    }

    /** Whether a request with {@code clientId} was sent by node {@code nodeId}'s own channel. */
    public static boolean isFrom(String clientId, int nodeId) {
        return (CLIENT_ID_PREFIX + nodeId).equals(clientId);
    }

    /**
     * Sets who hears, with the other side's address, that a connection carrying this node's heartbeats was closed
     * by the other side (end of stream or reset while this side still used it), on the connection's reader thread.
     * Not called when this side closed it ({@link #disconnect}, {@link #close}).
     */
    @Override
    public void onHeartbeatPeerClosed(Consumer<InetSocketAddress> listener) {
        this.heartbeatPeerClosed = listener;
    }

    /** Sends a request at the newest version this build knows; completes with the parsed response. */
    @Override
    public CompletableFuture<AbstractResponse> send(InetSocketAddress address, AbstractRequest.Builder<?> builder) {
        if (closed) {
            return CompletableFuture.failedFuture(new NetworkException("inter-broker channel closed"));
        }
        Connection connection;
        try {
            Lane lane = new Lane(address, builder.apiKey() == ApiKeys.BROKER_HEARTBEAT);
            connection = connections.compute(lane, (l, existing) -> {
                if (existing != null && !existing.broken) {
                    return existing;
                }
                try {
                    return new Connection(l);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        } catch (java.io.UncheckedIOException e) {
            reportFailure(address, e.getCause());
            return CompletableFuture.failedFuture(new NetworkException("cannot connect to " + address + ": "
                    + e.getCause().getMessage()));
        }
        // Every node runs this build: the newest stable version both sides know.
        short version = (short) Math.min(builder.latestAllowedVersion(), builder.apiKey().latestVersion(false));
        AbstractRequest request = builder.build(version);
        RequestHeader header = new RequestHeader(request.apiKey(), version, clientId,
                correlationIds.incrementAndGet());
        return connection.send(header, request);
    }

    /**
     * A handshake or authentication the other node refuses is a configuration fault an operator must see, once per
     * address and message (the callers retry it every few hundred ms); a refused TCP connection is a node that is
     * down, and stays at DEBUG.
     */
    private void reportFailure(InetSocketAddress address, IOException e) {
        boolean security = e instanceof javax.net.ssl.SSLException || e instanceof javax.security.sasl.SaslException;
        String message = String.valueOf(e.getMessage());
        if (security && !message.equals(reportedFailures.put(address, message))) {
            LOG.warn("{}cannot connect to the inter-broker listener of {}: {}", logPrefix, address, message);
        } else {
            LOG.debug("{}cannot connect to {}: {}", logPrefix, address, message);
        }
    }

    /**
     * Drops the connections to {@code address} (a controller that no longer leads, a peer that stopped answering):
     * the requests pending there fail with the retriable {@link NetworkException}, so nothing waits on, or is kept
     * for, a node that may never answer. The next send to that address connects again.
     */
    @Override
    public void disconnect(InetSocketAddress address) {
        connections.entrySet().removeIf(entry -> {
            if (!entry.getKey().address().equals(address)) {
                return false;
            }
            entry.getValue().fail(new IOException("connections to " + address + " dropped"));
            return true;
        });
    }

    @Override
    public void close() {
        closed = true;
        connections.values().forEach(Connection::close);
        connections.clear();
    }

    private final class Connection {
        private final InetSocketAddress address;
        private final boolean heartbeats;
        private final Socket socket;
        private final OutputStream out;
        private final Map<Integer, Pending> pending = new ConcurrentHashMap<>();
        private volatile boolean broken;

        Connection(Lane lane) throws IOException {
            this.address = lane.address();
            this.heartbeats = lane.heartbeats();
            this.socket = connector.connect(address, CONNECT_TIMEOUT_MS);
            if (reportedFailures.remove(address) != null) {
                LOG.info("{}connected to the inter-broker listener of {} again", logPrefix, address);
            }
            this.out = socket.getOutputStream();
            Thread reader = new Thread(this::readLoop, "cairn-inter-broker-" + address.getPort());
            reader.setDaemon(true);
            reader.start();
        }

        CompletableFuture<AbstractResponse> send(RequestHeader header, AbstractRequest request) {
            CompletableFuture<AbstractResponse> future = new CompletableFuture<>();
            ByteBuffer payload;
            try {
                payload = request.serializeWithHeader(header);
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
            pending.put(header.correlationId(), new Pending(header, future));
            try {
                synchronized (this) {
                    byte[] frame = new byte[4 + payload.remaining()];
                    ByteBuffer.wrap(frame).putInt(payload.remaining()).put(payload);
                    out.write(frame);
                    out.flush();
                }
            } catch (IOException e) {
                fail(e);
            }
            if (broken) {
                fail(new IOException("connection to " + address + " is broken"));
            }
            return future;
        }

        private void readLoop() {
            try (DataInputStream in = new DataInputStream(socket.getInputStream())) {
                while (!broken) {
                    int size = in.readInt();
                    byte[] frame = new byte[size];
                    in.readFully(frame);
                    ByteBuffer buffer = ByteBuffer.wrap(frame);
                    int correlationId = buffer.getInt(0);
                    Pending p = pending.remove(correlationId);
                    if (p == null) {
                        LOG.debug("{}response with unknown correlation id {} from {}", logPrefix, correlationId,
                                address);
                        continue;
                    }
                    try {
                        p.future.complete(AbstractResponse.parseResponse(buffer, p.header));
                    } catch (RuntimeException e) {
                        p.future.completeExceptionally(e);
                    }
                }
            } catch (IOException e) {
                boolean byPeer = !broken;
                fail(e);
                if (byPeer && heartbeats && !closed) {
                    LOG.debug("{}{} closed the heartbeat connection: {}", logPrefix, address, e.toString());
                    heartbeatPeerClosed.accept(address);
                }
            }
        }

        private void fail(IOException e) {
            broken = true;
            pending.values().removeIf(p -> {
                p.future.completeExceptionally(new NetworkException("connection to " + address
                        + " failed: " + e.getMessage()));
                return true;
            });
            close();
        }

        void close() {
            broken = true;
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    private record Pending(RequestHeader header, CompletableFuture<AbstractResponse> future) {
    }

    /** One connection per address and kind of traffic. */
    private record Lane(InetSocketAddress address, boolean heartbeats) {
    }
}
