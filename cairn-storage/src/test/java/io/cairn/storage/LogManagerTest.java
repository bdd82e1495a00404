package io.cairn.storage;

import static io.cairn.storage.TestLogs.batch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import ch.qos.logback.classic.Level;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.server.util.MockTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogManagerTest {

    @TempDir
    Path dataDir;
    /** Kafka's manual clock with its MockScheduler: moving the clock runs the log manager's timers that came due. */
    final MockTime time = new MockTime(1_000_000L, 1_000_000L * 1_000_000L);
    final TopicPartition tp = new TopicPartition("my-dashed-topic", 12);

    private LogManager manager() {
        LogManager manager = new LogManager(dataDir, time, time.scheduler, 3_600_000L);
        manager.startup();
        return manager;
    }

    @Test
    void rolledSegmentsAreFlushedOffTheAppendingThreadAndThenMoveTheRecoveryPoint() throws Exception {
        // given a log whose segments hold about one batch
        try (LogManager manager = manager()) {
            PartitionLog log = manager.getOrCreate(tp, Uuid.randomUuid(), TestLogs.withSegmentBytes(LogConfig.defaults(), 100));
            // when
            log.appendAsLeader(batch(10L, "a", "b"), 0);
            log.appendAsLeader(batch(10L, "c"), 0);
            log.appendAsLeader(batch(10L, "d"), 0);
            // then the flusher thread moves the recovery point to the last roll
            assertThat(log.segmentCount()).isEqualTo(3);
            Path checkpoint = dataDir.resolve("my-dashed-topic-12").resolve("recovery-point-offset-checkpoint");
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!(Files.exists(checkpoint) && Files.readString(checkpoint).equals("0\n3\n"))
                    && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(Files.readString(checkpoint)).isEqualTo("0\n3\n");
        }
    }

    @Test
    void createsLogsInTopicPartitionDirectoriesAndReloadsThem() {
        // given
        Uuid topicId = Uuid.randomUuid();
        try (LogManager manager = manager()) {
            manager.getOrCreate(tp, topicId, LogConfig.defaults()).appendAsLeader(batch(10L, "a", "b"), 0);
            assertThat(manager.getOrCreate(tp, topicId, LogConfig.defaults()).logEndOffset()).isEqualTo(2);
        }
        // when
        try (LogManager manager = manager()) {
            // then
            assertThat(Files.isDirectory(dataDir.resolve("my-dashed-topic-12"))).isTrue();
            assertThat(manager.get(tp)).hasValueSatisfying(log -> {
                assertThat(log.logEndOffset()).isEqualTo(2);
                assertThat(log.topicId()).isEqualTo(topicId);
            });
            assertThat(manager.all()).hasSize(1);
        }
    }

    @Test
    void aNewPartitionCreatesOnlyItsTopicIdAndLogFileUntilItsFirstIndexEntry() throws Exception {
        // given
        Uuid topicId = Uuid.randomUuid();
        Path dir = dataDir.resolve("my-dashed-topic-12");
        try (LogManager manager = manager()) {
            // when
            PartitionLog log = manager.getOrCreate(tp, topicId, TestLogs.withIndexInterval(LogConfig.defaults(), 1));
            // then
            assertThat(fileNames(dir)).containsExactlyInAnyOrder("partition.metadata", "00000000000000000000.log");
            // when two batches are appended (the second gets an index entry)
            log.appendAsLeader(batch(10L, "a"), 0);
            log.appendAsLeader(batch(20L, "b"), 0);
            // then
            assertThat(fileNames(dir)).contains("00000000000000000000.index", "00000000000000000000.timeindex");
            assertThat(TestLogs.values(log.read(1, 1000, Long.MAX_VALUE, true).records())).containsExactly("b");
        }
    }

    @Test
    void aNewPartitionAbandonedWithoutCloseReopensWithItsRecordsAndTopicId() throws Exception {
        // given a new log that was never closed (as after kill -9), with a record and no index file
        Uuid topicId = Uuid.randomUuid();
        Path dir = dataDir.resolve("my-dashed-topic-12");
        PartitionLog created = PartitionLog.create(dir, tp, topicId, LogConfig.defaults(), time);
        created.appendAsLeader(batch(10L, "a"), 0);
        // when
        try (LogManager manager = manager()) {
            // then
            assertThat(manager.get(tp)).hasValueSatisfying(log -> {
                assertThat(log.topicId()).isEqualTo(topicId);
                assertThat(log.logEndOffset()).isEqualTo(1);
                assertThat(TestLogs.values(log.read(0, 1000, Long.MAX_VALUE, true).records())).containsExactly("a");
            });
        }
    }

    private static List<String> fileNames(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).toList();
        }
    }

    @Test
    void getOrCreateReplacesALogOfAnotherTopicId() {
        // given
        try (LogManager manager = manager()) {
            manager.getOrCreate(tp, Uuid.randomUuid(), LogConfig.defaults()).appendAsLeader(batch(10L, "old"), 0);
        }
        try (LogManager manager = manager()) {
            // when
            Uuid newId = Uuid.randomUuid();
            PartitionLog log = manager.getOrCreate(tp, newId, LogConfig.defaults());
            // then
            assertThat(log.topicId()).isEqualTo(newId);
            assertThat(log.logEndOffset()).isZero();
        }
    }

    @Test
    void deleteRemovesTheDirectory() {
        try (LogManager manager = manager()) {
            // given
            manager.getOrCreate(tp, Uuid.randomUuid(), LogConfig.defaults()).appendAsLeader(batch(10L, "a"), 0);
            // when
            manager.delete(tp);
            // then
            assertThat(manager.get(tp)).isEmpty();
            assertThat(Files.exists(dataDir.resolve("my-dashed-topic-12"))).isFalse();
        }
    }

    @Test
    void skipsDirectoriesThatNameNoPartition() throws Exception {
        // given
        Files.createDirectories(dataDir.resolve("not_a_partition"));
        // when
        try (LogManager manager = manager()) {
            // then
            assertThat(manager.all()).isEmpty();
        }
    }

    @Test
    void parsesThePartitionFromTheLastDash() {
        assertThat(LogManager.parsePartitionDir("a-b-7")).contains(new TopicPartition("a-b", 7));
        assertThat(LogManager.parsePartitionDir("a-b-")).isEmpty();
        assertThat(LogManager.parsePartitionDir("-3")).isEmpty();
        assertThat(LogManager.parsePartitionDir("topic-x")).isEmpty();
    }

    @Test
    void closeLeavesLogsCleanlyShutDown() {
        // given
        LogManager manager = manager();
        manager.getOrCreate(tp, Uuid.randomUuid(), LogConfig.defaults());
        // when
        manager.close();
        // then
        assertThat(Files.exists(dataDir.resolve("my-dashed-topic-12").resolve(".clean-shutdown"))).isTrue();
    }

    @Test
    void aLogThatCannotLoadTakesOnlyItsPartitionOffline() throws Exception {
        // given: two partitions closed cleanly, then the first batch of one has its length field overwritten
        TopicPartition broken = new TopicPartition("orders", 0);
        TopicPartition healthy = new TopicPartition("orders", 1);
        Uuid topicId = Uuid.randomUuid();
        try (LogManager manager = manager()) {
            for (TopicPartition p : List.of(broken, healthy)) {
                PartitionLog log = manager.getOrCreate(p, topicId, LogConfig.defaults());
                log.appendAsLeader(batch(10L, "a", "b"), 0);
                log.appendAsLeader(batch(10L, "c"), 0);
            }
        }
        Path segment = dataDir.resolve("orders-0").resolve("00000000000000000000.log");
        RecoveryTest.writeInt(segment, 8, 3);

        // when
        try (LogEvents events = LogEvents.capture(); LogManager manager = manager()) {
            // then: the node's logs load, the broken one is offline and says why, once
            assertThat(manager.get(healthy)).isPresent();
            assertThat(manager.getOrCreate(healthy, topicId, LogConfig.defaults()).logEndOffset()).isEqualTo(3);
            assertThat(manager.get(broken)).isEmpty();
            assertThat(manager.offlinePartitions()).containsExactly(broken);
            assertThat(manager.offline(broken)).get().extracting(Throwable::getMessage).asString()
                    .contains("orders-0", segment.toString());
            assertThatThrownBy(() -> manager.getOrCreate(broken, topicId, LogConfig.defaults()))
                    .isInstanceOf(KafkaStorageException.class).hasMessageContaining(segment.toString());
            assertThat(events.at(Level.ERROR)).singleElement().asString()
                    .contains("orders-0", segment.toString(), "KAFKA_STORAGE_ERROR");
            assertThat(segment).exists();
        }
    }

    @Test
    void anOfflineLogOfADeletedTopicMakesWayForItsSuccessor() throws Exception {
        // given
        Uuid oldId = Uuid.randomUuid();
        try (LogManager manager = manager()) {
            manager.getOrCreate(tp, oldId, LogConfig.defaults()).appendAsLeader(batch(10L, "old"), 0);
        }
        RecoveryTest.writeInt(dataDir.resolve("my-dashed-topic-12").resolve("00000000000000000000.log"), 8, 3);
        try (LogManager manager = manager()) {
            assertThat(manager.offlinePartitions()).containsExactly(tp);
            // when: the topic was deleted and created again while the node was down
            PartitionLog log = manager.getOrCreate(tp, Uuid.randomUuid(), LogConfig.defaults());
            // then
            assertThat(log.logEndOffset()).isZero();
            assertThat(manager.offlinePartitions()).isEmpty();
        }
    }
}
