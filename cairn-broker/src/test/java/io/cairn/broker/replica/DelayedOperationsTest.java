package io.cairn.broker.replica;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.server.util.MockScheduler;
import org.apache.kafka.server.util.MockTime;
import org.junit.jupiter.api.Test;

class DelayedOperationsTest {

    private final MockTime time = new MockTime();
    private final Timers timers = new Timers(time);
    private final DelayedOperations<String> operations = new DelayedOperations<>(timers);

    /**
     * Kafka's MockScheduler, counting the timers scheduled and cancelled (its own futures ignore cancel: a
     * cancelled timeout still runs when the clock passes it, which an operation that completed ignores).
     */
    private static final class Timers extends MockScheduler {
        final AtomicInteger scheduled = new AtomicInteger();
        final AtomicInteger cancelled = new AtomicInteger();

        Timers(MockTime time) {
            super(time);
        }

        @Override
        public ScheduledFuture<?> schedule(String name, Runnable task, long delayMs, long periodMs) {
            scheduled.incrementAndGet();
            ScheduledFuture<?> future = super.schedule(name, task, delayMs, periodMs);
            return new java.util.concurrent.ScheduledFuture<Object>() {
                @Override
                public boolean cancel(boolean mayInterruptIfRunning) {
                    cancelled.incrementAndGet();
                    return future.cancel(mayInterruptIfRunning);
                }

                @Override
                public long getDelay(TimeUnit unit) {
                    return future.getDelay(unit);
                }

                @Override
                public int compareTo(java.util.concurrent.Delayed o) {
                    return future.compareTo(o);
                }

                @Override
                public boolean isCancelled() {
                    return future.isCancelled();
                }

                @Override
                public boolean isDone() {
                    return future.isDone();
                }

                @Override
                public Object get() {
                    return null;
                }

                @Override
                public Object get(long timeout, TimeUnit unit) {
                    return null;
                }
            };
        }

        int live() {
            return scheduled.get() - cancelled.get();
        }
    }

    /** Moves the clock and runs the timers that came due. */
    private void advance(long ms) {
        time.sleep(ms);
        timers.tick();
    }

    /** Completes once {@code ready} is set; counts its completions. */
    private static final class Waiting extends DelayedOperation {
        final AtomicBoolean ready = new AtomicBoolean();
        final AtomicInteger completions = new AtomicInteger();

        @Override
        protected boolean canComplete() {
            return ready.get();
        }

        @Override
        protected void onComplete() {
            completions.incrementAndGet();
        }
    }

    @Test
    void anOperationCompletedEarlyLeavesNoTimeoutTaskAndNoWatchOnAnyKey() {
        Waiting operation = new Waiting();
        operations.tryCompleteElseWatch(operation, List.of("a-0", "b-0"), TimeUnit.DAYS.toMillis(7));
        assertThat(operations.watched()).isEqualTo(2);
        assertThat(timers.live()).isEqualTo(1);

        operation.ready.set(true);
        operations.checkAndComplete("a-0");

        assertThat(operation.completions).hasValue(1);
        assertThat(operations.watched()).as("no longer watched on b-0 either").isZero();
        assertThat(timers.live()).as("the week-long timeout is cancelled").isZero();
        advance(TimeUnit.DAYS.toMillis(7));
        assertThat(operation.completions).as("completed once only").hasValue(1);
    }

    @Test
    void anOperationThatTimesOutCompletesOnceAndIsUnwatched() {
        Waiting operation = new Waiting();
        operations.tryCompleteElseWatch(operation, List.of("a-0", "b-0"), 20);

        advance(19);
        assertThat(operation.completions).hasValue(0);
        advance(1);
        assertThat(operation.completions).hasValue(1);
        assertThat(operations.watched()).isZero();
        operation.ready.set(true);
        operations.checkAndComplete("a-0");
        assertThat(operation.completions).hasValue(1);
    }

    @Test
    void anOperationThatCanCompleteAtOnceIsNeitherWatchedNorScheduled() {
        Waiting operation = new Waiting();
        operation.ready.set(true);
        operations.tryCompleteElseWatch(operation, List.of("a-0"), 60_000);
        assertThat(operation.completions).hasValue(1);
        assertThat(operations.watched()).isZero();
        assertThat(timers.scheduled).hasValue(0);
    }
}
