package io.cairn.broker.network;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes of requests a node holds, across all its connections: Kafka's {@code queued.max.request.bytes}. A
 * connection reserves a request's declared size when it has read its size prefix, before reading the rest, and
 * gives it back once the request's bytes are no longer needed (parsed, or a produce's records appended). While the
 * pool is spent, connections stop reading (see {@link RequestFrameDecoder}) and are woken when memory comes back.
 *
 * <p>As Kafka's {@code SimpleMemoryPool} in its non-strict mode (the one Kafka's socket server uses), a reservation
 * succeeds while any memory is left, even if less than it asks: so a request as large as
 * {@code socket.request.max.bytes} is never refused for good, and the pool may be overdrawn by at most one request.
 * Kafka's class allocates the buffer it counts; Netty allocates Cairn's as bytes arrive, so this one only counts.
 * Unbounded ({@link #unbounded()}, Kafka's default of -1), it still counts, for the metric, and refuses nothing.
 *
 * <p>Thread-safe.
 */
public final class RequestMemoryPool {

    private final long sizeBytes;
    private final AtomicLong available;
    private final AtomicLong refused = new AtomicLong();
    /** Connections waiting for memory; each is woken once, when some is back, and registers again if it lost. */
    private final ConcurrentLinkedQueue<Runnable> waiting = new ConcurrentLinkedQueue<>();

    /** @param sizeBytes queued.max.request.bytes; at most 0 for no bound */
    public RequestMemoryPool(long sizeBytes) {
        this.sizeBytes = sizeBytes <= 0 ? Long.MAX_VALUE : sizeBytes;
        this.available = new AtomicLong(this.sizeBytes);
    }

    public static RequestMemoryPool unbounded() {
        return new RequestMemoryPool(-1);
    }

    /** Takes {@code bytes} if any memory is left (the pool may go below zero by this much); else takes nothing. */
    boolean tryReserve(int bytes) {
        while (true) {
            long left = available.get();
            if (left <= 0) {
                refused.incrementAndGet();
                return false;
            }
            if (available.compareAndSet(left, left - bytes)) {
                return true;
            }
        }
    }

    /** Gives back what {@link #tryReserve} took and wakes the connections waiting for memory. */
    void release(int bytes) {
        if (available.addAndGet(bytes) > 0) {
            wakeWaiting();
        }
    }

    /** Runs {@code wakeup} once memory is available: at once if it is, else on a later {@link #release}. */
    void whenAvailable(Runnable wakeup) {
        waiting.add(wakeup);
        // A release between the caller's failed reservation and this registration has woken nobody: check again.
        if (available.get() > 0) {
            wakeWaiting();
        }
    }

    private void wakeWaiting() {
        Runnable next;
        while ((next = waiting.poll()) != null) {
            next.run();
        }
    }

    /** queued.max.request.bytes, or {@link Long#MAX_VALUE} when unbounded. */
    public long sizeBytes() {
        return sizeBytes;
    }

    /** What is left to reserve; below zero when the last reservation overdrew the pool (Kafka's MemoryPoolAvailable). */
    public long availableBytes() {
        return available.get();
    }

    /** The bytes of requests held now (Kafka's MemoryPoolUsed). */
    public long usedBytes() {
        return sizeBytes - available.get();
    }

    /** How many times a connection found no memory for its next request and stopped reading. */
    public long refusals() {
        return refused.get();
    }

    public boolean bounded() {
        return sizeBytes != Long.MAX_VALUE;
    }
}
