package io.cairn.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.RejectedExecutionException;
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
}
