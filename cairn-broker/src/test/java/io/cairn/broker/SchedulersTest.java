package io.cairn.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.server.util.KafkaScheduler;
import org.apache.kafka.server.util.MockTime;
import org.junit.jupiter.api.Test;

class SchedulersTest {

    @Test
    void aStoppedSchedulerRefusesTasksAsAStoppedExecutorDid() throws InterruptedException {
        // given a scheduler that ran and was stopped (the node is closing)
        KafkaScheduler scheduler = new KafkaScheduler(1);
        scheduler.startup();
        scheduler.shutdown();
        AtomicInteger runs = new AtomicInteger();

        // when / then: a timer, a periodic timer and a task for its threads are refused, none runs
        assertThatThrownBy(() -> Schedulers.once(scheduler, "retry", runs::incrementAndGet, 10))
                .isInstanceOf(RejectedExecutionException.class).hasMessageContaining("retry");
        assertThatThrownBy(() -> Schedulers.periodic(scheduler, "check", runs::incrementAndGet, 10, 10))
                .isInstanceOf(RejectedExecutionException.class);
        assertThatThrownBy(() -> Schedulers.executor(scheduler, "wake").execute(runs::incrementAndGet))
                .isInstanceOf(RejectedExecutionException.class);
        assertThat(runs).hasValue(0);
    }

    @Test
    void aRunningSchedulerTakesThemOnItsClock() {
        // given Kafka's mock clock and scheduler
        MockTime time = new MockTime();
        AtomicInteger once = new AtomicInteger();
        AtomicInteger periodic = new AtomicInteger();
        AtomicInteger now = new AtomicInteger();

        // when
        Schedulers.once(time.scheduler, "retry", once::incrementAndGet, 10);
        Schedulers.periodic(time.scheduler, "check", periodic::incrementAndGet, 5, 5);
        Schedulers.executor(time.scheduler, "wake").execute(now::incrementAndGet);
        time.sleep(10);

        // then
        assertThat(now).as("due now: run at once").hasValue(1);
        assertThat(once).hasValue(1);
        assertThat(periodic).as("at 5 and 10 ms").hasValue(2);
    }

    @Test
    void timeoutsRunOnTheSchedulersClockAndEndWithTheFuture() {
        // given two futures bounded at 10 ms of the mock clock, and one completed before its bound
        MockTime time = new MockTime();
        CompletableFuture<String> failing = Schedulers.orTimeout(time.scheduler, "attempt", new CompletableFuture<>(), 10);
        CompletableFuture<String> defaulted = Schedulers.completeOnTimeout(time.scheduler, "wait",
                new CompletableFuture<>(), "late", 10);
        CompletableFuture<String> answered = Schedulers.orTimeout(time.scheduler, "answered", new CompletableFuture<>(), 10);
        answered.complete("on time");

        // when / then: nothing ends before the bound, however long the wall clock takes
        time.sleep(9);
        assertThat(failing).isNotDone();
        assertThat(defaulted).isNotDone();
        time.sleep(1);
        assertThat(failing).failsWithin(Duration.ZERO).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(TimeoutException.class);
        assertThat(defaulted).isCompletedWithValue("late");
        assertThat(answered).isCompletedWithValue("on time");
    }

    @Test
    void aStoppedSchedulersTimeoutFallsBackToTheWallClock() throws InterruptedException {
        // given a stopped scheduler (the node is closing)
        KafkaScheduler scheduler = new KafkaScheduler(1);
        scheduler.startup();
        scheduler.shutdown();

        // when / then: the bound still holds, so that nothing waits forever
        CompletableFuture<String> defaulted = Schedulers.completeOnTimeout(scheduler, "wait", new CompletableFuture<>(),
                "late", 1);
        assertThat(defaulted).succeedsWithin(Duration.ofSeconds(10)).isEqualTo("late");
        assertThat(Schedulers.orTimeout(scheduler, "attempt", new CompletableFuture<>(), 1))
                .failsWithin(Duration.ofSeconds(10)).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(TimeoutException.class);
    }
}
