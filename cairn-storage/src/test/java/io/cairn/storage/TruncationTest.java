package io.cairn.storage;

import static io.cairn.storage.TestLogs.batch;
import static io.cairn.storage.TestLogs.config;
import static io.cairn.storage.TestLogs.idempotent;
import static io.cairn.storage.TestLogs.readAll;
import static io.cairn.storage.TestLogs.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;

import io.cairn.storage.internal.LeaderEpochCache.Entry;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.Records;
import org.apache.kafka.common.utils.MockTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TruncationTest {

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

    /** Six one-record batches: offsets 0-1 in epoch 0, 2-3 in epoch 1, 4-5 in epoch 2, timestamps 100+offset. */
    private void appendSix() {
        for (int i = 0; i < 6; i++) {
            log.appendAsLeader(batch(100L + i, "v" + i), i / 2);
        }
    }

    @Test
    void truncatesInTheMiddleOfASegmentAndAppendsAgain() throws IOException {
        // given
        LogConfig config = TestLogs.withIndexInterval(config(), 1);
        log = TestLogs.open(dir, config, time);
        appendSix();
        // when
        log.truncateTo(3);
        // then
        assertThat(log.logEndOffset()).isEqualTo(3);
        assertThat(readAll(log, 0)).extracting(Record::offset).containsExactly(0L, 1L, 2L);
        assertThat(log.leaderEpochEntries()).containsExactly(new Entry(0, 0), new Entry(1, 2));
        assertThat(log.maxTimestamp()).contains(new TimestampAndOffset(102, 2, 1));
        assertThat(log.offsetForTimestamp(104)).isEmpty();
        // and appends continue at the cut, in a new epoch
        assertThat(log.appendAsLeader(batch(200L, "w3"), 3).firstOffset()).isEqualTo(3);
        assertThat(values(log.read(3, 1000, Long.MAX_VALUE, true).records())).containsExactly("w3");
        assertThat(log.offsetForTimestamp(150)).contains(new TimestampAndOffset(200, 3, 3));
        assertThat(log.leaderEpochEntries()).containsExactly(new Entry(0, 0), new Entry(1, 2), new Entry(3, 3));
        log.close();
        log = TestLogs.open(dir, config, time);
        assertThat(readAll(log, 0)).extracting(Record::offset).containsExactly(0L, 1L, 2L, 3L);
        assertThat(log.endOffsetForEpoch(1)).isEqualTo(new EpochEndOffset(1, 3));
    }

    @Test
    void truncatesAcrossSegmentsAndAppendsAgain() throws IOException {
        // given
        int batchSize = batch(100L, "v0").sizeInBytes();
        LogConfig config = TestLogs.withSegmentBytes(config(), batchSize * 2);
        log = TestLogs.open(dir, config, time);
        appendSix();
        assertThat(log.segmentCount()).isEqualTo(3);
        // when
        log.truncateTo(1);
        // then
        assertThat(log.segmentCount()).isEqualTo(1);
        assertThat(log.logEndOffset()).isEqualTo(1);
        assertThat(readAll(log, 0)).extracting(Record::offset).containsExactly(0L);
        assertThat(log.leaderEpochEntries()).containsExactly(new Entry(0, 0));
        assertThat(logFiles()).contains("00000000000000000002.log.deleted", "00000000000000000004.log.deleted");
        // and appends roll again at the old bases without clashing with the deleted files
        for (int i = 1; i < 6; i++) {
            log.appendAsLeader(batch(300L + i, "w" + i), 5);
        }
        assertThat(values(new ReadAll(log).records())).containsExactly("v0", "w1", "w2", "w3", "w4", "w5");
        log.close();
        log = TestLogs.open(dir, config, time);
        assertThat(values(new ReadAll(log).records())).containsExactly("v0", "w1", "w2", "w3", "w4", "w5");
        assertThat(log.leaderEpochEntries()).containsExactly(new Entry(0, 0), new Entry(5, 1));
    }

    @Test
    void aReaderHoldingASliceFromBeforeTheTruncationKeepsReadingIt() throws IOException {
        // given
        int batchSize = batch(100L, "v0").sizeInBytes();
        log = TestLogs.open(dir, TestLogs.withSegmentBytes(config(), batchSize * 2), time);
        appendSix();
        Records laterSegment = log.read(4, Integer.MAX_VALUE, Long.MAX_VALUE, true).records();
        Records keptPart = log.read(0, batchSize, Long.MAX_VALUE, true).records();
        // when
        log.truncateTo(1);
        // then
        assertThat(values(laterSegment)).containsExactly("v4", "v5");
        assertThat(values(keptPart)).containsExactly("v0");
        assertThatCode(() -> log.close()).doesNotThrowAnyException();
        log = null;
    }

    @Test
    void truncationRebuildsProducerState() throws IOException {
        // given
        log = TestLogs.open(dir, config(), time);
        log.appendAsLeader(idempotent(9L, (short) 0, 0, "s0"), 0);
        log.appendAsLeader(idempotent(9L, (short) 0, 1, "s1"), 0);
        // when
        log.truncateTo(1);
        // then: sequence 1 is no longer in the log, so its retry is appended, while 0 is still a duplicate
        assertThat(log.appendAsLeader(idempotent(9L, (short) 0, 0, "s0"), 1).duplicate()).isTrue();
        AppendResult retry = log.appendAsLeader(idempotent(9L, (short) 0, 1, "s1"), 1);
        assertThat(retry.duplicate()).isFalse();
        assertThat(retry.firstOffset()).isEqualTo(1);
    }

    @Test
    void truncatingAtOrPastTheEndKeepsDataButDropsAnEpochWithoutData() throws IOException {
        // given: this node became leader in epoch 4 but appended nothing in it
        log = TestLogs.open(dir, config(), time);
        appendSix();
        log.assignEpochStartOffset(4, 6);
        // when
        log.truncateTo(6);
        // then
        assertThat(log.logEndOffset()).isEqualTo(6);
        assertThat(log.leaderEpochEntries()).containsExactly(new Entry(0, 0), new Entry(1, 2), new Entry(2, 4));
        log.truncateTo(10);
        assertThat(log.logEndOffset()).isEqualTo(6);
    }

    @Test
    void truncateFullyRestartsTheLogEmptyAtTheNewOffset() throws IOException {
        // given
        log = TestLogs.open(dir, config(), time);
        appendSix();
        log.appendAsLeader(idempotent(9L, (short) 0, 0, "s0"), 2);
        PartitionLog leader = TestLogs.open(dir.resolve("leader"), config(), time);
        leader.truncateFullyAndStartAt(100);
        leader.appendAsLeader(batch(500L, "l100", "l101"), 7);
        // when
        log.truncateFullyAndStartAt(100);
        // then
        assertThat(log.logStartOffset()).isEqualTo(100);
        assertThat(log.logEndOffset()).isEqualTo(100);
        assertThat(log.latestEpoch()).isEmpty();
        assertThat(log.segmentCount()).isEqualTo(1);
        // and the follower continues from there
        log.appendAsFollower(ReplicationTest.fetch(leader, 100));
        assertThat(readAll(log, 100)).extracting(Record::offset).containsExactly(100L, 101L);
        assertThat(log.leaderEpochEntries()).containsExactly(new Entry(7, 100));
        // and the producer state is gone with the data
        assertThat(log.appendAsLeader(idempotent(9L, (short) 0, 0, "s0"), 7).duplicate()).isFalse();
        leader.close();
        log.close();
        log = TestLogs.open(dir, config(), time);
        assertThat(log.logStartOffset()).isEqualTo(100);
        assertThat(log.logEndOffset()).isEqualTo(103);
    }

    @Test
    void aFollowerWhoseFetchOffsetIsInsideTheLeadersFirstBatchRestartsAtThatBatch() throws IOException {
        // given: the leader's log starts in the middle of a batch (DeleteRecords)
        PartitionLog leader = TestLogs.open(dir.resolve("leader"), config(), time);
        leader.appendAsLeader(batch(10L, "a", "b", "c"), 0);
        leader.deleteRecordsBefore(1);
        log = TestLogs.open(dir.resolve("follower"), config(), time);
        log.truncateFullyAndStartAt(1);
        // when
        log.appendAsFollower(ReplicationTest.fetch(leader, 1));
        // then
        assertThat(log.logStartOffset()).isZero();
        assertThat(log.logEndOffset()).isEqualTo(3);
        leader.close();
    }

    @Test
    void uncleanShutdownAfterFollowerAppendsKeepsTheEpochCacheConsistent() throws IOException {
        // given: a follower with epochs 0, 1 and a last batch in epoch 4 whose write is torn by a crash
        PartitionLog leader = TestLogs.open(dir.resolve("leader"), config(), time);
        appendSixTo(leader);
        leader.appendAsLeader(batch(106L, "v6", "v7", "v8"), 4);
        Path followerDir = dir.resolve("follower");
        PartitionLog crashed = TestLogs.open(followerDir, config(), time);
        ReplicationTest.catchUp(leader, crashed);
        assertThat(crashed.leaderEpochEntries()).contains(new Entry(4, 6));
        tearLastBytes(followerDir.resolve("00000000000000000000.log"), 10);
        // when
        log = TestLogs.open(followerDir, config(), time);
        // then
        assertThat(log.logEndOffset()).isEqualTo(6);
        assertThat(log.leaderEpochEntries()).containsExactly(new Entry(0, 0), new Entry(1, 2), new Entry(2, 4));
        assertThat(Files.readString(followerDir.resolve("leader-epoch-checkpoint"))).isEqualTo("0\n3\n0 0\n1 2\n2 4\n");
        // and replication resumes
        log.appendAsFollower(ReplicationTest.fetch(leader, 6));
        assertThat(log.leaderEpochEntries()).containsExactly(new Entry(0, 0), new Entry(1, 2), new Entry(2, 4),
                new Entry(4, 6));
        leader.close();
    }

    @Test
    void uncleanShutdownBeforeTheCheckpointWasWrittenAddsTheRecoveredEpochs() throws IOException {
        // given: data of epoch 4 reached the log but the checkpoint still lists epochs 0-2
        Path followerDir = dir.resolve("follower");
        PartitionLog crashed = TestLogs.open(followerDir, config(), time);
        appendSixTo(crashed);
        crashed.flush();
        crashed.appendAsLeader(batch(106L, "v6"), 4);
        Files.writeString(followerDir.resolve("leader-epoch-checkpoint"), "0\n3\n0 0\n1 2\n2 4\n");
        // when
        log = TestLogs.open(followerDir, config(), time);
        // then
        assertThat(log.leaderEpochEntries()).containsExactly(new Entry(0, 0), new Entry(1, 2), new Entry(2, 4),
                new Entry(4, 6));
    }

    private static void appendSixTo(PartitionLog target) {
        for (int i = 0; i < 6; i++) {
            target.appendAsLeader(batch(100L + i, "v" + i), i / 2);
        }
    }

    private static void tearLastBytes(Path file, int bytes) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(channel.size() - bytes);
        }
    }

    private java.util.List<String> logFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** Every batch of the log, fetched segment by segment into one buffer. */
    private record ReadAll(PartitionLog log) {
        Records records() throws IOException {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            long next = log.logStartOffset();
            while (next < log.logEndOffset()) {
                MemoryRecords chunk = ReplicationTest.fetch(log, next);
                byte[] bytes = new byte[chunk.sizeInBytes()];
                chunk.buffer().duplicate().get(bytes);
                out.write(bytes);
                for (var b : chunk.batches()) {
                    next = b.lastOffset() + 1;
                }
            }
            return MemoryRecords.readableRecords(java.nio.ByteBuffer.wrap(out.toByteArray()));
        }
    }
}
