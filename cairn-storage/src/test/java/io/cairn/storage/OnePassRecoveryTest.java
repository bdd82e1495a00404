package io.cairn.storage;

import static io.cairn.storage.TestLogs.batch;
import static io.cairn.storage.TestLogs.config;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.cairn.storage.internal.LogLoader;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.server.util.MockTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * After kill -9, what recovery's one pass rebuilds (producer state, aborted-transaction indexes, leader epochs) is
 * what the log had while it ran; and logs load on num.recovery.threads.per.data.dir threads.
 */
class OnePassRecoveryTest {

    @TempDir
    Path dir;

    final MockTime time = new MockTime(1_000_000L, 1_000_000L * 1_000_000L);

    private static MemoryRecords txn(long pid, int sequence, String value) {
        return MemoryRecords.withTransactionalRecords(Compression.NONE, pid, (short) 0, sequence,
                new SimpleRecord(1000L, value.getBytes()));
    }

    /** The state recovery must rebuild, as the log reports it. */
    private static List<Object> state(PartitionLog log) {
        return List.of(log.logEndOffset(), log.activeProducers(), log.leaderEpochEntries(),
                log.abortedTransactions(0, Long.MAX_VALUE), log.lastStableOffset(log.logEndOffset()));
    }

    @Test
    void producerStateAbortsAndEpochsAfterKill9AreThoseTheLogHadLive() throws IOException {
        // given: segments of ~6 batches, flushed once in the middle (recovery from there), two idempotent
        // producers, a transactional one with commits, aborts and a transaction left open, four leader epochs
        LogConfig config = TestLogs.withSegmentBytes(config(), batch(0, "value-000").sizeInBytes() * 6);
        PartitionLog live = TestLogs.open(dir, config, time);
        int[] sequences = new int[3];
        for (int i = 0; i < 60; i++) {
            int epoch = i / 15;
            int producer = i % 3;
            long pid = 100 + producer;
            String value = "value-" + i;
            MemoryRecords records = producer == 2 ? txn(pid, sequences[producer], value)
                    : TestLogs.idempotent(pid, (short) 0, sequences[producer], value);
            sequences[producer]++;
            live.appendAsLeader(records, epoch);
            if (producer == 2 && sequences[producer] % 4 == 0 && i < 57) {
                live.appendTransactionMarker(pid, (short) 0, sequences[producer] % 8 != 0, 0, epoch);
            }
            if (i == 25) {
                live.flush();
            }
        }
        List<Object> before = state(live);
        assertThat(live.abortedTransactions(0, Long.MAX_VALUE)).hasSizeGreaterThan(1);
        assertThat(live.leaderEpochEntries()).hasSize(4);
        // when: reopened without a clean close (kill -9)
        try (PartitionLog recovered = TestLogs.open(dir, config, time)) {
            // then
            assertThat(state(recovered)).isEqualTo(before);
        }
    }

    @Test
    void logsLoadOnRecoveryThreadsAndABadOneStopsNoOther() throws IOException {
        // given: five logs left by kill -9, one of them corrupt below its recovery point
        for (int p = 0; p < 5; p++) {
            Path logDir = dir.resolve("orders-" + p);
            PartitionLog log = PartitionLog.create(logDir, new TopicPartition("orders", p), Uuid.randomUuid(),
                    config(), time);
            for (int i = 0; i < 5; i++) {
                log.appendAsLeader(batch(1000L + i, "v" + i), 0);
            }
            if (p == 3) {
                log.close();
                RecoveryTest.flipByte(logDir.resolve("00000000000000000000.log"), 30);
                java.nio.file.Files.write(logDir.resolve("00000000000000000000.index"),
                        new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
            }
        }
        Logger loader = ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(LogLoader.class);
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        loader.addAppender(events);
        LogManager manager = new LogManager(dir, time, time.scheduler, 3_600_000L, 3);
        try {
            // when
            manager.startup();
            // then
            assertThat(manager.all()).hasSize(4);
            assertThat(manager.offlinePartitions()).containsExactly(new TopicPartition("orders", 3));
            List<String> threads = events.list.stream()
                    .filter(e -> e.getFormattedMessage().startsWith("Recovered log"))
                    .map(ILoggingEvent::getThreadName).toList();
            assertThat(threads).hasSize(4).allMatch(name -> name.startsWith("cairn-log-recovery-"));
        } finally {
            loader.detachAppender(events);
            manager.close();
        }
        assertThat(manager.offline(new TopicPartition("orders", 3))).get().isInstanceOf(KafkaStorageException.class);
    }
}
