package io.cairn.metadata.controller;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The controller's timers (broker lease expiry, leader rebalance), injected so that a simulation can drive
 * them with a simulated clock. The controller re-posts every fired task to its event loop itself, so an
 * implementation may run {@code task} on any thread.
 *
 * <p>Implementations are thread-safe.
 */
public interface ControllerScheduler {

    /** A scheduled task that can be called off. */
    interface Cancellable {
        /** Cancels the task if it has not run yet. Idempotent. */
        void cancel();
    }

    /** Runs {@code task} once, after {@code delayMs} milliseconds of the controller's clock. */
    Cancellable schedule(long delayMs, Runnable task);

    /**
     * A scheduler that never runs anything: no lease ever expires and leadership is never rebalanced. This is
     * what a controller built without a scheduler uses (the single-node setup, where the only broker is in
     * the same process and needs no lease).
     */
    ControllerScheduler NONE = (delayMs, task) -> () -> {
    };

    /** A scheduler over a {@link ScheduledExecutorService} and the wall clock. */
    static ControllerScheduler of(ScheduledExecutorService executor) {
        return (delayMs, task) -> {
            ScheduledFuture<?> f = executor.schedule(task, Math.max(0, delayMs), TimeUnit.MILLISECONDS);
            return () -> f.cancel(false);
        };
    }
}
