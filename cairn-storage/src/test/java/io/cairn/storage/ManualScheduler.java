package io.cairn.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.common.utils.MockTime;

/**
 * A scheduler driven by a {@link MockTime}: periodic tasks run, on the calling thread, when the test
 * calls {@link #runDue()} after moving the clock. Only fixed-rate scheduling is supported. Not thread-safe.
 */
final class ManualScheduler extends AbstractExecutorService implements ScheduledExecutorService {

    private final MockTime time;
    private final List<Task> tasks = new ArrayList<>();
    private boolean shutdown;

    ManualScheduler(MockTime time) {
        this.time = time;
    }

    private final class Task implements ScheduledFuture<Object> {
        final Runnable command;
        final long periodMs;
        long nextMs;
        boolean cancelled;

        Task(Runnable command, long nextMs, long periodMs) {
            this.command = command;
            this.nextMs = nextMs;
            this.periodMs = periodMs;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(nextMs - time.milliseconds(), TimeUnit.MILLISECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            return Long.compare(getDelay(TimeUnit.MILLISECONDS), o.getDelay(TimeUnit.MILLISECONDS));
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            cancelled = true;
            return true;
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public boolean isDone() {
            return cancelled;
        }

        @Override
        public Object get() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Object get(long timeout, TimeUnit unit) {
            throw new UnsupportedOperationException();
        }
    }

    /** Runs every task that is due at the current time (periodic ones as often as they are due). */
    void runDue() {
        boolean ran = true;
        while (ran) {
            ran = false;
            for (Task task : List.copyOf(tasks)) {
                if (!task.cancelled && task.nextMs <= time.milliseconds()) {
                    task.nextMs += task.periodMs;
                    task.command.run();
                    ran = true;
                }
            }
        }
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        Task task = new Task(command, time.milliseconds() + unit.toMillis(initialDelay), unit.toMillis(period));
        tasks.add(task);
        return task;
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        return scheduleAtFixedRate(command, initialDelay, delay, unit);
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        throw new UnsupportedOperationException();
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void execute(Runnable command) {
        command.run();
    }

    @Override
    public void shutdown() {
        shutdown = true;
    }

    @Override
    public List<Runnable> shutdownNow() {
        shutdown = true;
        return List.of();
    }

    @Override
    public boolean isShutdown() {
        return shutdown;
    }

    @Override
    public boolean isTerminated() {
        return shutdown;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return true;
    }
}
