package io.cairn.metadata.controller;

import java.util.PriorityQueue;
import java.util.concurrent.Executor;

import org.apache.kafka.common.utils.MockTime;


/**
 * A deterministic discrete-event loop over a simulated clock: every event loop, timer, log delivery and
 * network message of a simulation is an event here, run one at a time in (time, submission) order. Not
 * thread-safe: a simulation runs on one thread.
 */
final class SimQueue {

    private static final class Event implements Comparable<Event> {
        final long atMs;
        final long seq;
        final Runnable task;
        boolean cancelled;

        Event(long atMs, long seq, Runnable task) {
            this.atMs = atMs;
            this.seq = seq;
            this.task = task;
        }

        @Override
        public int compareTo(Event o) {
            return atMs != o.atMs ? Long.compare(atMs, o.atMs) : Long.compare(seq, o.seq);
        }
    }

    final MockTime time = new MockTime(0, 1_000L, 1_000_000_000L);
    private final PriorityQueue<Event> events = new PriorityQueue<>();
    private long seq;

    long now() {
        return time.milliseconds();
    }

    /** Runs {@code task} {@code delayMs} from now (0: after the events already due now). */
    ControllerScheduler.Cancellable at(long delayMs, Runnable task) {
        Event e = new Event(now() + Math.max(0, delayMs), seq++, task);
        events.add(e);
        return () -> e.cancelled = true;
    }

    /** An event-loop executor: tasks run in submission order, as events due now. */
    Executor executor() {
        return task -> at(0, task);
    }

    ControllerScheduler scheduler() {
        return this::at;
    }

    /** Runs every event due up to {@code now() + ms}, moving the clock, then sets it there. */
    void advance(long ms) {
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
    void runDue() {
        advance(0);
    }
}
