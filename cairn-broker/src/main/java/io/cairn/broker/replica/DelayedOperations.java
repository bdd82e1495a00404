package io.cairn.broker.replica;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicInteger;

import io.cairn.broker.Schedulers;
import io.cairn.protocol.ConnectionLifetime;
import org.apache.kafka.server.util.Scheduler;

/**
 * Parked operations watched by key (a partition): {@link #checkAndComplete} on a key retries the
 * operations watching it, in the order they were parked (as Kafka's purgatory keeps them: the answers of
 * operations completed together go out in that order, the same in every run); each one is also completed when its
 * timeout passes.
 *
 * <p>Thread-safe.
 */
public final class DelayedOperations<K> {

    private final ConcurrentHashMap<K, ConcurrentLinkedQueue<DelayedOperation>> watchers = new ConcurrentHashMap<>();
    private final Scheduler scheduler;
    private final AtomicInteger pending = new AtomicInteger();

    public DelayedOperations(Scheduler scheduler) {
        this.scheduler = scheduler;
    }

    /**
     * Completes the operation now if it can, else watches it on every key until it completes or times out.
     * Whichever way it completes, it then stops being watched on every key and its timeout task is cancelled,
     * so a completed long poll or acks=all produce (with its request and response) is not kept until the
     * client's deadline, which may be days away.
     */
    public void tryCompleteElseWatch(DelayedOperation operation, Collection<K> keys, long timeoutMs) {
        tryCompleteElseWatch(operation, keys, timeoutMs, ConnectionLifetime.neverCloses());
    }

    /**
     * As above, for a client's request: the operation is also completed when the client's connection closes, so a
     * client that leaves does not leave its long polls or acks=all produces (and their requests) behind until their
     * timeouts.
     */
    public void tryCompleteElseWatch(DelayedOperation operation, Collection<K> keys, long timeoutMs,
                                     ConnectionLifetime connection) {
        if (operation.tryComplete()) {
            return;
        }
        pending.incrementAndGet();
        Set<K> distinct = new LinkedHashSet<>(keys);
        for (K key : distinct) {
            watchers.computeIfAbsent(key, k -> new ConcurrentLinkedQueue<>()).add(operation);
        }
        ScheduledFuture<?> timeout = Schedulers.once(scheduler, "delayed-operation-timeout", operation::forceComplete,
                timeoutMs);
        Runnable forgetConnection = connection.onClose(operation::forceComplete);
        operation.whenCompleted(() -> {
            timeout.cancel(false);
            forgetConnection.run();
            unwatch(operation, distinct);
            pending.decrementAndGet();
        });
        // Data may have arrived between the first check and the registration.
        operation.tryComplete();
    }

    /** Retries the operations watching this key; those that complete stop being watched. */
    public void checkAndComplete(K key) {
        ConcurrentLinkedQueue<DelayedOperation> watching = watchers.get(key);
        if (watching == null) {
            return;
        }
        watching.removeIf(DelayedOperation::tryComplete);
    }

    /** The operations parked now (Kafka's NumDelayedOperations), for metrics and tests. */
    public int pending() {
        return pending.get();
    }

    /** The number of distinct watch entries, for metrics and tests. */
    public int watched() {
        return watchers.values().stream().mapToInt(ConcurrentLinkedQueue::size).sum();
    }

    private void unwatch(DelayedOperation operation, Collection<K> keys) {
        for (K key : keys) {
            ConcurrentLinkedQueue<DelayedOperation> watching = watchers.get(key);
            if (watching != null) {
                watching.remove(operation);
            }
        }
    }
}
