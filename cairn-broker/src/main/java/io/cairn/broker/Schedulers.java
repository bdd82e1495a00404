package io.cairn.broker;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.server.util.Scheduler;

/**
 * Kafka's {@link Scheduler} with the contract of a stopped {@code ScheduledExecutorService}: a task handed to a
 * stopped scheduler is refused with a {@link RejectedExecutionException}, which the broker's components take as
 * "the node is closing" (Kafka's {@code KafkaScheduler} ignores it instead, logs it at INFO and returns a future
 * that is cancelled already: that is how a refusal is recognised here). Thread-safe (stateless).
 */
public final class Schedulers {

    private Schedulers() {
    }

    /**
     * Runs {@code task} once, {@code delayMs} from now.
     *
     * @throws RejectedExecutionException when the scheduler is stopped
     */
    public static ScheduledFuture<?> once(Scheduler scheduler, String name, Runnable task, long delayMs) {
        return accepted(name, scheduler.scheduleOnce(name, task, Math.max(0, delayMs)));
    }

    /**
     * Runs {@code task} {@code delayMs} from now, then every {@code periodMs} (at a fixed rate) until cancelled.
     *
     * @throws RejectedExecutionException when the scheduler is stopped
     */
    public static ScheduledFuture<?> periodic(Scheduler scheduler, String name, Runnable task, long delayMs,
                                              long periodMs) {
        if (periodMs <= 0) {
            throw new IllegalArgumentException("period " + periodMs + " ms of " + name);
        }
        return accepted(name, scheduler.schedule(name, task, Math.max(0, delayMs), periodMs));
    }

    /**
     * The scheduler as an executor (each task: a timer due now), for work that used to run on the scheduler's
     * threads. Under Kafka's {@code MockScheduler} a task runs in the caller's thread, at once.
     */
    public static Executor executor(Scheduler scheduler, String name) {
        return task -> once(scheduler, name, task, 0);
    }

    /**
     * Fails {@code future} with a {@link TimeoutException} when it is not complete {@code timeoutMs} from now on
     * the scheduler's clock, as {@link CompletableFuture#orTimeout} does on the wall clock; returns it. Once the
     * scheduler is stopped (the node is closing) the JDK's timer bounds it instead, so that nothing waits forever.
     */
    public static <T> CompletableFuture<T> orTimeout(Scheduler scheduler, String name, CompletableFuture<T> future,
                                                     long timeoutMs) {
        ScheduledFuture<?> timer = scheduler.scheduleOnce(name + "-timeout",
                () -> future.completeExceptionally(new TimeoutException()), Math.max(0, timeoutMs));
        if (timer.isCancelled()) {
            return future.orTimeout(timeoutMs, TimeUnit.MILLISECONDS);
        }
        future.whenComplete((v, e) -> timer.cancel(false));
        return future;
    }

    /**
     * Completes {@code future} with {@code value} when it is not complete {@code timeoutMs} from now on the
     * scheduler's clock, as {@link CompletableFuture#completeOnTimeout} does on the wall clock; returns it. Once the
     * scheduler is stopped the JDK's timer bounds it instead.
     */
    public static <T> CompletableFuture<T> completeOnTimeout(Scheduler scheduler, String name,
                                                             CompletableFuture<T> future, T value, long timeoutMs) {
        ScheduledFuture<?> timer = scheduler.scheduleOnce(name + "-timeout", () -> future.complete(value),
                Math.max(0, timeoutMs));
        if (timer.isCancelled()) {
            return future.completeOnTimeout(value, timeoutMs, TimeUnit.MILLISECONDS);
        }
        future.whenComplete((v, e) -> timer.cancel(false));
        return future;
    }

    private static ScheduledFuture<?> accepted(String name, ScheduledFuture<?> scheduled) {
        if (scheduled.isCancelled()) {
            throw new RejectedExecutionException(name + ": the scheduler is stopped");
        }
        return scheduled;
    }
}
