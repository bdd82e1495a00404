package io.cairn.storage;

import static io.cairn.storage.TestLogs.batch;
import static io.cairn.storage.TestLogs.config;
import static io.cairn.storage.TestLogs.offsets;
import static io.cairn.storage.TestLogs.readAll;
import static io.cairn.storage.TestLogs.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.utils.MockTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PartitionLogTest {

    @TempDir
    Path dir;
    final MockTime time = new MockTime(0, 1_000_000L, 1_000_000L * 1_000_000L);
    PartitionLog log;

    @AfterEach
    void closeLog() {
        if (log != null) {
            log.close();
        }
    }

    @Test
    void appendsAssignOffsetsAndReadsThemBack() throws IOException {
        // given
        log = TestLogs.open(dir, config(), time);
        // when
        AppendResult first = log.appendAsLeader(batch(10L, "a", "b", "c"), 7);
        AppendResult second = log.appendAsLeader(batch(11L, "d"), 7);
        // then
        assertThat(first).isEqualTo(new AppendResult(0, 2, -1, 0, false));
        assertThat(second).isEqualTo(new AppendResult(3, 3, -1, 0, false));
        assertThat(log.logEndOffset()).isEqualTo(4);
        ReadResult read = log.read(0, 1 << 20, Long.MAX_VALUE, false);
        assertThat(read.records()).isInstanceOf(FileRecords.class);
        assertThat(values(read.records())).containsExactly("a", "b", "c", "d");
        assertThat(offsets(read.records())).containsExactly(0L, 1L, 2L, 3L);
        assertThat(read.records().batches()).allSatisfy(b -> assertThat(b.partitionLeaderEpoch()).isEqualTo(7));
    }

    @Test
    void readsStartWithTheBatchContainingTheOffsetAndStopAtTheLimit() throws IOException {
        // given
        log = TestLogs.open(dir, config(), time);
        log.appendAsLeader(batch(10L, "a", "b", "c"), 0);
        log.appendAsLeader(batch(10L, "d", "e"), 0);
        log.appendAsLeader(batch(10L, "f"), 0);
        // when
        ReadResult fromMiddle = log.read(1, 1 << 20, 5, false);
        ReadResult atEnd = log.read(6, 1 << 20, Long.MAX_VALUE, false);
        ReadResult atLimit = log.read(3, 1 << 20, 3, false);
        // then
        assertThat(values(fromMiddle.records())).containsExactly("a", "b", "c", "d", "e");
        assertThat(atEnd.records().sizeInBytes()).isZero();
        assertThat(atLimit.records().sizeInBytes()).isZero();
        assertThat(atEnd.logEndOffset()).isEqualTo(6);
    }

    @Test
    void maxBytesLimitsReadsToWholeBatchesUnlessMinOneBatch() throws IOException {
        // given
        log = TestLogs.open(dir, config(), time);
        log.appendAsLeader(batch(10L, "a", "b"), 0);
        log.appendAsLeader(batch(10L, "c"), 0);
        int firstSize = log.read(0, 1 << 20, 2, false).records().sizeInBytes();
        // when
        ReadResult tooSmall = log.read(0, firstSize - 1, Long.MAX_VALUE, false);
        ReadResult minOne = log.read(0, firstSize - 1, Long.MAX_VALUE, true);
        ReadResult exactlyOne = log.read(0, firstSize + 1, Long.MAX_VALUE, false);
        // then
        assertThat(tooSmall.records().sizeInBytes()).isZero();
        assertThat(values(minOne.records())).containsExactly("a", "b");
        assertThat(values(exactlyOne.records())).containsExactly("a", "b");
    }

    @Test
    void readsOutsideTheLogAreOutOfRange() throws IOException {
        // given
        log = TestLogs.open(dir, config(), time);
        log.appendAsLeader(batch(10L, "a"), 0);
        // when / then
        assertThatThrownBy(() -> log.read(2, 100, Long.MAX_VALUE, true)).isInstanceOf(OffsetOutOfRangeException.class);
        assertThatThrownBy(() -> log.read(-1, 100, Long.MAX_VALUE, true))
                .isInstanceOf(OffsetOutOfRangeException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
    void everyCodecIsStoredByteForByte(String codec) throws IOException {
        // given
        log = TestLogs.open(dir, config(), time);
        Compression compression = Compression.of(codec).build();
        MemoryRecords sent = batch(compression, 10L, "x".repeat(100), "y".repeat(100), "z");
        ByteBuffer expected = copy(sent.buffer());
        // when
        log.appendAsLeader(sent, 0);
        ReadResult read = log.read(0, 1 << 20, Long.MAX_VALUE, false);
        // then
        ByteBuffer stored = ByteBuffer.allocate(read.records().sizeInBytes());
        ((FileRecords) read.records()).readInto(stored, 0);
        RecordBatch batch = read.records().batches().iterator().next();
        assertThat(batch.compressionType().name).isEqualTo(codec);
        // everything the CRC covers (from the CRC field on) is untouched; only the leader epoch was stamped
        assertThat(tail(stored, DefaultRecordBatch.CRC_OFFSET)).isEqualTo(tail(expected, DefaultRecordBatch.CRC_OFFSET));
        assertThat(stored.getInt(12)).isZero();
        assertThat(tail(stored, 0)).isEqualTo(tail(sent.buffer(), 0));
        assertThat(values(read.records())).containsExactly("x".repeat(100), "y".repeat(100), "z");
    }

    private static byte[] tail(ByteBuffer buffer, int from) {
        byte[] bytes = new byte[buffer.remaining() - from];
        buffer.duplicate().position(buffer.position() + from).get(bytes);
        return bytes;
    }

    private static ByteBuffer copy(ByteBuffer buffer) {
        ByteBuffer copy = ByteBuffer.allocate(buffer.remaining());
        copy.put(buffer.duplicate()).flip();
        return copy;
    }

    @Test
    void logAppendTimeStampsTheBrokerClock() throws IOException {
        // given
        log = TestLogs.open(dir, TestLogs.logAppendTime(config()), time);
        // when
        AppendResult result = log.appendAsLeader(batch(5L, "a", "b"), 0);
        // then
        assertThat(result.logAppendTimeMs()).isEqualTo(time.milliseconds());
        List<Record> records = readAll(log, 0);
        assertThat(records).allSatisfy(r -> assertThat(r.timestamp()).isEqualTo(time.milliseconds()));
        RecordBatch batch = log.read(0, 1 << 20, Long.MAX_VALUE, false).records().batches().iterator().next();
        assertThat(batch.timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
        batch.ensureValid();
    }

    @Test
    void rejectsBatchesOverMaxMessageBytes() throws IOException {
        // given
        log = TestLogs.open(dir, TestLogs.withMaxMessageBytes(config(), 200), time);
        log.appendAsLeader(batch(10L, "small"), 0);
        // when / then
        assertThatThrownBy(() -> log.appendAsLeader(batch(10L, "x".repeat(500)), 0))
                .isInstanceOf(RecordTooLargeException.class);
        assertThat(log.logEndOffset()).isEqualTo(1);
    }

    @Test
    void rejectsACorruptCrcWithoutHarmingEarlierData() throws IOException {
        // given
        log = TestLogs.open(dir, config(), time);
        log.appendAsLeader(batch(10L, "good"), 0);
        MemoryRecords corrupt = batch(10L, "bad");
        ByteBuffer buffer = corrupt.buffer();
        buffer.put(buffer.limit() - 1, (byte) (buffer.get(buffer.limit() - 1) ^ 0x7f));
        // when / then
        assertThatThrownBy(() -> log.appendAsLeader(corrupt, 0)).isInstanceOf(CorruptRecordException.class);
        log.appendAsLeader(batch(10L, "after"), 0);
        assertThat(readAll(log, 0)).extracting(Record::offset).containsExactly(0L, 1L);
        assertThat(values(log.read(0, 1 << 20, Long.MAX_VALUE, false).records())).containsExactly("good", "after");
    }

    @Test
    void compactedLogsRejectRecordsWithoutKeys() throws IOException {
        // given
        log = TestLogs.open(dir, TestLogs.compacted(config()), time);
        MemoryRecords keyless = MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(10L, "v".getBytes()));
        // when / then
        assertThatThrownBy(() -> log.appendAsLeader(keyless, 0)).isInstanceOf(RecordValidationException.class)
                .hasCauseInstanceOf(InvalidRecordException.class);
        assertThat(log.appendAsLeader(batch(10L, "keyed"), 0).lastOffset()).isZero();
    }

    @Test
    void rejectsControlBatchesFromClients() throws IOException {
        // given a commit marker sent as if it were a produce request's batch
        log = TestLogs.open(dir, config(), time);
        MemoryRecords marker = MemoryRecords.withEndTransactionMarker(0L, 10L, 0, 5L, (short) 0,
                new org.apache.kafka.common.record.internal.EndTransactionMarker(
                        org.apache.kafka.common.record.internal.ControlRecordType.COMMIT, 0));
        // when / then
        assertThatThrownBy(() -> log.appendAsLeader(marker, 0)).isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("control batches");
        assertThat(log.logEndOffset()).isZero();
    }

    @Test
    void rollsWhenTheSegmentWouldExceedSegmentBytes() throws IOException {
        // given
        int batchSize = batch(10L, "x".repeat(100)).sizeInBytes();
        log = TestLogs.open(dir, TestLogs.withSegmentBytes(config(), batchSize * 3), time);
        // when
        for (int i = 0; i < 7; i++) {
            log.appendAsLeader(batch(10L, "x".repeat(100)), 0);
        }
        // then
        assertThat(log.segmentCount()).isEqualTo(3);
        assertThat(Files.exists(dir.resolve("00000000000000000003.log"))).isTrue();
        assertThat(Files.exists(dir.resolve("00000000000000000006.log"))).isTrue();
        assertThat(readAll(log, 0)).extracting(Record::offset).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L);
        assertThat(log.sizeInBytes()).isEqualTo(7L * batchSize);
    }

    @Test
    void rollsWhenSegmentMsHasPassed() throws IOException {
        // given
        log = TestLogs.open(dir, TestLogs.withRetention(config(), 1000, -1, -1), time);
        log.appendAsLeader(batch(10L, "a"), 0);
        log.appendAsLeader(batch(10L, "b"), 0);
        // when
        time.sleep(1001);
        log.appendAsLeader(batch(10L, "c"), 0);
        // then
        assertThat(log.segmentCount()).isEqualTo(2);
        assertThat(Files.exists(dir.resolve("00000000000000000002.log"))).isTrue();
    }

    @Test
    void offsetForTimestampFindsTheFirstRecordAtOrAfter() throws IOException {
        // given
        log = TestLogs.open(dir, TestLogs.withIndexInterval(TestLogs.withSegmentBytes(config(), 300), 1), time);
        for (int i = 0; i < 20; i++) {
            log.appendAsLeader(MemoryRecords.withRecords(Compression.NONE,
                    new SimpleRecord(1000L + i * 10, ("k" + i).getBytes(), "v".getBytes()),
                    new SimpleRecord(1000L + i * 10 + 5, ("k" + i).getBytes(), "w".getBytes())), i / 5);
        }
        // when / then
        assertThat(log.segmentCount()).isGreaterThan(2);
        assertThat(log.offsetForTimestamp(0)).contains(new TimestampAndOffset(1000, 0, 0));
        assertThat(log.offsetForTimestamp(1003)).contains(new TimestampAndOffset(1005, 1, 0));
        assertThat(log.offsetForTimestamp(1101)).contains(new TimestampAndOffset(1105, 21, 2));
        assertThat(log.offsetForTimestamp(1190)).contains(new TimestampAndOffset(1190, 38, 3));
        assertThat(log.offsetForTimestamp(1196)).isEmpty();
        assertThat(log.maxTimestamp()).contains(new TimestampAndOffset(1195, 39, 3));
    }

    @Test
    void maxTimestampIsTheEarliestRecordWithTheLargestTimestamp() throws IOException {
        // given
        log = TestLogs.open(dir, config(), time);
        log.appendAsLeader(batch(50L, "a"), 1);
        log.appendAsLeader(batch(90L, "b", "c"), 2);
        log.appendAsLeader(batch(70L, "d"), 3);
        // when / then
        assertThat(log.maxTimestamp()).contains(new TimestampAndOffset(90, 1, 2));
    }

    @Test
    void emptyLogHasNoTimestamps() throws IOException {
        // given
        log = TestLogs.open(dir, config(), time);
        // when / then
        assertThat(log.maxTimestamp()).isEmpty();
        assertThat(log.offsetForTimestamp(0)).isEmpty();
    }

    @Test
    void reopensAfterACleanClose() throws IOException {
        // given
        log = TestLogs.open(dir, TestLogs.withIndexInterval(TestLogs.withSegmentBytes(config(), 500), 50), time);
        for (int i = 0; i < 30; i++) {
            log.appendAsLeader(batch(100L + i, "v" + i), 0);
        }
        int segments = log.segmentCount();
        log.close();
        // when
        log = TestLogs.open(dir, TestLogs.withIndexInterval(TestLogs.withSegmentBytes(config(), 500), 50), time);
        // then
        assertThat(Files.exists(dir.resolve(".clean-shutdown"))).isFalse();
        assertThat(log.segmentCount()).isEqualTo(segments);
        assertThat(log.logEndOffset()).isEqualTo(30);
        assertThat(readAll(log, 0)).hasSize(30);
        assertThat(values(log.read(17, 1 << 20, 18, false).records())).containsExactly("v17");
        assertThat(log.maxTimestamp()).contains(new TimestampAndOffset(129, 29, 0));
        assertThat(log.appendAsLeader(batch(10L, "more"), 0).firstOffset()).isEqualTo(30);
        assertThat(Files.readString(dir.resolve("partition.metadata")))
                .isEqualTo("version: 0\ntopic_id: " + TestLogs.TOPIC_ID + "\n");
    }

    @Test
    void flushAdvancesTheRecoveryPoint() throws IOException {
        // given
        log = TestLogs.open(dir, config(), time);
        log.appendAsLeader(batch(10L, "a", "b"), 0);
        // when
        log.flush();
        // then
        assertThat(Files.readString(dir.resolve("recovery-point-offset-checkpoint"))).isEqualTo("0\n2\n");
    }

    @Test
    void flushMessagesTriggersAFlush() throws IOException {
        // given
        LogConfig c = config();
        log = TestLogs.open(dir, new LogConfig(c.segmentBytes(), c.segmentMs(), c.retentionMs(), c.retentionBytes(),
                c.maxMessageBytes(), c.indexIntervalBytes(), c.segmentIndexBytes(), 3, 500, false, true,
                c.timestampType(), c.fileDeleteDelayMs()), time);
        // when
        log.appendAsLeader(batch(10L, "a", "b", "c"), 0);
        log.appendAsLeader(batch(10L, "d"), 0);
        // then
        assertThat(Files.readString(dir.resolve("recovery-point-offset-checkpoint"))).isEqualTo("0\n3\n");
        time.sleep(500);
        log.maybeFlushByTime();
        assertThat(Files.readString(dir.resolve("recovery-point-offset-checkpoint"))).isEqualTo("0\n4\n");
    }

    @Test
    void createTimeBatchesOutsideTheTimestampBoundsAreRefused() throws IOException {
        // given: now is 1,000,000 ms; records at most 1 h ahead (Kafka's default) and, here, 10 s behind
        log = TestLogs.open(dir, config().withTimestampBounds(10_000, 60 * 60 * 1000), time);
        long now = time.milliseconds();
        // when, then
        assertThatThrownBy(() -> log.appendAsLeader(batch(now + 60 * 60 * 1000 + 1, "far future"), 0))
                .isInstanceOf(RecordValidationException.class).hasCauseInstanceOf(InvalidTimestampException.class)
                .hasMessageContaining("after.max.ms");
        assertThatThrownBy(() -> log.appendAsLeader(batch(Compression.gzip().build(), now - 10_001, "long ago"), 0))
                .isInstanceOf(RecordValidationException.class).hasCauseInstanceOf(InvalidTimestampException.class)
                .hasMessageContaining("before.max.ms");
        assertThat(log.logEndOffset()).isZero();
        log.appendAsLeader(batch(now + 60 * 60 * 1000, "an hour ahead"), 0);
        log.appendAsLeader(batch(now - 10_000, "ten seconds ago"), 0);
        assertThat(log.logEndOffset()).isEqualTo(2);
    }

    @Test
    void logAppendTimeTopicsTakeAnyTimestamp() throws IOException {
        log = TestLogs.open(dir, TestLogs.logAppendTime(config()).withTimestampBounds(0, 0), time);
        log.appendAsLeader(batch(time.milliseconds() + 365L * 24 * 60 * 60 * 1000, "replaced by the log's time"), 0);
        assertThat(log.logEndOffset()).isEqualTo(1);
    }
}
