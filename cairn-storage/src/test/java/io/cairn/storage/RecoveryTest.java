package io.cairn.storage;

import static io.cairn.storage.TestLogs.batch;
import static io.cairn.storage.TestLogs.config;
import static io.cairn.storage.TestLogs.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.utils.MockTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unclean shutdowns are simulated by abandoning a log without closing it (as kill -9 would) and
 * opening the directory again.
 */
class RecoveryTest {

    @TempDir
    Path dir;
    final MockTime time = new MockTime(0, 1_000_000L, 1_000_000L * 1_000_000L);

    @Test
    void truncatesATornTail() throws IOException {
        // given
        PartitionLog crashed = TestLogs.open(dir, config(), time);
        for (int i = 0; i < 3; i++) {
            crashed.appendAsLeader(batch(10L, "v" + i), 0);
        }
        long goodSize = crashed.sizeInBytes();
        MemoryRecords half = batch(10L, "torn-away-value");
        appendRaw(dir.resolve("00000000000000000000.log"), half.buffer(), half.sizeInBytes() / 2);
        // when
        try (PartitionLog log = TestLogs.open(dir, config(), time)) {
            // then
            assertThat(log.logEndOffset()).isEqualTo(3);
            assertThat(log.sizeInBytes()).isEqualTo(goodSize);
            assertThat(readAll(log, 0)).extracting(Record::offset).containsExactly(0L, 1L, 2L);
            assertThat(log.appendAsLeader(batch(10L, "next"), 0).firstOffset()).isEqualTo(3);
            assertThat(TestLogs.values(log.read(3, 1000, Long.MAX_VALUE, true).records())).containsExactly("next");
        }
    }

    @Test
    void truncatesAtACorruptBatchInTheMiddle() throws IOException {
        // given
        PartitionLog crashed = TestLogs.open(dir, TestLogs.withIndexInterval(config(), 1), time);
        for (int i = 0; i < 6; i++) {
            crashed.appendAsLeader(batch(10L, "value-" + i), 0);
        }
        int batchSize = batch(10L, "value-0").sizeInBytes();
        flipByte(dir.resolve("00000000000000000000.log"), 2 * batchSize + batchSize - 3);
        // when
        try (PartitionLog log = TestLogs.open(dir, TestLogs.withIndexInterval(config(), 1), time)) {
            // then
            assertThat(log.logEndOffset()).isEqualTo(2);
            assertThat(readAll(log, 0)).extracting(Record::offset).containsExactly(0L, 1L);
            assertThat(log.appendAsLeader(batch(10L, "again"), 0).firstOffset()).isEqualTo(2);
            assertThat(readAll(log, 0)).extracting(Record::offset).containsExactly(0L, 1L, 2L);
        }
    }

    @Test
    void deletesSegmentsAfterACorruptOne() throws IOException {
        // given
        int batchSize = batch(10L, "value-0").sizeInBytes();
        LogConfig config = TestLogs.withSegmentBytes(config(), batchSize * 2);
        PartitionLog crashed = TestLogs.open(dir, config, time);
        for (int i = 0; i < 6; i++) {
            crashed.appendAsLeader(batch(10L, "value-" + i), 0);
        }
        Files.deleteIfExists(dir.resolve("recovery-point-offset-checkpoint"));
        flipByte(dir.resolve("00000000000000000002.log"), batchSize + 40);
        // when
        try (PartitionLog log = TestLogs.open(dir, config, time)) {
            // then
            assertThat(log.logEndOffset()).isEqualTo(3);
            assertThat(log.segmentCount()).isEqualTo(2);
            assertThat(Files.exists(dir.resolve("00000000000000000004.log"))).isFalse();
            assertThat(readAll(log, 0)).extracting(Record::offset).containsExactly(0L, 1L, 2L);
            assertThat(log.appendAsLeader(batch(10L, "again"), 0).firstOffset()).isEqualTo(3);
        }
    }

    @Test
    void rebuildsIndexesSoThatReadsAndTimestampsWork() throws IOException {
        // given
        LogConfig config = TestLogs.withIndexInterval(config(), 1);
        PartitionLog crashed = TestLogs.open(dir, config, time);
        for (int i = 0; i < 50; i++) {
            crashed.appendAsLeader(batch(1000L + i, "v" + i), 0);
        }
        Files.write(dir.resolve("00000000000000000000.index"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        // when
        try (PartitionLog log = TestLogs.open(dir, config, time)) {
            // then
            assertThat(TestLogs.values(log.read(37, 1, Long.MAX_VALUE, true).records())).containsExactly("v37");
            assertThat(log.offsetForTimestamp(1020)).contains(new TimestampAndOffset(1020, 20, 0));
            assertThat(log.maxTimestamp()).contains(new TimestampAndOffset(1049, 49, 0));
        }
    }

    @Test
    void aCorruptBatchBelowTheRecoveryPointIsNeverTruncated() throws IOException {
        // given: a cleanly closed log of three segments whose first has a bad index and a bad CRC in its middle
        int batchSize = batch(10L, "value-0").sizeInBytes();
        LogConfig config = TestLogs.withSegmentBytes(config(), batchSize * 3);
        PartitionLog closed = TestLogs.open(dir, config, time);
        for (int i = 0; i < 8; i++) {
            closed.appendAsLeader(batch(10L, "value-" + i), 0);
        }
        closed.close();
        Path first = dir.resolve("00000000000000000000.log");
        Files.write(dir.resolve("00000000000000000000.index"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        flipByte(first, batchSize + batchSize - 3);
        long[] sizes = {Files.size(first), Files.size(dir.resolve("00000000000000000003.log"))};

        // when / then: the log cannot load, and nothing of it is gone
        assertThatThrownBy(() -> TestLogs.open(dir, config, time))
                .isInstanceOf(KafkaStorageException.class)
                .hasMessageContaining(first.toString())
                .hasMessageContaining("position " + batchSize);
        assertThat(Files.size(first)).isEqualTo(sizes[0]);
        assertThat(Files.size(dir.resolve("00000000000000000003.log"))).isEqualTo(sizes[1]);
        assertThat(dir.resolve("00000000000000000006.log")).exists();
    }

    @Test
    void aBatchLengthRunningPastTheEndOfATrustedSegmentIsNotTakenForItsEnd() throws IOException {
        // given: a cleanly closed log whose last batch claims to be longer than the file
        PartitionLog closed = TestLogs.open(dir, config(), time);
        for (int i = 0; i < 3; i++) {
            closed.appendAsLeader(batch(10L, "value-" + i), 0);
        }
        closed.close();
        int batchSize = batch(10L, "value-0").sizeInBytes();
        writeInt(dir.resolve("00000000000000000000.log"), 2L * batchSize + 8, 1_000_000);

        // when / then: not a log of two records, silently
        assertThatThrownBy(() -> TestLogs.open(dir, config(), time))
                .isInstanceOf(KafkaStorageException.class)
                .hasMessageContaining("00000000000000000000.log");
    }

    @Test
    void aTrustedSegmentWithBadIndexesAndGoodDataHasItsIndexesRebuilt() throws IOException {
        // given
        int batchSize = batch(10L, "value-0").sizeInBytes();
        LogConfig config = TestLogs.withIndexInterval(TestLogs.withSegmentBytes(config(), batchSize * 3), 1);
        PartitionLog closed = TestLogs.open(dir, config, time);
        for (int i = 0; i < 8; i++) {
            closed.appendAsLeader(batch(1000L + i, "value-" + i), 0);
        }
        closed.close();
        Files.write(dir.resolve("00000000000000000003.index"), new byte[] {9, 9, 9, 9, 9, 9, 9, 9});
        Files.write(dir.resolve("00000000000000000003.timeindex"), new byte[] {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9});

        // when
        try (PartitionLog log = TestLogs.open(dir, config, time)) {
            // then
            assertThat(readAll(log, 0)).extracting(Record::offset).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L);
            assertThat(TestLogs.values(log.read(4, 1, Long.MAX_VALUE, true).records())).containsExactly("value-4");
            assertThat(log.offsetForTimestamp(1004)).contains(new TimestampAndOffset(1004, 4, 0));
        }
    }

    @Test
    void cleanCloseNeedsNoRecoveryAndWritesTheMarker() throws IOException {
        // given
        PartitionLog log = TestLogs.open(dir, config(), time);
        log.appendAsLeader(batch(10L, "a"), 0);
        // when
        log.close();
        // then
        assertThat(Files.exists(dir.resolve(".clean-shutdown"))).isTrue();
        Path index = dir.resolve("00000000000000000000.index");
        assertThat(!Files.exists(index) || Files.size(index) == 0).as("an index without entries is absent or empty")
                .isTrue();
        try (PartitionLog reopened = TestLogs.open(dir, config(), time)) {
            assertThat(reopened.logEndOffset()).isEqualTo(1);
        }
    }

    static void appendRaw(Path file, ByteBuffer bytes, int length) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ByteBuffer slice = bytes.duplicate();
            slice.limit(slice.position() + length);
            channel.write(slice);
        }
    }

    static void writeInt(Path file, long position, int value) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate(4).putInt(0, value), position);
        }
    }

    static void flipByte(Path file, long position) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            channel.read(one, position);
            one.flip();
            byte flipped = (byte) (one.get(0) ^ 0xff);
            channel.write(ByteBuffer.wrap(new byte[] {flipped}), position);
        }
    }
}
