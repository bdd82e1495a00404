package io.cairn.metadata.controller;

import java.util.PriorityQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.common.utils.MockTime;
import org.apache.kafka.server.util.Scheduler;


/**
 * A deterministic discrete-event loop over a simulated clock: every event loop, timer, log delivery and
 * network message of a simulation is an event here, run one at a time in (time, submission) order. It is the
 * {@link Scheduler} the simulated controllers are given, so their timers are events too. Not thread-safe: a
 * simulation runs on one thread. Public for the whole-cluster simulation of cairn-broker's tests (docs/adr/0036),
 * which shares it through this module's test jar.
 */
public final class SimQueue implements Scheduler {

    private final class Event implements ScheduledFuture<Void> {
        final long atMs;
        final long seq;
        final Runnable task;
        boolean cancelled;

        Event(long atMs, long seq, Runnable task) {
            this.atMs = atMs;
            this.seq = seq;
            this.task = task;
        }

        int order(Event o) {
            return atMs != o.atMs ? Long.compare(atMs, o.atMs) : Long.compare(seq, o.seq);
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(atMs - now(), TimeUnit.MILLISECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            return Long.compare(getDelay(TimeUnit.MILLISECONDS), o.getDelay(TimeUnit.MILLISECONDS));
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean was = cancelled;
            cancelled = true;
            return !was;
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public boolean isDone() {
            return cancelled || atMs < now();
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

    public final MockTime time = new MockTime(0, 1_000L, 1_000_000_000L);
    private final PriorityQueue<Event> events = new PriorityQueue<>(Event::order);
    private long seq;

    public long now() {
        return time.milliseconds();
    }

    /** Runs {@code task} {@code delayMs} from now (0: after the events already due now). */
    public ScheduledFuture<?> at(long delayMs, Runnable task) {
        Event e = new Event(now() + Math.max(0, delayMs), seq++, task);
        events.add(e);
        return e;
    }

    /** An event-loop executor: tasks run in submission order, as events due now. */
    public Executor executor() {
        return task -> at(0, task);
    }

    /** A timer: an event {@code delayMs} from now, and for {@code periodMs > 0} every period after it ran. */
    @Override
    public ScheduledFuture<?> schedule(String name, Runnable task, long delayMs, long periodMs) {
        if (periodMs <= 0) {
            return at(delayMs, task);
        }
        // Cancelling the first event stops the chain: each run checks it before scheduling the next.
        Event[] first = new Event[1];
        Runnable[] periodic = new Runnable[1];
        periodic[0] = () -> {
            if (!first[0].cancelled) {
                task.run();
                at(periodMs, periodic[0]);
            }
        };
        first[0] = (Event) at(delayMs, periodic[0]);
        return first[0];
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

    /** Runs every event due up to {@code now() + ms}, moving the clock, then sets it there. */
    public void advance(long ms) {
        long until = now() + ms;
        while (!events.isEmpty() && events.peek().atMs <= until) {
            Event e = events.poll();
            if (e.atMs > now()) {
                time.sleep(e.atMs - now());
            }
            if (!e.cancelled) {
                e.task.run();
            }
        }
        if (until > now()) {
            time.sleep(until - now());
        }
    }

    /** Runs the events due now (and those they add for now). */
    public void runDue() {
        advance(0);
    }
}
