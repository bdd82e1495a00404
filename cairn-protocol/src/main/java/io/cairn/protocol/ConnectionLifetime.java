package io.cairn.protocol;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongConsumer;

/**
 * The connection a request came on, as far as a handler may know it: when it closes. Work parked for a request (a
 * long poll, an acks=all produce) listens, so that it ends when its client goes instead of at its timeout, which
 * may be minutes away, holding the request and its bytes meanwhile. Apache Kafka keeps such work until its timeout
 * and then drops the response.
 *
 * <p>It is also how a handler throttles its client (KIP-219): {@link #throttle} asks the network layer to stop
 * reading the connection for the throttle time, as Kafka mutes a throttled channel.
 *
 * <p>Thread-safe.
 */
public final class ConnectionLifetime {

    private static final ConnectionLifetime NEVER_CLOSES = new ConnectionLifetime();

    private final Set<Runnable> onClose = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    private volatile LongConsumer throttler = throttleTimeMs -> { };

    /** For work that comes on no client connection (tests, the node's own requests): nothing ever runs. */
    public static ConnectionLifetime neverCloses() {
        return NEVER_CLOSES;
    }

    /**
     * Runs {@code action} once, when the connection closes, at once if it has. Whoever registers must call the
     * returned runnable when its work ends first, so that a long-lived connection does not collect actions.
     */
    public Runnable onClose(Runnable action) {
        if (this == NEVER_CLOSES) {
            return () -> { };
        }
        onClose.add(action);
        if (closed && onClose.remove(action)) {
            action.run();
        }
        return () -> onClose.remove(action);
    }

    /** The network layer's call: the connection closed. Runs the registered actions on this thread. */
    public void close() {
        if (this == NEVER_CLOSES) {
            return;
        }
        closed = true;
        for (Runnable action : onClose) {
            if (onClose.remove(action)) {
                action.run();
            }
        }
    }

    /** The network layer's call: how {@link #throttle} pauses the connection's reads. */
    public void onThrottle(LongConsumer throttler) {
        if (this != NEVER_CLOSES) {
            this.throttler = throttler;
        }
    }

    /**
     * Stops reading the connection's requests for {@code throttleTimeMs} (a quota's throttle time); responses are
     * still sent. A later throttle that ends later extends it. Nothing happens for work on no connection.
     */
    public void throttle(long throttleTimeMs) {
        if (throttleTimeMs > 0) {
            throttler.accept(throttleTimeMs);
        }
    }

    public boolean isClosed() {
        return closed;
    }

    /** Actions registered and not yet run or forgotten, for tests. */
    int registered() {
        return onClose.size();
    }
}
