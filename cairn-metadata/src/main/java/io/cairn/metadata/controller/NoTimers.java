package io.cairn.metadata.controller;

import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.server.util.Scheduler;

/**
 * A {@link Scheduler} that never runs anything: no lease ever expires and leadership is never rebalanced. This is
 * what a controller built without a scheduler uses (the single-node setup, where the only broker is in the same
 * process and needs no lease). Unlike a {@code KafkaScheduler} that was never started, it says nothing when a
 * task is scheduled. Thread-safe (stateless).
 */
final class NoTimers implements Scheduler {

    static final NoTimers INSTANCE = new NoTimers();

    /** What every schedule returns: a task that was called off before it could run. */
    private static final ScheduledFuture<Void> NEVER = new ScheduledFuture<>() {
        @Override
        public long getDelay(TimeUnit unit) {
            return Long.MAX_VALUE;
        }

        @Override
        public int compareTo(Delayed o) {
            return Long.compare(getDelay(TimeUnit.MILLISECONDS), o.getDelay(TimeUnit.MILLISECONDS));
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            return false;
        }

        @Override
        public boolean isCancelled() {
            return true;
        }

        @Override
        public boolean isDone() {
            return true;
        }

        @Override
        public Void get() {
            return null;
        }

        @Override
        public Void get(long timeout, TimeUnit unit) {
            return null;
        }
    };

    private NoTimers() {
    }

    @Override
    public ScheduledFuture<?> schedule(String name, Runnable task, long delayMs, long periodMs) {
        return NEVER;
    }

    @Override
    public void startup() {
    }

    @Override
    public void shutdown() {
    }

    @Override
    public void resizeThreadPool(int newSize) {
    }
}
