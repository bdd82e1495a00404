package io.cairn.broker.cluster;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;

import io.cairn.metadata.controller.SimQueue;
import io.cairn.protocol.ConnectionLifetime;
import io.cairn.protocol.KafkaRequest;
import io.cairn.protocol.RequestContext;
import io.cairn.protocol.RequestDecoder;
import io.cairn.protocol.RequestDispatcher;
import io.cairn.protocol.SerialExecutor;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.network.TransferableChannel;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * The network of the cluster simulation: connections between simulated nodes that carry Kafka requests and responses
 * as their real bytes (kafka-clients' serialization both ways) to the receiving node's real {@link RequestDispatcher}
 * and handlers, on that node's {@link SimProcess}. Every message is an event of the one {@link SimQueue}, delayed at
 * random (in order per connection and direction, as TCP keeps it), and, as the seed decides, lost or duplicated;
 * partitioned nodes exchange nothing (a connect across a partition times out). A killed node's connections close:
 * the other side sees the reset (its pending requests fail with the retriable {@link NetworkException}; a heartbeat
 * connection's close is reported, the evidence of docs/adr/0020) unless a partition lies between them. A paused
 * node's connections stay open and silent.
 *
 * <p>Node {@code i} listens on {@code 127.0.0.1:(BASE_PORT + i)}; nothing is bound. Not thread-safe.
 */
final class SimNetwork {

    static final int BASE_PORT = 9100;
    /** An external client (the test's CreateTopics callers): no node, never partitioned. */
    static final int CLIENT = -1;
    private static final long CONNECT_TIMEOUT_MS = 2000;

    /**
     * A node's serving side, as of its current incarnation. {@code serveDelayMs} is how long a request of an API
     * waits before it is served (a slow disk's toll on the data path), 0 for none.
     */
    record Server(SimProcess process, RequestDispatcher dispatcher, ToLongFunction<ApiKeys> serveDelayMs) {
    }

    private final SimQueue queue;
    private final Random random;
    private final Map<Integer, Server> servers = new HashMap<>();
    private final Map<Key, Conn> connections = new LinkedHashMap<>();
    /** Nodes cut off from every other node (clients still reach them). */
    final Set<Integer> isolated = new HashSet<>();
    double dropProbability;
    double duplicateProbability;
    int maxDelayMs = 50;
    int correlationIds;
    /** Counters, to show the faults happened. */
    int dropped;
    int duplicated;
    int resets;

    SimNetwork(SimQueue queue, Random random) {
        this.queue = queue;
        this.random = random;
    }

    static InetSocketAddress address(int nodeId) {
        return new InetSocketAddress("127.0.0.1", BASE_PORT + nodeId);
    }

    /** Node {@code nodeId}'s new incarnation serves from now on; the old one's connections are gone. */
    void serve(int nodeId, Server server) {
        servers.put(nodeId, server);
    }

    /** Whether messages between {@code a} and {@code b} are cut. */
    boolean cut(int a, int b) {
        return a != CLIENT && b != CLIENT && a != b && (isolated.contains(a) || isolated.contains(b));
    }

    /** A node's channel to the others. */
    NodeChannel channel(int nodeId, SimProcess process) {
        return new Channel(nodeId, process);
    }

    /**
     * An external client's request to node {@code nodeId}: answered, or failed with {@link NetworkException} when the
     * node's process is killed first, or with {@link TimeoutException} after {@code timeoutMs}.
     */
    CompletableFuture<AbstractResponse> clientCall(int nodeId, AbstractRequest.Builder<?> builder, long timeoutMs) {
        CompletableFuture<AbstractResponse> f = call(CLIENT, null, nodeId, builder);
        queue.at(timeoutMs, () -> f.completeExceptionally(new TimeoutException("client timeout")));
        return f;
    }

    /** Node {@code nodeId}'s process was killed: its connections close, seen by the other side unless cut off. */
    void killed(int nodeId) {
        List<Conn> closing = new ArrayList<>();
        connections.values().removeIf(c -> {
            if (c.from == nodeId || c.to == nodeId) {
                closing.add(c);
                return true;
            }
            return false;
        });
        for (Conn c : closing) {
            c.closed = true;
            if (cut(c.from, c.to)) {
                continue;
            }
            resets++;
            long delay = random.nextInt(maxDelayMs + 1);
            if (c.to == nodeId) {
                Runnable reset = () -> {
                    failPending(c, "connection reset by " + address(c.to));
                    if (c.lane == Lane.HEARTBEATS && c.owner != null) {
                        c.owner.heartbeatPeerClosed.accept(address(c.to));
                    }
                };
                if (c.clientProcess == null) {
                    queue.at(delay, reset);
                } else {
                    c.clientProcess.at(delay, reset);
                }
            } else {
                c.serverProcess.at(delay, c.lifetime::close);
            }
        }
    }

    private static void failPending(Conn c, String why) {
        List<Pending> pending = new ArrayList<>(c.pending.values());
        c.pending.clear();
        pending.forEach(p -> p.future.completeExceptionally(new NetworkException(why)));
    }

    private CompletableFuture<AbstractResponse> call(int from, Channel owner, int to,
                                                     AbstractRequest.Builder<?> builder) {
        boolean heartbeats = builder.apiKey() == ApiKeys.BROKER_HEARTBEAT;
        // As CairnNode: heartbeats and follower fetches have their own connections, so that a parked fetch or a
        // slow controller never holds the other requests up.
        Lane lane = heartbeats ? Lane.HEARTBEATS : builder.apiKey() == ApiKeys.FETCH ? Lane.FETCHES
                : from != CLIENT && TRANSACTION_APIS.contains(builder.apiKey()) ? Lane.TRANSACTIONS : Lane.REQUESTS;
        Key key = new Key(from, to, lane);
        Conn c = connections.get(key);
        Server server = servers.get(to);
        if (c == null || c.closed || server == null || c.serverProcess != server.process()) {
            if (server == null || server.process().killed()) {
                return CompletableFuture.failedFuture(new NetworkException("connection refused: " + address(to)));
            }
            if (cut(from, to)) {
                CompletableFuture<AbstractResponse> f = new CompletableFuture<>();
                owner.process.at(CONNECT_TIMEOUT_MS, () -> f.completeExceptionally(
                        new NetworkException("connect timed out: " + address(to))));
                return f;
            }
            c = new Conn(from, to, lane, owner, owner == null ? null : owner.process, server);
            connections.put(key, c);
        }
        short version = (short) Math.min(builder.latestAllowedVersion(), builder.apiKey().latestVersion(false));
        AbstractRequest request = builder.build(version);
        String clientId = from == CLIENT ? "sim-client" : InterBrokerChannel.CLIENT_ID_PREFIX + from;
        // the version built: a builder may cap it below the one asked for (EndTxn of a transaction version 1 client)
        RequestHeader header = new RequestHeader(request.apiKey(), request.version(), clientId, ++correlationIds);
        ByteBuffer bytes = request.serializeWithHeader(header);
        CompletableFuture<AbstractResponse> future = new CompletableFuture<>();
        c.pending.put(header.correlationId(), new Pending(header, future));
        Conn conn = c;
        // A client's write delivered twice would be two writes, which TCP never makes of one: only the broker's own
        // metadata requests (registration, heartbeats, AlterPartition; each idempotent or epoch-checked) are
        // duplicated. A follower's fetch is not either: its fetcher has one in flight and never sends it twice.
        boolean duplicable = builder.apiKey() != ApiKeys.CREATE_TOPICS && builder.apiKey() != ApiKeys.PRODUCE
                && builder.apiKey() != ApiKeys.FETCH && builder.apiKey() != ApiKeys.WRITE_TXN_MARKERS;
        transmit(conn, true, duplicable, () -> serveRequest(conn, bytes.duplicate()));
        return future;
    }

    /** One message over {@code c}: maybe lost, else delivered later (maybe twice), after those sent before it. */
    private void transmit(Conn c, boolean toServer, boolean duplicable, Runnable delivery) {
        boolean external = c.from == CLIENT;
        if (cut(c.from, c.to) || (!external && random.nextDouble() < dropProbability)) {
            dropped++;
            return;
        }
        int copies = !external && duplicable && random.nextDouble() < duplicateProbability ? 2 : 1;
        duplicated += copies - 1;
        for (int i = 0; i < copies; i++) {
            long at = Math.max(toServer ? c.lastToServerMs : c.lastToClientMs,
                    queue.now() + random.nextInt(maxDelayMs + 1));
            if (toServer) {
                c.lastToServerMs = at;
            } else {
                c.lastToClientMs = at;
            }
            queue.at(at - queue.now(), () -> {
                if (!c.closed && !cut(c.from, c.to)) {
                    delivery.run();
                }
            });
        }
    }

    /** The receiving node decodes the request and serves it with its real dispatcher, on its own process. */
    private void serveRequest(Conn c, ByteBuffer bytes) {
        KafkaRequest request = ((RequestDecoder.Decoded.Request) RequestDecoder.decode(bytes.duplicate())).request();
        c.lastServeMs = Math.max(c.lastServeMs, queue.now() + c.server.serveDelayMs().applyAsLong(request.header().apiKey()));
        c.serverProcess.at(c.lastServeMs - queue.now(), () -> {
            if (c.closed) {
                return;
            }
            RequestContext context = new RequestContext(request.header(), address(c.from), c.toString(),
                    queue.now(), c.lifetime, () -> { });
            c.server.dispatcher().dispatch(context, request, c.serial).thenAccept(send -> send.ifPresent(s -> {
                ByteBuffer frame = bytesOf(s);
                transmit(c, false, true, () -> deliverResponse(c, request.header().correlationId(), frame));
            }));
        });
    }

    private void deliverResponse(Conn c, int correlationId, ByteBuffer frame) {
        Runnable complete = () -> {
            Pending p = c.pending.remove(correlationId);
            if (p != null && !c.closed) {
                p.future.complete(AbstractResponse.parseResponse(frame.duplicate(), p.header));
            }
        };
        if (c.clientProcess == null) {
            complete.run();
        } else {
            c.clientProcess.at(0, complete);
        }
    }

    /** The response frame without its size prefix, as a connection's reader hands it on. */
    private static ByteBuffer bytesOf(Send send) {
        Collector out = new Collector();
        try {
            while (!send.completed()) {
                send.writeTo(out);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        ByteBuffer frame = ByteBuffer.wrap(out.bytes.toByteArray());
        frame.position(4);
        return frame.slice();
    }

    /** A node's {@link NodeChannel}: its requests, its drops, its heartbeat-close listener. */
    private final class Channel implements NodeChannel {
        final int nodeId;
        final SimProcess process;
        Consumer<InetSocketAddress> heartbeatPeerClosed = address -> { };

        Channel(int nodeId, SimProcess process) {
            this.nodeId = nodeId;
            this.process = process;
        }

        @Override
        public CompletableFuture<AbstractResponse> send(InetSocketAddress address, AbstractRequest.Builder<?> builder) {
            int to = address.getPort() - BASE_PORT;
            if (!servers.containsKey(to)) {
                return CompletableFuture.failedFuture(new NetworkException("no node at " + address));
            }
            return call(nodeId, this, to, builder);
        }

        @Override
        public void disconnect(InetSocketAddress address) {
            int to = address.getPort() - BASE_PORT;
            List<Conn> dropped = new ArrayList<>();
            connections.values().removeIf(c -> {
                // this channel's own connections: the follower fetches' are another channel's in a node
                if (c.from == nodeId && c.to == to && c.owner == this && c.lane != Lane.FETCHES) {
                    dropped.add(c);
                    return true;
                }
                return false;
            });
            for (Conn c : dropped) {
                c.closed = true;
                failPending(c, "connections to " + address + " dropped");
                if (!cut(c.from, c.to)) {
                    c.serverProcess.at(random.nextInt(maxDelayMs + 1), c.lifetime::close);
                }
            }
        }

        @Override
        public void onHeartbeatPeerClosed(Consumer<InetSocketAddress> listener) {
            this.heartbeatPeerClosed = listener;
        }
    }

    /** Which of a node's connections to another a request takes. */
    private enum Lane { REQUESTS, HEARTBEATS, FETCHES, TRANSACTIONS }

    /** What a node's transaction coordinator and produce path send to other nodes, over connections of their own. */
    private static final Set<ApiKeys> TRANSACTION_APIS = Set.of(ApiKeys.WRITE_TXN_MARKERS,
            ApiKeys.ADD_PARTITIONS_TO_TXN);

    private record Key(int from, int to, Lane lane) {
    }

    private record Pending(RequestHeader header, CompletableFuture<AbstractResponse> future) {
    }

    /** One connection, from a client incarnation to a server incarnation. */
    private static final class Conn {
        final int from;
        final int to;
        final Lane lane;
        final Channel owner;
        final SimProcess clientProcess;
        final SimProcess serverProcess;
        final Server server;
        final ConnectionLifetime lifetime = new ConnectionLifetime();
        final SerialExecutor serial = new SerialExecutor(Runnable::run);
        final Map<Integer, Pending> pending = new LinkedHashMap<>();
        long lastToServerMs;
        long lastToClientMs;
        /** When the last request delivered over this connection is served: a delayed one holds up those after it. */
        long lastServeMs;
        boolean closed;

        Conn(int from, int to, Lane lane, Channel owner, SimProcess clientProcess, Server server) {
            this.from = from;
            this.to = to;
            this.lane = lane;
            this.owner = owner;
            this.clientProcess = clientProcess;
            this.serverProcess = server.process();
            this.server = server;
        }

        @Override
        public String toString() {
            return from + "->" + to + switch (lane) {
                case REQUESTS -> "";
                case HEARTBEATS -> "/hb";
                case FETCHES -> "/fetch";
                case TRANSACTIONS -> "/txn";
            };
        }
    }

    /** Collects what a {@link Send} writes. */
    private static final class Collector implements TransferableChannel {
        final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();

        @Override
        public boolean hasPendingWrites() {
            return false;
        }

        @Override
        public long transferFrom(FileChannel file, long position, long count) throws IOException {
            ByteBuffer buffer = ByteBuffer.allocate((int) count);
            int read = file.read(buffer, position);
            write(buffer.flip());
            return read;
        }

        @Override
        public long write(ByteBuffer[] sources, int offset, int length) {
            long written = 0;
            for (int i = offset; i < offset + length; i++) {
                written += write(sources[i]);
            }
            return written;
        }

        @Override
        public long write(ByteBuffer[] sources) {
            return write(sources, 0, sources.length);
        }

        @Override
        public int write(ByteBuffer source) {
            int n = source.remaining();
            byte[] chunk = new byte[n];
            source.get(chunk);
            bytes.write(chunk, 0, n);
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
