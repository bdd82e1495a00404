package io.cairn.storage;

import static io.cairn.storage.TestLogs.batch;
import static io.cairn.storage.TestLogs.config;
import static io.cairn.storage.TestLogs.readAll;
import static io.cairn.storage.TestLogs.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.utils.MockTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The record-level checks of a leader's append (Kafka's LogValidator): every record of every batch is read once,
 * so a batch with a valid CRC but bad insides is refused and never stored; record-level failures name the records
 * (KIP-467); a compressed batch cannot make the broker allocate what its records only claim.
 */
class RecordValidationTest {

    @TempDir
    Path dir;
    final MockTime time = new MockTime(0, 1_000_000L, 1_000_000L * 1_000_000L);
    PartitionLog log;

    @AfterEach
    void close() {
        if (log != null) {
            log.close();
        }
    }

    @Test
    void aRecordRunningPastTheBatchIsRefusedAndNotStored() throws IOException {
        // given: the only record declares 60 bytes, the batch holds 9 after its size
        log = TestLogs.open(dir, config(), time);
        MemoryRecords bad = CraftedBatches.withFirstRecordSize(batch(10L, "a"), 60);
        // when / then
        assertThatThrownBy(() -> log.appendAsLeader(bad, 0)).isInstanceOf(InvalidRecordException.class);
        assertThat(log.logEndOffset()).isZero();
        assertThat(log.sizeInBytes()).isZero();
    }

    @Test
    void aSnappyChunkOfNegativeLengthIsAnInvalidRecord() throws IOException {
        // given: a snappy batch whose first chunk claims a negative length (found by cairn-fuzz: snappy-java throws
        // an Error, which escaped validation as an ERROR line and UNKNOWN_SERVER_ERROR)
        log = TestLogs.open(dir, config(), time);
        ByteBuffer buffer = CraftedBatches.copy(MemoryRecords.withRecords(Compression.snappy().build(),
                new SimpleRecord(10L, bytes("k"), bytes("v"))));
        // xerial framing: 8 bytes of magic, 4 of version, 4 of compatible version, then the first chunk's length
        buffer.putInt(CraftedBatches.RECORDS_OFFSET + 16, -32_313_891);
        MemoryRecords bad = CraftedBatches.resealed(buffer);
        // when / then
        assertThatThrownBy(() -> log.appendAsLeader(bad, 0)).isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("do not decompress");
        assertThat(log.logEndOffset()).isZero();
    }

    @Test
    void recordOffsetDeltasOutOfOrderAreRefused() throws IOException {
        // given: two records whose offset deltas are 1, 1 instead of 0, 1
        log = TestLogs.open(dir, config(), time);
        MemoryRecords bad = CraftedBatches.withFirstOffsetDelta(batch(10L, "a", "b"), 1);
        // when / then
        assertThatThrownBy(() -> log.appendAsLeader(bad, 0)).isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("offset delta");
        assertThat(log.logEndOffset()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "gzip", "lz4"})
    void aRecordCountOfTwoBillionWithFewBytesIsRefused(String codec) throws IOException {
        // given: a one-record batch claiming 2^31-1 records (and a matching last offset delta)
        log = TestLogs.open(dir, config(), time);
        MemoryRecords bad = CraftedBatches.withCount(batch(compression(codec), 10L, "a"), Integer.MAX_VALUE);
        // when / then
        assertThatThrownBy(() -> log.appendAsLeader(bad, 0)).isInstanceOf(InvalidRecordException.class);
        assertThat(log.logEndOffset()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "lz4"})
    void aCompressedRecordClaimingGigabytesIsRefusedWithoutAllocatingThem(String codec) throws IOException {
        // given: a compressed batch of a few dozen bytes whose one record declares 1.5 GB; compacted (keys read)
        log = TestLogs.open(dir, TestLogs.compacted(config()), time);
        MemoryRecords bomb = CraftedBatches.compressedClaiming(compression(codec), 1_500_000_000);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
        // when / then
        assertThatThrownBy(() -> log.appendAsLeader(bomb, 0)).isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("1500000000");
        assertThat(threads.getCurrentThreadAllocatedBytes() - allocatedBefore).isLessThan(16L << 20);
        assertThat(log.logEndOffset()).isZero();
    }

    @Test
    void aLargeCompressedRecordWithinTheBoundStillReads() throws IOException {
        // given: a 300 KB value (read in chunks, not in one declared-size buffer)
        log = TestLogs.open(dir, TestLogs.compacted(config()), time);
        String large = "v".repeat(300_000);
        // when
        log.appendAsLeader(batch(Compression.gzip().build(), time.milliseconds(), "small", large), 0);
        // then
        assertThat(values(log.read(0, 1 << 20, Long.MAX_VALUE, false).records())).containsExactly("small", large);
    }

    @Test
    void aKeylessRecordInACompactedLogIsNamedByItsIndex() throws IOException {
        // given
        log = TestLogs.open(dir, TestLogs.compacted(config()), time);
        MemoryRecords mixed = MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord(10L, bytes("k0"), bytes("a")), new SimpleRecord(10L, null, bytes("b")),
                new SimpleRecord(10L, bytes("k2"), bytes("c")));
        // when / then
        assertThatThrownBy(() -> log.appendAsLeader(mixed, 0)).isInstanceOfSatisfying(RecordValidationException.class,
                e -> {
                    assertThat(e.error()).isEqualTo(Errors.INVALID_RECORD);
                    assertThat(e.recordErrors()).extracting(RecordValidationException.RecordError::batchIndex)
                            .containsExactly(1);
                    assertThat(e.recordErrors().get(0).message()).contains("key");
                });
        assertThat(log.logEndOffset()).isZero();
    }

    @Test
    void aRecordOutsideTheTimestampBoundsIsNamedByItsIndexWithInvalidTimestamp() throws IOException {
        // given: CreateTime, at most an hour ahead (Kafka's default); the third record is two hours ahead
        log = TestLogs.open(dir, config(), time);
        long now = time.milliseconds();
        MemoryRecords mixed = MemoryRecords.withRecords(Compression.gzip().build(),
                new SimpleRecord(now, bytes("k0"), bytes("a")), new SimpleRecord(now, bytes("k1"), bytes("b")),
                new SimpleRecord(now + 2 * 60 * 60 * 1000, bytes("k2"), bytes("c")));
        // when / then
        assertThatThrownBy(() -> log.appendAsLeader(mixed, 0)).isInstanceOfSatisfying(RecordValidationException.class,
                e -> {
                    assertThat(e.error()).isEqualTo(Errors.INVALID_TIMESTAMP);
                    assertThat(e.recordErrors()).extracting(RecordValidationException.RecordError::batchIndex)
                            .containsExactly(2);
                    assertThat(e.getMessage()).contains("after.max.ms");
                });
        assertThat(log.logEndOffset()).isZero();
    }

    @Test
    void validBatchesOfEveryShapeStillAppend() throws IOException {
        // given
        log = TestLogs.open(dir, TestLogs.compacted(config()), time);
        // when
        log.appendAsLeader(batch(10L, "a", "b"), 0);
        log.appendAsLeader(batch(Compression.lz4().build(), 10L, "c", "d", "e"), 0);
        log.appendAsLeader(batch(Compression.zstd().build(), 10L, "f"), 0);
        // then
        assertThat(readAll(log, 0)).extracting(Record::offset).containsExactly(0L, 1L, 2L, 3L, 4L, 5L);
    }

    private static Compression compression(String codec) {
        return switch (codec) {
            case "gzip" -> Compression.gzip().build();
            case "lz4" -> Compression.lz4().build();
            default -> Compression.NONE;
        };
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
