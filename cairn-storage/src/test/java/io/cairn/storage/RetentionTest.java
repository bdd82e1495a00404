package io.cairn.storage;

import static io.cairn.storage.TestLogs.batch;
import static io.cairn.storage.TestLogs.config;
import static io.cairn.storage.TestLogs.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.Records;
import org.apache.kafka.common.utils.MockTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetentionTest {

    @TempDir
    Path dir;
    final MockTime time = new MockTime(0, 1_000_000L, 1_000_000L * 1_000_000L);
    final int batchSize = batch(0L, "value").sizeInBytes();
    PartitionLog log;

    @AfterEach
    void closeLog() {
        if (log != null) {
            log.close();
        }
    }

    /** Three segments of two batches (timestamps 100..105) plus an active one with one (timestamp 900_000+). */
    private void fillSegments(LogConfig config) throws IOException {
        log = TestLogs.open(dir, TestLogs.withSegmentBytes(config, batchSize * 2), time);
        for (int i = 0; i < 6; i++) {
            log.appendAsLeader(batch(100L + i, "value"), 0);
        }
        log.appendAsLeader(batch(time.milliseconds(), "value"), 0);
    }

    @Test
    void deletesSegmentsOlderThanRetentionMs() throws IOException {
        // given
        fillSegments(TestLogs.withRetention(config(), Long.MAX_VALUE, 10_000, -1));
        // when
        int deleted = log.enforceRetention(log.logEndOffset());
        // then
        assertThat(deleted).isEqualTo(3);
        assertThat(log.logStartOffset()).isEqualTo(6);
        assertThat(readAll(log, 6)).extracting(Record::offset).containsExactly(6L);
        assertThatThrownBy(() -> log.read(0, 100, Long.MAX_VALUE, true)).isInstanceOf(OffsetOutOfRangeException.class);
        assertThat(logFiles()).containsExactly("00000000000000000006.log");
    }

    @Test
    void rollsAndDeletesTheActiveSegmentWhenEverythingExpired() throws IOException {
        // given
        fillSegments(TestLogs.withRetention(config(), Long.MAX_VALUE, 10_000, -1));
        time.sleep(20_000);
        // when
        int deleted = log.enforceRetention(log.logEndOffset());
        // then
        assertThat(deleted).isEqualTo(4);
        assertThat(log.logStartOffset()).isEqualTo(7);
        assertThat(log.logEndOffset()).isEqualTo(7);
        assertThat(log.appendAsLeader(batch(time.milliseconds(), "new"), 0).firstOffset()).isEqualTo(7);
    }

    @Test
    void neverDeletesPastTheHighWatermark() throws IOException {
        // given
        fillSegments(TestLogs.withRetention(config(), Long.MAX_VALUE, 10_000, -1));
        // when
        int deleted = log.enforceRetention(3);
        // then
        assertThat(deleted).isEqualTo(1);
        assertThat(log.logStartOffset()).isEqualTo(2);
    }

    @Test
    void deletesOldestSegmentsBeyondRetentionBytes() throws IOException {
        // given
        fillSegments(TestLogs.withRetention(config(), Long.MAX_VALUE, -1, batchSize * 3L));
        // when
        int deleted = log.enforceRetention(log.logEndOffset());
        // then
        assertThat(deleted).isEqualTo(2);
        assertThat(log.logStartOffset()).isEqualTo(4);
        assertThat(log.sizeInBytes()).isEqualTo(batchSize * 3L);
    }

    @Test
    void compactOnlyLogsKeepEverything() throws IOException {
        // given
        fillSegments(TestLogs.withRetention(TestLogs.compacted(config()), Long.MAX_VALUE, 10_000, 1));
        // when / then
        assertThat(log.enforceRetention(log.logEndOffset())).isZero();
    }

    @Test
    void retentionRollsBySegmentMs() throws IOException {
        // given
        log = TestLogs.open(dir, TestLogs.withRetention(config(), 5_000, -1, -1), time);
        log.appendAsLeader(batch(time.milliseconds(), "a"), 0);
        time.sleep(5_001);
        // when
        log.enforceRetention(log.logEndOffset());
        // then
        assertThat(log.segmentCount()).isEqualTo(2);
    }

    @Test
    void deletedSegmentsStayReadableUntilTheDelayPasses() throws IOException {
        // given
        LogConfig base = TestLogs.withRetention(config(), Long.MAX_VALUE, 100_000, -1);
        fillSegments(new LogConfig(base.segmentBytes(), base.segmentMs(), base.retentionMs(), base.retentionBytes(),
                base.maxMessageBytes(), base.indexIntervalBytes(), base.segmentIndexBytes(),
                base.flushIntervalMessages(), base.flushIntervalMs(), false, true, base.timestampType(), 60_000));
        Records held = log.read(0, 1 << 20, Long.MAX_VALUE, true).records();
        // when
        log.enforceRetention(log.logEndOffset());
        // then
        assertThat(logFiles()).contains("00000000000000000000.log.deleted", "00000000000000000006.log");
        assertThat(TestLogs.values(held)).containsExactly("value", "value");
        time.sleep(60_000);
        log.enforceRetention(log.logEndOffset());
        assertThat(logFiles()).containsExactly("00000000000000000006.log");
    }

    @Test
    void deleteRecordsBeforeMovesTheLogStartAndPersistsIt() throws IOException {
        // given
        fillSegments(config());
        // when
        long start = log.deleteRecordsBefore(5);
        // then
        assertThat(start).isEqualTo(5);
        assertThat(log.deleteRecordsBefore(3)).isEqualTo(5);
        assertThat(logFiles()).containsExactly("00000000000000000000.log.deleted", "00000000000000000002.log.deleted",
                "00000000000000000004.log", "00000000000000000006.log");
        assertThatThrownBy(() -> log.read(4, 100, Long.MAX_VALUE, true)).isInstanceOf(OffsetOutOfRangeException.class);
        assertThat(log.read(5, 1 << 20, Long.MAX_VALUE, true).records().sizeInBytes()).isPositive();
        assertThat(log.offsetForTimestamp(0)).contains(new TimestampAndOffset(105, 5, 0));
        assertThatThrownBy(() -> log.deleteRecordsBefore(8)).isInstanceOf(OffsetOutOfRangeException.class);
        log.close();
        log = TestLogs.open(dir, config(), time);
        assertThat(log.logStartOffset()).isEqualTo(5);
        assertThat(Files.readString(dir.resolve("log-start-offset-checkpoint"))).isEqualTo("0\n5\n");
    }

    private java.util.List<String> logFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.contains(".log"))
                    .sorted()
                    .toList();
        }
    }
}
