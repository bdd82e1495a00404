package io.cairn.broker.replica;

import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Parked operations watched by key (a partition): {@link #checkAndComplete} on a key retries the
 * operations watching it; each one is also completed when its timeout passes.
 *
 * <p>Thread-safe.
 */
public final class DelayedOperations<K> {

    private final ConcurrentHashMap<K, Set<DelayedOperation>> watchers = new ConcurrentHashMap<>();
    private final ScheduledExecutorService scheduler;

    public DelayedOperations(ScheduledExecutorService scheduler) {
        this.scheduler = scheduler;
    }

    /**
     * Completes the operation now if it can, else watches it on every key until it completes or times out.
     * Whichever way it completes, it then stops being watched on every key and its timeout task is cancelled,
     * so a completed long poll or acks=all produce (with its request and response) is not kept until the
     * client's deadline, which may be days away.
     */
    public void tryCompleteElseWatch(DelayedOperation operation, Collection<K> keys, long timeoutMs) {
        if (operation.tryComplete()) {
            return;
        }
        for (K key : keys) {
            watchers.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet()).add(operation);
        }
        ScheduledFuture<?> timeout = scheduler.schedule(operation::forceComplete, timeoutMs, TimeUnit.MILLISECONDS);
        operation.whenCompleted(() -> {
            timeout.cancel(false);
            unwatch(operation, keys);
        });
        // Data may have arrived between the first check and the registration.
        operation.tryComplete();
    }

    /** Retries the operations watching this key; those that complete stop being watched. */
    public void checkAndComplete(K key) {
        Set<DelayedOperation> watching = watchers.get(key);
        if (watching == null) {
            return;
        }
        watching.removeIf(DelayedOperation::tryComplete);
    }

    /** The number of distinct watch entries, for metrics and tests. */
    public int watched() {
        return watchers.values().stream().mapToInt(Set::size).sum();
    }

    private void unwatch(DelayedOperation operation, Collection<K> keys) {
        for (K key : keys) {
            Set<DelayedOperation> watching = watchers.get(key);
            if (watching != null) {
                watching.remove(operation);
            }
        }
    }
}
