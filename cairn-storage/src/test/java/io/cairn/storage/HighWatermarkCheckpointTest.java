package io.cairn.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import ch.qos.logback.classic.Level;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.server.util.MockTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HighWatermarkCheckpointTest {

    @TempDir
    Path dataDir;
    /** Kafka's manual clock with its MockScheduler: moving the clock runs the log manager's timers that came due. */
    final MockTime time = new MockTime(1_000_000L, 1_000_000L * 1_000_000L);
    final TopicPartition orders = new TopicPartition("orders-eu", 3);
    final TopicPartition audit = new TopicPartition("audit", 0);

    private LogManager manager() {
        LogManager manager = new LogManager(dataDir, time, time.scheduler, 3_600_000L);
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
    void aMissingFileReadsAsEmpty() {
        try (LogManager manager = manager()) {
            assertThat(manager.readHighWatermarks()).isEmpty();
        }
    }

    /** Unreadable means absent: every partition starts without a checkpointed high watermark, none fails. */
    @ParameterizedTest
    @ValueSource(strings = {"0\n2\norders-eu 3 42\n", "1\n1\norders-eu 3 42\n", "0\n1\norders-eu three 42\n",
        "0\n1\norders-eu 3 42 7\n", "0\n1\norders-eu 3 -42\n", "0\n-1\n", "0\nx\n", "0\n", "", "\u0000\u0001garbage"})
    void aMalformedFileReadsAsEmptyWithOneWarning(String content) throws IOException {
        // given
        Path file = dataDir.resolve("replication-offset-checkpoint");
        try (LogManager manager = manager(); LogEvents events = LogEvents.capture()) {
            Files.writeString(file, content);
            // when
            Map<TopicPartition, Long> read = manager.readHighWatermarks();
            // then
            assertThat(read).isEmpty();
            assertThat(events.at(Level.WARN)).singleElement().asString().contains(file.toString());
            assertThat(manager.readHighWatermarks()).isEmpty();
            assertThat(events.at(Level.WARN)).hasSize(1);
            manager.checkpointHighWatermarks(Map.of(orders, 5L));
            assertThat(manager.readHighWatermarks()).isEqualTo(Map.of(orders, 5L));
        }
    }

    @Test
    void bytesThatAreNotTextReadAsEmpty() throws IOException {
        try (LogManager manager = manager()) {
            Files.write(dataDir.resolve("replication-offset-checkpoint"),
                    new byte[] {'0', '\n', '1', '\n', 'a', ' ', '0', ' ', (byte) 0xff, (byte) 0xfe, '\n'});
            assertThat(manager.readHighWatermarks()).isEmpty();
        }
    }

    @Test
    void theSourceIsCheckpointedEveryFiveSecondsAndAtClose() {
        // given
        AtomicLong hw = new AtomicLong(7);
        LogManager manager = manager();
        manager.setHighWatermarkCheckpointSource(() -> Map.of(orders, hw.get()));
        // when / then: nothing before the interval
        time.sleep(4_999);
        assertThat(manager.readHighWatermarks()).isEmpty();
        time.sleep(1);
        assertThat(manager.readHighWatermarks()).isEqualTo(Map.of(orders, 7L));
        hw.set(9);
        time.sleep(5_000);
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
        time.sleep(10_000);
        // then
        assertThat(calls.get()).isEqualTo(2);
        assertThat(manager.readHighWatermarks()).isEqualTo(Map.of(audit, 3L));
        manager.close();
    }
}
