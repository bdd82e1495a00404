package io.cairn.broker.group;

import java.util.function.Supplier;

/**
 * Timers of one shard (session timeouts, rebalance timeouts, the initial rebalance delay), keyed so that
 * scheduling a key again replaces its previous timer. When a timer fires, the runtime runs its operation
 * on the shard's event loop and writes the records it returns, exactly as for a request.
 *
 * <p>Confined to the shard's event loop.
 */
public interface CoordinatorTimer {

    void schedule(String key, long delayMs, Supplier<CoordinatorResult<Void>> operation);

    void cancel(String key);

    boolean isScheduled(String key);
}
