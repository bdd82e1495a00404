package io.cairn.broker.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Delayed;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.cairn.metadata.controller.SimQueue;
import org.apache.kafka.server.util.Scheduler;

/**
 * One incarnation of a node's process in the cluster simulation: the {@link Scheduler} and the event-loop
 * {@link Executor} its components are given, both events of the one {@link SimQueue}. A killed process runs
 * nothing more; a paused one holds every event that comes due and runs them, in order, when it resumes - its timers
 * are then stale, as a process stopped by SIGSTOP finds them. Not thread-safe: the simulation runs on one thread.
 */
final class SimProcess implements Scheduler {

    private final SimQueue queue;
    private boolean killed;
    private boolean paused;
    private final List<Runnable> held = new ArrayList<>();

    SimProcess(SimQueue queue) {
        this.queue = queue;
    }

    /** Whether this process runs its events now (neither killed nor paused). */
    boolean running() {
        return !killed && !paused;
    }

    boolean killed() {
        return killed;
    }

    boolean paused() {
        return paused;
    }

    void kill() {
        killed = true;
        held.clear();
    }

    void pause() {
        paused = true;
    }

    /** Resumes: the events held while paused run now, in the order they came due. */
    void resume() {
        if (killed || !paused) {
            return;
        }
        paused = false;
        List<Runnable> due = new ArrayList<>(held);
        held.clear();
        due.forEach(task -> queue.at(0, task));
    }

    /** Runs {@code task} in this process {@code delayMs} from now, as the process's event. */
    void at(long delayMs, Runnable task) {
        queue.at(delayMs, guarded(task, null));
    }

    /** The process's event loop: each task an event due now. */
    Executor executor() {
        return task -> at(0, task);
    }

    /**
     * The same event loop as an {@link ExecutorService}, for components that take one (the coordinators): it is
     * never shut down, since the process's end is its kill.
     */
    ExecutorService eventLoop() {
        return new AbstractExecutorService() {
            @Override
            public void execute(Runnable task) {
                at(0, task);
            }

            @Override
            public void shutdown() {
            }

            @Override
            public List<Runnable> shutdownNow() {
                return List.of();
            }

            @Override
            public boolean isShutdown() {
                return killed;
            }

            @Override
            public boolean isTerminated() {
                return killed;
            }

            @Override
            public boolean awaitTermination(long timeout, TimeUnit unit) {
                return killed;
            }
        };
    }

    private Runnable guarded(Runnable task, Timer timer) {
        return new Runnable() {
            @Override
            public void run() {
                if (killed || (timer != null && timer.cancelled)) {
                    return;
                }
                if (paused) {
                    held.add(this);
                    return;
                }
                task.run();
            }
        };
    }

    @Override
    public ScheduledFuture<?> schedule(String name, Runnable task, long delayMs, long periodMs) {
        Timer timer = new Timer(queue.now() + Math.max(0, delayMs));
        Runnable[] run = new Runnable[1];
        run[0] = guarded(() -> {
            task.run();
            if (periodMs > 0) {
                timer.atMs = queue.now() + periodMs;
                queue.at(periodMs, run[0]);
            } else {
                timer.ran = true;
            }
        }, timer);
        queue.at(delayMs, run[0]);
        return timer;
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

    /** A timer of this process: cancellable, never cancelled unless asked (a running scheduler took it). */
    private final class Timer implements ScheduledFuture<Void> {
        long atMs;
        boolean cancelled;
        boolean ran;

        Timer(long atMs) {
            this.atMs = atMs;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(atMs - queue.now(), TimeUnit.MILLISECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            return Long.compare(getDelay(TimeUnit.MILLISECONDS), o.getDelay(TimeUnit.MILLISECONDS));
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean was = cancelled || ran;
            cancelled = true;
            return !was;
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public boolean isDone() {
            return cancelled || ran;
        }

        @Override
        public Void get() {
            return null;
        }

        @Override
        public Void get(long timeout, TimeUnit unit) {
            return null;
        }
    }
}
