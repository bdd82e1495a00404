package io.cairn.storage;

import static io.cairn.storage.TestLogs.batch;
import static io.cairn.storage.TestLogs.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import io.cairn.storage.internal.LeaderEpochCache.Entry;
import org.apache.kafka.common.utils.MockTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LeaderEpochTest {

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

    /** Offsets 0-1 in epoch 0, 2-4 in epoch 1, 5-6 in epoch 3; log end offset 7. */
    private void appendEpochs013() {
        log.appendAsLeader(batch(10L, "a", "b"), 0);
        log.appendAsLeader(batch(10L, "c"), 1);
        log.appendAsLeader(batch(10L, "d", "e"), 1);
        log.appendAsLeader(batch(10L, "f"), 3);
        log.appendAsLeader(batch(10L, "g"), 3);
    }

    @Test
    void leaderAppendsRecordTheFirstOffsetOfEachNewEpoch() throws IOException {
        // given
        log = TestLogs.open(dir, config(), time);
        // when
        appendEpochs013();
        // then
        assertThat(log.leaderEpochEntries()).containsExactly(new Entry(0, 0), new Entry(1, 2), new Entry(3, 5));
        assertThat(log.latestEpoch()).hasValue(3);
        log.flush();
        assertThat(Files.readString(dir.resolve("leader-epoch-checkpoint"))).isEqualTo("0\n3\n0 0\n1 2\n3 5\n");
    }

    @Test
    void theCheckpointIsWrittenAtFlushNotOnEveryNewEpoch() throws IOException {
        // given a new log: nothing to checkpoint yet
        log = TestLogs.open(dir, config(), time);
        assertThat(dir.resolve("leader-epoch-checkpoint")).doesNotExist();
        // when
        log.assignEpochStartOffset(0, 0);
        log.appendAsLeader(batch(10L, "a", "b"), 0);
        log.appendAsLeader(batch(10L, "c"), 1);
        // then the cache has the epochs, the file follows at the flush
        assertThat(log.leaderEpochEntries()).containsExactly(new Entry(0, 0), new Entry(1, 2));
        assertThat(dir.resolve("leader-epoch-checkpoint")).doesNotExist();
        log.flush();
        assertThat(Files.readString(dir.resolve("leader-epoch-checkpoint"))).isEqualTo("0\n2\n0 0\n1 2\n");
    }

    @Test
    void epochsNotYetCheckpointedAreRecoveredFromTheBatchesAfterAnUncleanShutdown() throws IOException {
        // given epochs 0 and 1 flushed, then epoch 3 appended and the process killed (no flush, no close)
        PartitionLog crashed = TestLogs.open(dir, config(), time);
        crashed.appendAsLeader(batch(10L, "a", "b"), 0);
        crashed.appendAsLeader(batch(10L, "c"), 1);
        crashed.flush();
        crashed.appendAsLeader(batch(10L, "d"), 3);
        crashed.assignEpochStartOffset(4, 4);
        // when
        log = TestLogs.open(dir, config(), time);
        // then epoch 3 comes from the batch after the recovery point; epoch 4, which has no batch, is dropped
        assertThat(log.leaderEpochEntries()).containsExactly(new Entry(0, 0), new Entry(1, 2), new Entry(3, 3));
    }

    @Test
    void endOffsetForEpochFollowsKafka() throws IOException {
        // given
        log = TestLogs.open(dir, config(), time);
        appendEpochs013();
        // then
        assertThat(log.endOffsetForEpoch(0)).isEqualTo(new EpochEndOffset(0, 2));
        assertThat(log.endOffsetForEpoch(1)).isEqualTo(new EpochEndOffset(1, 5));
        assertThat(log.endOffsetForEpoch(2)).isEqualTo(new EpochEndOffset(1, 5));
        assertThat(log.endOffsetForEpoch(3)).isEqualTo(new EpochEndOffset(3, 7));
        assertThat(log.endOffsetForEpoch(4)).isEqualTo(EpochEndOffset.UNDEFINED);
        assertThat(log.endOffsetForEpoch(-1)).isEqualTo(EpochEndOffset.UNDEFINED);
    }

    @Test
    void anEpochBelowEveryKnownOneEndsWhereTheFirstKnownEpochStarts() throws IOException {
        // given
        log = TestLogs.open(dir, config(), time);
        log.appendAsLeader(batch(10L, "a"), 0);
        log.appendAsLeader(batch(10L, "b"), 5);
        log.appendAsLeader(batch(10L, "c"), 7);
        log.deleteRecordsBefore(2);
        // then: as Kafka, (requested epoch, start of the first known epoch)
        assertThat(log.leaderEpochEntries()).containsExactly(new Entry(7, 2));
        assertThat(log.endOffsetForEpoch(4)).isEqualTo(new EpochEndOffset(4, 2));
        assertThat(new TestLogsAccess().emptyLogAnswer(dir.resolve("empty"), time)).isEqualTo(EpochEndOffset.UNDEFINED);
    }

    @Test
    void assignEpochStartOffsetIsIdempotentAndNeverLowers() throws IOException {
        // given
        log = TestLogs.open(dir, config(), time);
        log.appendAsLeader(batch(10L, "a", "b"), 2);
        // when
        log.assignEpochStartOffset(4, 2);
        log.assignEpochStartOffset(4, 2);
        log.assignEpochStartOffset(3, 2);
        log.assignEpochStartOffset(4, 1);
        // then
        assertThat(log.leaderEpochEntries()).containsExactly(new Entry(2, 0), new Entry(4, 2));
        assertThat(log.endOffsetForEpoch(2)).isEqualTo(new EpochEndOffset(2, 2));
        assertThat(log.endOffsetForEpoch(4)).isEqualTo(new EpochEndOffset(4, 2));
        assertThatThrownBy(() -> log.assignEpochStartOffset(5, 3)).isInstanceOf(IllegalArgumentException.class);
        // and the first append in epoch 4 does not move its start
        log.appendAsLeader(batch(10L, "c"), 4);
        assertThat(log.leaderEpochEntries()).containsExactly(new Entry(2, 0), new Entry(4, 2));
    }

    @Test
    void persistsAcrossCloseAndReopen() throws IOException {
        // given
        log = TestLogs.open(dir, config(), time);
        appendEpochs013();
        log.assignEpochStartOffset(6, 7);
        log.close();
        // when
        log = TestLogs.open(dir, config(), time);
        // then
        assertThat(log.leaderEpochEntries()).containsExactly(new Entry(0, 0), new Entry(1, 2), new Entry(3, 5),
                new Entry(6, 7));
        assertThat(log.endOffsetForEpoch(3)).isEqualTo(new EpochEndOffset(3, 7));
    }

    @Test
    void isRebuiltFromBatchHeadersWhenTheFileIsMissingOrCorrupt() throws IOException {
        // given
        LogConfig small = TestLogs.withSegmentBytes(config(), 200);
        log = TestLogs.open(dir, small, time);
        appendEpochs013();
        assertThat(log.segmentCount()).isGreaterThan(1);
        log.close();
        Files.delete(dir.resolve("leader-epoch-checkpoint"));
        // when
        log = TestLogs.open(dir, small, time);
        // then
        assertThat(log.leaderEpochEntries()).containsExactly(new Entry(0, 0), new Entry(1, 2), new Entry(3, 5));
        assertThat(Files.readString(dir.resolve("leader-epoch-checkpoint"))).isEqualTo("0\n3\n0 0\n1 2\n3 5\n");
        log.close();
        // and when the file is garbage
        Files.writeString(dir.resolve("leader-epoch-checkpoint"), "0\n3\n0 0\n1 x\n");
        log = TestLogs.open(dir, small, time);
        assertThat(log.leaderEpochEntries()).containsExactly(new Entry(0, 0), new Entry(1, 2), new Entry(3, 5));
    }

    @Test
    void entriesPastTheLogEndAreDroppedOnOpen() throws IOException {
        // given
        log = TestLogs.open(dir, config(), time);
        appendEpochs013();
        log.close();
        log = null;
        Files.writeString(dir.resolve("leader-epoch-checkpoint"), "0\n4\n0 0\n1 2\n3 5\n4 9\n");
        // when
        log = TestLogs.open(dir, config(), time);
        // then
        assertThat(log.leaderEpochEntries()).containsExactly(new Entry(0, 0), new Entry(1, 2), new Entry(3, 5));
    }

    /** Opens a second, empty log and asks it. */
    private static final class TestLogsAccess {
        EpochEndOffset emptyLogAnswer(Path other, MockTime time) throws IOException {
            try (PartitionLog empty = TestLogs.open(other, config(), time)) {
                return empty.endOffsetForEpoch(0);
            }
        }
    }
}
