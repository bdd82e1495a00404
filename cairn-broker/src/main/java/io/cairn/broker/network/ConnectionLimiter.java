package io.cairn.broker.network;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka's connection caps: {@code max.connections.per.ip} (with {@code max.connections.per.ip.overrides}) closes a
 * new connection from an address that already has that many, at once, as Kafka does; at {@code max.connections}
 * the listener stops accepting until a connection closes (new ones wait in the kernel's accept queue), as Kafka's
 * acceptor blocks. The first refusal of an address and every 1,000th after it are logged at INFO. The limits can
 * change while it runs (dynamic broker configs): they apply to the connections accepted from then on; open ones
 * are kept, as in Kafka.
 *
 * <p>Before those caps, the address's connection-creation rate quota ({@link ConnectionRateQuota}, KIP-612): a
 * connection above it is neither served nor counted, and is closed once its throttle time is over, as Kafka's acceptor
 * holds it ({@code DelayedCloseSocket}).
 *
 * <p>Thread-safe; one instance is shared by every connection of a listener.
 */
@ChannelHandler.Sharable
final class ConnectionLimiter extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ConnectionLimiter.class);
    private static final AttributeKey<InetAddress> COUNTED = AttributeKey.valueOf("cairn.connection.counted");

    /** The caps in force; replaced whole when they change. */
    private record Limits(int maxConnections, int maxPerIp, Map<InetAddress, Integer> perIpOverrides) {
    }

    private volatile Limits limits;
    private final String logPrefix;
    private final AtomicInteger total = new AtomicInteger();
    private final Map<InetAddress, AtomicInteger> perIp = new ConcurrentHashMap<>();
    private final Map<InetAddress, AtomicInteger> refused = new ConcurrentHashMap<>();
    private final Map<InetAddress, AtomicInteger> throttledConnections = new ConcurrentHashMap<>();
    private volatile List<Channel> listeners = List.of();
    private final ConnectionRateQuota rateQuota;
    private final Time time;

    ConnectionLimiter(int maxConnections, int maxPerIp, Map<InetAddress, Integer> perIpOverrides, String logPrefix) {
        this(maxConnections, maxPerIp, perIpOverrides, logPrefix, ConnectionRateQuota.NONE, Time.SYSTEM);
    }

    ConnectionLimiter(int maxConnections, int maxPerIp, Map<InetAddress, Integer> perIpOverrides, String logPrefix,
                      ConnectionRateQuota rateQuota, Time time) {
        this.limits = new Limits(maxConnections, maxPerIp, Map.copyOf(perIpOverrides));
        this.logPrefix = logPrefix;
        this.rateQuota = rateQuota;
        this.time = time;
    }

    /** New caps, for connections accepted from now on; accepting pauses or resumes at the new max.connections. */
    void update(int maxConnections, int maxPerIp, Map<InetAddress, Integer> perIpOverrides) {
        this.limits = new Limits(maxConnections, maxPerIp, Map.copyOf(perIpOverrides));
        for (Channel current : listeners) {
            if (total.get() >= maxConnections) {
                current.config().setAutoRead(false);
            } else if (!current.config().isAutoRead()) {
                current.config().setAutoRead(true);
                current.read();
            }
        }
    }

    /** The listening channels, whose accepting is paused at max.connections (a cap for all of them, as Kafka's). */
    void listeners(List<Channel> channels) {
        this.listeners = channels;
        if (total.get() >= limits.maxConnections()) {
            channels.forEach(channel -> channel.config().setAutoRead(false));
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        InetAddress address = ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress();
        long throttleTimeMs = rateQuota.recordAndGetThrottleTimeMs(address, time.milliseconds());
        if (throttleTimeMs > 0) {
            hold(ctx, address, throttleTimeMs);
            return;
        }
        Limits current = limits;
        int maxConnections = current.maxConnections();
        int limit = current.perIpOverrides().getOrDefault(address, current.maxPerIp());
        AtomicInteger fromAddress = perIp.computeIfAbsent(address, a -> new AtomicInteger());
        if (fromAddress.incrementAndGet() > limit) {
            fromAddress.decrementAndGet();
            refuse(ctx, address, "it has " + limit + " connections already (max.connections.per.ip)");
            return;
        }
        int now = total.incrementAndGet();
        if (now > maxConnections) {
            // Accepted in the same batch as the one that reached the cap, before accepting paused.
            fromAddress.decrementAndGet();
            total.decrementAndGet();
            refuse(ctx, address, "the node has " + maxConnections + " connections (max.connections)");
            return;
        }
        ctx.channel().attr(COUNTED).set(address);
        if (now >= maxConnections) {
            listeners.forEach(listener -> listener.config().setAutoRead(false));
        }
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        InetAddress address = ctx.channel().attr(COUNTED).getAndSet(null);
        if (address != null) {
            perIp.computeIfPresent(address, (a, count) -> count.decrementAndGet() <= 0 ? null : count);
            if (total.decrementAndGet() < limits.maxConnections()) {
                for (Channel listener : listeners) {
                    if (!listener.config().isAutoRead()) {
                        listener.config().setAutoRead(true);
                        listener.read();
                    }
                }
            }
        }
        super.channelInactive(ctx);
    }

    /**
     * Holds a connection above its address's rate unread and unanswered for the throttle time, then closes it. It
     * is never passed on, so no handler behind this one sees it.
     */
    private void hold(ChannelHandlerContext ctx, InetAddress address, long throttleTimeMs) {
        ReadGate gate = ctx.pipeline().get(ReadGate.class);
        if (gate != null) {
            gate.set(ReadGate.Reason.THROTTLED, true);
        } else {
            ctx.channel().config().setAutoRead(false);
        }
        int count = throttledConnections.computeIfAbsent(address, a -> new AtomicInteger()).incrementAndGet();
        if (count == 1 || count % 1000 == 0) {
            log.info("{}Holding a new connection from {} for {} ms, then closing it: above its "
                    + "connection_creation_rate quota ({} throttled so far)", logPrefix, address.getHostAddress(),
                    throttleTimeMs, count);
        }
        ctx.executor().schedule(() -> ctx.close(), throttleTimeMs, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    private void refuse(ChannelHandlerContext ctx, InetAddress address, String why) {
        int count = refused.computeIfAbsent(address, a -> new AtomicInteger()).incrementAndGet();
        if (count == 1 || count % 1000 == 0) {
            log.info("{}Closing a new connection from {}: {} ({} refused so far)", logPrefix,
                    address.getHostAddress(), why, count);
        }
        ctx.close();
    }

    /** Open connections counted, for tests and metrics. */
    int connections() {
        return total.get();
    }
}
