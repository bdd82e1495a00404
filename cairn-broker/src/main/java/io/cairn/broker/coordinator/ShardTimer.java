package io.cairn.broker.coordinator;

import java.util.function.Supplier;

/**
 * Timers of one shard, keyed so that scheduling a key again replaces its previous timer. When a timer fires, the
 * runtime runs its operation on the shard's event loop and writes what it returns, exactly as for a request, as
 * long as the shard still holds the same role.
 *
 * <p>Confined to the shard's event loop.
 *
 * @param <R> the shard's record type
 */
public interface ShardTimer<R extends StoredRecord> {

    void schedule(String key, long delayMs, Supplier<? extends CoordinatorWrite<R, Void>> operation);

    void cancel(String key);

    boolean isScheduled(String key);
}
