package io.cairn.storage;

import static io.cairn.storage.TestLogs.config;
import static io.cairn.storage.TestLogs.idempotent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;

import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.utils.MockTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProducerStateTest {

    static final long PID = 42L;
    static final short EPOCH = 3;

    @TempDir
    Path dir;
    final MockTime time = new MockTime(0, 1_000_000L, 1_000_000L * 1_000_000L);

    @Test
    void aRetriedBatchReturnsTheOriginalOffsetsAndWritesNothing() throws IOException {
        try (PartitionLog log = TestLogs.open(dir, config(), time)) {
            // given
            log.appendAsLeader(TestLogs.batch(10L, "plain"), 0);
            log.appendAsLeader(idempotent(PID, EPOCH, 0, "a", "b"), 0);
            log.appendAsLeader(idempotent(PID, EPOCH, 2, "c"), 0);
            long size = log.sizeInBytes();
            // when
            AppendResult retry = log.appendAsLeader(idempotent(PID, EPOCH, 0, "a", "b"), 0);
            // then
            assertThat(retry.duplicate()).isTrue();
            assertThat(retry.firstOffset()).isEqualTo(1);
            assertThat(retry.lastOffset()).isEqualTo(2);
            assertThat(log.logEndOffset()).isEqualTo(4);
            assertThat(log.sizeInBytes()).isEqualTo(size);
        }
    }

    @Test
    void aDuplicateInARequestAnswersItsOriginalOffsetsAndTheRequestsNewBatchesAreWritten() throws IOException {
        try (PartitionLog log = TestLogs.open(dir, config(), time)) {
            // given: batch 0 of the producer is in the log; a request carries it again with the next batch
            log.appendAsLeader(TestLogs.batch(10L, "plain"), 0);
            log.appendAsLeader(idempotent(PID, EPOCH, 0, "a", "b"), 0);
            MemoryRecords retryAndNext = CraftedBatches.concat(idempotent(PID, EPOCH, 0, "a", "b"),
                    idempotent(PID, EPOCH, 2, "c"));
            // when
            AppendResult result = log.appendAsLeader(retryAndNext, 0);
            // then: the duplicate is not written again, the new batch is
            assertThat(result.duplicate()).isFalse();
            assertThat(result.firstOffset()).isEqualTo(1);
            assertThat(result.lastOffset()).isEqualTo(3);
            assertThat(TestLogs.values(log.read(0, 1 << 20, Long.MAX_VALUE, false).records()))
                    .containsExactly("plain", "a", "b", "c");
            assertThat(log.appendAsLeader(idempotent(PID, EPOCH, 3, "d"), 0).firstOffset()).isEqualTo(4);
        }
    }

    @Test
    void aSequenceGapIsOutOfOrder() throws IOException {
        try (PartitionLog log = TestLogs.open(dir, config(), time)) {
            // given
            log.appendAsLeader(idempotent(PID, EPOCH, 0, "a"), 0);
            // when / then
            assertThatThrownBy(() -> log.appendAsLeader(idempotent(PID, EPOCH, 2, "c"), 0))
                    .isInstanceOf(OutOfOrderSequenceException.class);
            assertThat(log.appendAsLeader(idempotent(PID, EPOCH, 1, "b"), 0).firstOffset()).isEqualTo(1);
        }
    }

    @Test
    void anUnknownProducerMustStartAtZero() throws IOException {
        try (PartitionLog log = TestLogs.open(dir, config(), time)) {
            // when / then
            assertThatThrownBy(() -> log.appendAsLeader(idempotent(PID, EPOCH, 7, "x"), 0))
                    .isInstanceOf(OutOfOrderSequenceException.class);
        }
    }

    @Test
    void anOlderEpochIsFencedAndANewEpochMustStartAtZero() throws IOException {
        try (PartitionLog log = TestLogs.open(dir, config(), time)) {
            // given
            log.appendAsLeader(idempotent(PID, EPOCH, 0, "a"), 0);
            // when / then
            assertThatThrownBy(() -> log.appendAsLeader(idempotent(PID, (short) (EPOCH - 1), 1, "b"), 0))
                    .isInstanceOf(InvalidProducerEpochException.class);
            assertThatThrownBy(() -> log.appendAsLeader(idempotent(PID, (short) (EPOCH + 1), 1, "b"), 0))
                    .isInstanceOf(OutOfOrderSequenceException.class);
            assertThat(log.appendAsLeader(idempotent(PID, (short) (EPOCH + 1), 0, "b"), 0).duplicate()).isFalse();
            assertThatThrownBy(() -> log.appendAsLeader(idempotent(PID, EPOCH, 1, "c"), 0))
                    .isInstanceOf(InvalidProducerEpochException.class);
        }
    }

    @Test
    void onlyTheLastFiveBatchesAreRemembered() throws IOException {
        try (PartitionLog log = TestLogs.open(dir, config(), time)) {
            // given
            for (int seq = 0; seq < 6; seq++) {
                log.appendAsLeader(idempotent(PID, EPOCH, seq, "v" + seq), 0);
            }
            // when / then
            assertThat(log.appendAsLeader(idempotent(PID, EPOCH, 1, "v1"), 0).duplicate()).isTrue();
            assertThatThrownBy(() -> log.appendAsLeader(idempotent(PID, EPOCH, 0, "v0"), 0))
                    .isInstanceOf(OutOfOrderSequenceException.class);
        }
    }

    @Test
    void stateSurvivesACleanReopen() throws IOException {
        // given
        try (PartitionLog log = TestLogs.open(dir, config(), time)) {
            log.appendAsLeader(idempotent(PID, EPOCH, 0, "a", "b"), 0);
        }
        // when
        try (PartitionLog log = TestLogs.open(dir, config(), time)) {
            // then
            AppendResult retry = log.appendAsLeader(idempotent(PID, EPOCH, 0, "a", "b"), 0);
            assertThat(retry).isEqualTo(new AppendResult(0, 1, -1, 0, true));
            assertThatThrownBy(() -> log.appendAsLeader(idempotent(PID, EPOCH, 3, "d"), 0))
                    .isInstanceOf(OutOfOrderSequenceException.class);
            assertThat(log.appendAsLeader(idempotent(PID, EPOCH, 2, "c"), 0).firstOffset()).isEqualTo(2);
        }
    }

    @Test
    void stateSurvivesAnUncleanReopenFromSnapshotPlusLog() throws IOException {
        // given: a roll writes a snapshot, later batches are only in the log
        int size = idempotent(PID, EPOCH, 0, "a").sizeInBytes();
        LogConfig config = TestLogs.withSegmentBytes(config(), size * 2);
        PartitionLog crashed = TestLogs.open(dir, config, time);
        for (int seq = 0; seq < 5; seq++) {
            crashed.appendAsLeader(idempotent(PID, EPOCH, seq, "a"), 0);
        }
        crashed.appendAsLeader(idempotent(7L, (short) 0, 0, "other"), 0);
        // when
        try (PartitionLog log = TestLogs.open(dir, config, time)) {
            // then
            assertThat(log.appendAsLeader(idempotent(PID, EPOCH, 4, "a"), 0))
                    .isEqualTo(new AppendResult(4, 4, -1, 0, true));
            assertThat(log.appendAsLeader(idempotent(7L, (short) 0, 0, "other"), 0).duplicate()).isTrue();
            assertThat(log.appendAsLeader(idempotent(PID, EPOCH, 5, "a"), 0).firstOffset()).isEqualTo(6);
        }
    }

    @Test
    void aProducerWhoseDataWasDeletedMayContinueItsSequence() throws IOException {
        try (PartitionLog log = TestLogs.open(dir, config(), time)) {
            // given
            log.appendAsLeader(idempotent(PID, EPOCH, 0, "a"), 0);
            log.appendAsLeader(TestLogs.batch(10L, "plain"), 0);
            log.deleteRecordsBefore(1);
            // when
            AppendResult result = log.appendAsLeader(idempotent(PID, EPOCH, 1, "b"), 0);
            // then
            assertThat(result.firstOffset()).isEqualTo(2);
        }
    }

    @Test
    void sequencesWrapAtIntegerMax() throws IOException {
        try (PartitionLog log = TestLogs.open(dir, config(), time)) {
            // given
            log.appendAsLeader(idempotent(PID, EPOCH, 0, "a"), 0);
            log.deleteRecordsBefore(1);
            log.appendAsLeader(idempotent(PID, (short) (EPOCH + 1), 0, "b"), 0);
            log.appendAsLeader(TestLogs.batch(10L, "plain"), 0);
            log.deleteRecordsBefore(3);
            log.appendAsLeader(idempotent(99L, EPOCH, Integer.MAX_VALUE - 1, "x", "y"), 0);
            // when
            AppendResult wrapped = log.appendAsLeader(idempotent(99L, EPOCH, 0, "z"), 0);
            // then
            assertThat(wrapped.firstOffset()).isEqualTo(5);
            assertThat(log.appendAsLeader(idempotent(99L, EPOCH, Integer.MAX_VALUE - 1, "x", "y"), 0).duplicate())
                    .isTrue();
        }
    }
}
