package io.cairn.broker.replica;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DelayedOperationsTest {

    private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
    private final DelayedOperations<String> operations;

    DelayedOperationsTest() {
        scheduler.setRemoveOnCancelPolicy(true);
        operations = new DelayedOperations<>(scheduler);
    }

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
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
        assertThat(scheduler.getQueue()).hasSize(1);

        operation.ready.set(true);
        operations.checkAndComplete("a-0");

        assertThat(operation.completions).hasValue(1);
        assertThat(operations.watched()).as("no longer watched on b-0 either").isZero();
        assertThat(scheduler.getQueue()).as("the week-long timeout is cancelled").isEmpty();
    }

    @Test
    void anOperationThatTimesOutCompletesOnceAndIsUnwatched() throws Exception {
        Waiting operation = new Waiting();
        operations.tryCompleteElseWatch(operation, List.of("a-0", "b-0"), 20);

        Awaitility.await().atMost(Duration.ofSeconds(5))
                .until(() -> operation.completions.get() == 1 && operations.watched() == 0);
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
        assertThat(scheduler.getQueue()).isEmpty();
    }
}
