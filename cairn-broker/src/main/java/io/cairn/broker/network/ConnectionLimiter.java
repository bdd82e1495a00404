package io.cairn.broker.network;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
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
 * <p>Before those caps, the node's and the listener's connection creation rates ({@link ConnectionCreationRate},
 * {@code max.connection.creation.rate}, KIP-612): a connection above them is held unread for the throttle time and
 * its listener accepts no other meanwhile (Kafka's acceptor waits), then it goes on to the checks below and is
 * served. Then the address's connection-creation rate quota ({@link ConnectionRateQuota}): a connection above it is
 * neither served nor counted, and is closed once its throttle time is over, as Kafka's acceptor holds it
 * ({@code DelayedCloseSocket}).
 *
 * <p>Thread-safe; one instance is shared by every connection of a listener.
 */
@ChannelHandler.Sharable
final class ConnectionLimiter extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ConnectionLimiter.class);
    private static final AttributeKey<InetAddress> COUNTED = AttributeKey.valueOf("cairn.connection.counted");
    /** The name of the listener that accepted a connection, set when its pipeline is built. */
    static final AttributeKey<String> LISTENER = AttributeKey.valueOf("cairn.connection.listener");

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
    private volatile ConnectionCreationRate creationRate;
    /** Connections held by the creation rate, by the listening channel that accepted them (guarded by this). */
    private final Map<Channel, Integer> heldByRate = new java.util.HashMap<>();
    private final AtomicInteger rateThrottled = new AtomicInteger();

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

    /** The node's and the listeners' connection creation rates (none until set). */
    void creationRate(ConnectionCreationRate rate) {
        this.creationRate = rate;
    }

    /** New caps, for connections accepted from now on; accepting pauses or resumes at the new max.connections. */
    void update(int maxConnections, int maxPerIp, Map<InetAddress, Integer> perIpOverrides) {
        this.limits = new Limits(maxConnections, maxPerIp, Map.copyOf(perIpOverrides));
        listeners.forEach(this::updateAccepting);
    }

    /** The listening channels, whose accepting is paused at max.connections (a cap for all of them, as Kafka's). */
    void listeners(List<Channel> channels) {
        this.listeners = channels;
        channels.forEach(this::updateAccepting);
    }

    /**
     * Accepting on a listening channel goes on unless the node is at max.connections or a connection it accepted is
     * held by the creation rate.
     */
    private synchronized void updateAccepting(Channel listener) {
        boolean accept = total.get() < limits.maxConnections() && heldByRate.getOrDefault(listener, 0) == 0;
        if (!accept) {
            listener.config().setAutoRead(false);
        } else if (!listener.config().isAutoRead()) {
            listener.config().setAutoRead(true);
            listener.read();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        ConnectionCreationRate rate = creationRate;
        String listenerName = ctx.channel().attr(LISTENER).get();
        if (rate != null && listenerName != null) {
            long nowMs = time.milliseconds();
            long delayMs = rate.recordAndGetThrottleTimeMs(listenerName, nowMs);
            if (delayMs > 0) {
                delay(ctx, listenerName, nowMs + delayMs, delayMs);
                return;
            }
        }
        admit(ctx);
    }

    /** After the creation rates: the address's quota, then the caps; serves the connection if it passes them. */
    private void admit(ChannelHandlerContext ctx) throws Exception {
        InetAddress address = ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress();
        long throttleTimeMs = rateQuota.recordAndGetThrottleTimeMs(address, time.milliseconds());
        if (throttleTimeMs > 0) {
            ConnectionCreationRate rate = creationRate;
            String listenerName = ctx.channel().attr(LISTENER).get();
            if (rate != null && listenerName != null) {
                rate.unrecord(listenerName, time.milliseconds());
            }
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
            listeners.forEach(this::updateAccepting);
        }
        super.channelActive(ctx);
    }

    /**
     * Holds a connection above the node's or its listener's creation rate unread until {@code endMs} (of this
     * limiter's clock, rechecked when the wait is over, as Kafka's acceptor does), its listener accepting no other
     * meanwhile; then admits it. Kafka's acceptor thread blocks for that time; here only the listening channel
     * pauses.
     */
    private void delay(ChannelHandlerContext ctx, String listenerName, long endMs, long delayMs) {
        ReadGate gate = ctx.pipeline().get(ReadGate.class);
        if (gate != null) {
            gate.set(ReadGate.Reason.THROTTLED, true);
        } else {
            ctx.channel().config().setAutoRead(false);
        }
        Channel listener = ctx.channel().parent();
        if (listener != null) {
            synchronized (this) {
                heldByRate.merge(listener, 1, Integer::sum);
            }
            updateAccepting(listener);
        }
        int count = rateThrottled.incrementAndGet();
        if (count == 1 || count % 1000 == 0) {
            log.info("{}Delaying a new connection on listener {} for {} ms: above max.connection.creation.rate "
                    + "({} delayed so far)", logPrefix, listenerName, delayMs, count);
        }
        ctx.executor().schedule(() -> endDelay(ctx, listener, endMs), delayMs, TimeUnit.MILLISECONDS);
    }

    private void endDelay(ChannelHandlerContext ctx, Channel listener, long endMs) {
        long remainingMs = endMs - time.milliseconds();
        if (remainingMs > 0) { // the acceptor waits its time out, whether or not the client is still there
            ctx.executor().schedule(() -> endDelay(ctx, listener, endMs), remainingMs,
                    TimeUnit.MILLISECONDS);
            return;
        }
        if (listener != null) {
            synchronized (this) {
                heldByRate.computeIfPresent(listener, (l, held) -> held <= 1 ? null : held - 1);
            }
            updateAccepting(listener);
        }
        if (!ctx.channel().isActive()) {
            return;
        }
        ReadGate gate = ctx.pipeline().get(ReadGate.class);
        if (gate != null) {
            gate.set(ReadGate.Reason.THROTTLED, false);
        } else {
            ctx.channel().config().setAutoRead(true);
        }
        try {
            admit(ctx);
        } catch (Exception e) {
            ctx.fireExceptionCaught(e);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        InetAddress address = ctx.channel().attr(COUNTED).getAndSet(null);
        if (address != null) {
            perIp.computeIfPresent(address, (a, count) -> count.decrementAndGet() <= 0 ? null : count);
            if (total.decrementAndGet() < limits.maxConnections()) {
                listeners.forEach(this::updateAccepting);
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
        ctx.executor().schedule(() -> ctx.close(), throttleTimeMs, TimeUnit.MILLISECONDS);
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

    /** Connections delayed by the creation rates so far, for tests. */
    int delayedByCreationRate() {
        return rateThrottled.get();
    }
}
