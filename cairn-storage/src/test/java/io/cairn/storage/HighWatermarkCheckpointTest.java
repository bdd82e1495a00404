package io.cairn.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HighWatermarkCheckpointTest {

    @TempDir
    Path dataDir;
    final ManualTime time = new ManualTime(1_000_000L);
    final ManualScheduler scheduler = new ManualScheduler(time);
    final TopicPartition orders = new TopicPartition("orders-eu", 3);
    final TopicPartition audit = new TopicPartition("audit", 0);

    private LogManager manager() {
        LogManager manager = new LogManager(dataDir, time, scheduler, 3_600_000L);
        manager.startup();
        return manager;
    }

    @Test
    void roundTripsInKafkasFormat() throws IOException {
        // given
        Map<TopicPartition, Long> hws = new LinkedHashMap<>();
        hws.put(orders, 42L);
        hws.put(audit, 0L);
        try (LogManager manager = manager()) {
            // when
            manager.checkpointHighWatermarks(hws);
        }
        // then
        assertThat(Files.readString(dataDir.resolve("replication-offset-checkpoint")))
                .isEqualTo("0\n2\norders-eu 3 42\naudit 0 0\n");
        try (LogManager manager = manager()) {
            assertThat(manager.readHighWatermarks()).isEqualTo(hws);
        }
    }

    @Test
    void aMissingFileReadsAsEmptyAndAMalformedOneFails() throws IOException {
        try (LogManager manager = manager()) {
            assertThat(manager.readHighWatermarks()).isEmpty();
            Files.writeString(dataDir.resolve("replication-offset-checkpoint"), "0\n2\norders-eu 3 42\n");
            assertThatThrownBy(manager::readHighWatermarks).isInstanceOf(KafkaStorageException.class);
        }
    }

    @Test
    void theSourceIsCheckpointedEveryFiveSecondsAndAtClose() {
        // given
        AtomicLong hw = new AtomicLong(7);
        LogManager manager = manager();
        manager.setHighWatermarkCheckpointSource(() -> Map.of(orders, hw.get()));
        // when / then: nothing before the interval
        time.advance(4_999);
        scheduler.runDue();
        assertThat(manager.readHighWatermarks()).isEmpty();
        time.advance(1);
        scheduler.runDue();
        assertThat(manager.readHighWatermarks()).isEqualTo(Map.of(orders, 7L));
        hw.set(9);
        time.advance(5_000);
        scheduler.runDue();
        assertThat(manager.readHighWatermarks()).isEqualTo(Map.of(orders, 9L));
        // and at close
        hw.set(11);
        manager.close();
        assertThat(manager.readHighWatermarks()).isEqualTo(Map.of(orders, 11L));
    }

    @Test
    void aFailingSourceDoesNotStopThePeriodicTask() {
        // given
        LogManager manager = manager();
        AtomicLong calls = new AtomicLong();
        manager.setHighWatermarkCheckpointSource(() -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("not ready");
            }
            return Map.of(audit, 3L);
        });
        // when
        time.advance(10_000);
        scheduler.runDue();
        // then
        assertThat(calls.get()).isEqualTo(2);
        assertThat(manager.readHighWatermarks()).isEqualTo(Map.of(audit, 3L));
        manager.close();
    }
}
