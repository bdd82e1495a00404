package io.cairn.broker.network;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSession;

import io.cairn.protocol.RequestDispatcher;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultMessageSizeEstimator;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FileRegion;
import io.netty.channel.MessageSizeEstimator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.handler.timeout.IdleStateHandler;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka listeners: a Netty server speaking Kafka's size-prefixed framing on one or more sockets (PLAINTEXT,
 * SSL, ...), which share its event loops, connection caps and request memory. NIO transport, so that fetch
 * responses go out with sendfile through {@link io.cairn.protocol.SendFileRegion} on plaintext connections; a TLS
 * connection (Netty's {@link SslHandler} over an engine of {@link ServedListener.Tls}) copies them through
 * {@link io.cairn.protocol.SendChunks} instead, as the bytes must be encrypted. A SASL listener authenticates each
 * connection ({@link SaslAuthenticator}) before it serves its requests.
 *
 * <p>The listening socket is bound first, on its own ({@link #bind}), as early in a node's start as its
 * configuration is known, and served later ({@link #start}) once the handlers are built: meanwhile the kernel
 * completes the clients' connections and queues them, so a client that connects while the node starts waits
 * for its first answer instead of being refused and backing off (Kafka's clients back off exponentially, to a
 * second, after a refused connection).
 *
 * <p>Thread-safe: start and stop from any one thread.
 */
public final class KafkaServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KafkaServer.class);
    private static final int BACKLOG = 1024;
    /** Netty's estimate of a queued message's size, with a FileRegion counted at its length (Netty's: 0). */
    private static final MessageSizeEstimator RESPONSE_SIZE_ESTIMATOR = () -> message -> message instanceof FileRegion r
            ? r.count() > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) r.count()
            : DefaultMessageSizeEstimator.DEFAULT.newHandle().size(message);

    private final NetworkConfig config;
    private final RequestDispatcher dispatcher;
    private final Time time;
    private final String logPrefix;
    private final RequestMemoryPool memoryPool;
    private EventLoopGroup bossGroup;
    private EventLoopGroup workerGroup;
    private volatile ConnectionLimiter limiter;
    private volatile ConnectionCreationRate creationRate;
    private final List<Channel> serverChannels = new ArrayList<>();
    private final ConnectionRateQuota connectionRateQuota;

    public KafkaServer(NetworkConfig config, RequestDispatcher dispatcher, Time time, String logPrefix) {
        this(config, dispatcher, time, logPrefix, ConnectionRateQuota.NONE);
    }

    /** @param connectionRateQuota the ip entities' connection_creation_rate quota, asked for each new connection */
    public KafkaServer(NetworkConfig config, RequestDispatcher dispatcher, Time time, String logPrefix,
                       ConnectionRateQuota connectionRateQuota) {
        this.connectionRateQuota = connectionRateQuota;
        this.config = config;
        this.dispatcher = dispatcher;
        this.time = time;
        this.logPrefix = logPrefix;
        this.memoryPool = new RequestMemoryPool(config.queuedMaxRequestBytes());
    }

    /** queued.max.request.bytes: the bytes of requests this listener's connections hold now, and the bound. */
    public RequestMemoryPool memoryPool() {
        return memoryPool;
    }

    /**
     * Binds and listens on {@code host:port} (0: any free port) without serving yet: connections queue until
     * {@link #start} serves the socket. The caller closes it if it never starts a server on it.
     */
    public static ServerSocketChannel bind(String host, int port, String logPrefix) throws IOException {
        ServerSocketChannel socket = ServerSocketChannel.open();
        try {
            socket.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            socket.bind(new InetSocketAddress(host, port), BACKLOG);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
        InetSocketAddress bound = (InetSocketAddress) socket.getLocalAddress();
        log.info("{}Kafka listener bound to {}:{}", logPrefix, bound.getHostString(), bound.getPort());
        return socket;
    }

    /**
     * Serves sockets bound by {@link #bind}, which this server then owns (and closes); returns their addresses by
     * listener name. The connections queued since the bind are accepted now.
     */
    public Map<String, InetSocketAddress> start(List<ServedListener> listeners) throws InterruptedException {
        limiter = new ConnectionLimiter(config.maxConnections(), config.maxConnectionsPerIp(),
                resolve(config.perIpOverrides()), logPrefix, connectionRateQuota, time);
        creationRate = new ConnectionCreationRate(config.creationRates(),
                listeners.stream().map(ServedListener::name).toList(), config.interBrokerListener());
        limiter.creationRate(creationRate);
        bossGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        workerGroup = new MultiThreadIoEventLoopGroup(config.networkThreads(), NioIoHandler.newFactory());
        Map<String, InetSocketAddress> bound = new LinkedHashMap<>();
        for (ServedListener listener : listeners) {
            Channel channel = serve(listener);
            serverChannels.add(channel);
            InetSocketAddress address = (InetSocketAddress) channel.localAddress();
            bound.put(listener.name(), address);
            log.info("{}Kafka listener {} serving {}:{}{}", logPrefix, listener.name(), address.getHostString(),
                    address.getPort(), (listener.tls().isPresent() ? " (TLS)" : "")
                            + listener.sasl().map(sasl -> " (SASL " + String.join(",", sasl.mechanisms()) + ")")
                            .orElse(""));
        }
        limiter.listeners(List.copyOf(serverChannels));
        return bound;
    }

    private Channel serve(ServedListener listener) throws InterruptedException {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(bossGroup, workerGroup)
                .channelFactory(() -> new NioServerSocketChannel(listener.socket()))
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                // Responses are FileRegions, which Netty's default estimator counts as 0 bytes: count what they
                // hold, so that a client that does not read its responses makes its channel unwritable and is
                // muted (KafkaConnectionHandler) instead of piling them up.
                .childOption(ChannelOption.MESSAGE_SIZE_ESTIMATOR, RESPONSE_SIZE_ESTIMATOR)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.attr(ConnectionLimiter.LISTENER).set(listener.name());
                        ReadGate gate = new ReadGate();
                        SaslAuthenticator sasl = listener.sasl().map(settings -> new SaslAuthenticator(settings, time,
                                logPrefix, listener.name(), channel.remoteAddress(),
                                server -> listener.principals().sasl(server, tlsSession(channel),
                                        channel.remoteAddress()))).orElse(null);
                        channel.pipeline()
                                // first, so that it sees (and may hold) every handler's read calls
                                .addLast("gate", gate)
                                .addLast("limits", limiter);
                        if (listener.tls().isPresent()) {
                            // after the limits, so that a refused connection costs no handshake
                            channel.pipeline()
                                    .addLast("tls", new SslHandler(listener.tls().get().newEngine(channel.alloc(),
                                            channel.remoteAddress())))
                                    .addLast("chunks", new ChunkedWriteHandler());
                        }
                        channel.pipeline()
                                .addLast("idle", new IdleStateHandler(0, 0, config.connectionsMaxIdleMs(),
                                        TimeUnit.MILLISECONDS))
                                .addLast("frame", new RequestFrameDecoder(config.socketRequestMaxBytes(), memoryPool,
                                        gate, sasl))
                                .addLast("kafka", new KafkaConnectionHandler(dispatcher, time, logPrefix,
                                        config.socketRequestMaxBytes(), memoryPool, gate, listener.name(),
                                        listener.tls().isPresent(), sasl, listener.principals()));
                    }
                });
        // Registering an already bound channel makes it active at once: Netty starts accepting.
        return bootstrap.register().sync().channel();
    }

    /** The TLS session of a connection of an SSL or SASL_SSL listener (its handshake done), else empty. */
    static Optional<SSLSession> tlsSession(Channel channel) {
        SslHandler tls = channel.pipeline().get(SslHandler.class);
        return tls == null ? Optional.empty() : Optional.of(tls.engine().getSession());
    }

    /**
     * New connection caps (max.connections, max.connections.per.ip and its overrides changed dynamically): they
     * apply to connections accepted from now on. Resolves the overrides' host names, so not for an event loop.
     */
    public void updateConnectionLimits(int maxConnections, int maxConnectionsPerIp,
                                       java.util.Map<String, Integer> perIpOverrides) {
        ConnectionLimiter current = limiter;
        if (current != null) {
            current.update(maxConnections, maxConnectionsPerIp, resolve(perIpOverrides));
            log.info("{}Connection limits now max.connections={}, max.connections.per.ip={}, overrides {}",
                    logPrefix, maxConnections, maxConnectionsPerIp, perIpOverrides);
        }
    }

    /**
     * New connection creation rates (max.connection.creation.rate and its listener overrides changed
     * dynamically), for connections accepted from now on; one already waiting keeps its wait, as in Kafka.
     */
    public void updateConnectionCreationRates(ConnectionCreationRate.Limits limits) {
        ConnectionCreationRate current = creationRate;
        if (current != null && !current.limits().equals(limits)) {
            current.update(limits);
            log.info("{}Connection creation rates now max.connection.creation.rate={}, by listener {}", logPrefix,
                    limits.brokerRate(), limits.listenerRate());
        }
    }

    /** Connections whose accepting the creation rates delayed so far, for tests. */
    public int connectionsDelayedByCreationRate() {
        ConnectionLimiter current = limiter;
        return current == null ? 0 : current.delayedByCreationRate();
    }

    /** max.connections.per.ip.overrides names hosts or addresses; each resolves to its addresses when set. */
    private java.util.Map<java.net.InetAddress, Integer> resolve(java.util.Map<String, Integer> overrides) {
        java.util.Map<java.net.InetAddress, Integer> resolved = new java.util.HashMap<>();
        overrides.forEach((host, limit) -> {
            try {
                for (java.net.InetAddress address : java.net.InetAddress.getAllByName(host)) {
                    resolved.put(address, limit);
                }
            } catch (java.net.UnknownHostException e) {
                log.warn("{}max.connections.per.ip.overrides names {}, which does not resolve; ignored", logPrefix,
                        host);
            }
        });
        return resolved;
    }

    @Override
    public void close() {
        serverChannels.forEach(channel -> channel.close().syncUninterruptibly());
        if (bossGroup != null) {
            bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
