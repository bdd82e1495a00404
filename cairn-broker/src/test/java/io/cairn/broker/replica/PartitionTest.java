package io.cairn.broker.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import io.cairn.storage.LogConfig;
import io.cairn.storage.PartitionLog;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.FencedLeaderEpochException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.utils.MockTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartitionTest {

    private static final TopicPartition TP = new TopicPartition("t", 0);
    private static final long LAG_MS = 30_000;

    @TempDir
    Path dir;

    private final MockTime time = new MockTime(0, 1_000_000L, 1_000_000_000_000L);
    private final List<List<Integer>> proposals = new ArrayList<>();
    /** The controller's answer to each proposal, pending until a test completes it. */
    private final List<CompletableFuture<Void>> answers = new ArrayList<>();
    private final IsrChanger recordingChanger = (topicId, tp, leaderEpoch, partitionEpoch, newIsr) -> {
        proposals.add(newIsr);
        CompletableFuture<Void> answer = new CompletableFuture<>();
        answers.add(answer);
        return answer;
    };
    private PartitionLog partitionLog;
    /** Brokers registered and unfenced in the leader's metadata. */
    private final java.util.Set<Integer> eligible = new java.util.HashSet<>(List.of(1, 2, 3));

    @BeforeEach
    void openLog() throws Exception {
        partitionLog = PartitionLog.open(dir.resolve("t-0"), TP, Uuid.randomUuid(), LogConfig.defaults(), time);
    }

    @AfterEach
    void closeLog() {
        partitionLog.close();
    }

    private Partition leaderOf(List<Integer> isr, List<Integer> replicas, int minIsr) {
        return new Partition(TP, partitionLog.topicId(), partitionLog, new ReplicaRole.Leader(3, 7, isr, replicas),
                minIsr, new Partition.Settings(1, time, recordingChanger, LAG_MS, eligible::contains), -1);
    }

    private static MemoryRecords records(int count) {
        SimpleRecord[] records = new SimpleRecord[count];
        for (int i = 0; i < count; i++) {
            records[i] = new SimpleRecord(("v" + i).getBytes());
        }
        return MemoryRecords.withRecords(Compression.NONE, records);
    }

    @Test
    void aLeaderAloneInItsIsrAdvancesTheHighWatermarkOnAppend() {
        Partition partition = leaderOf(List.of(1), List.of(1), 1);

        partition.appendAsLeader(records(10), (short) -1);

        assertThat(partition.highWatermark()).isEqualTo(10);
    }

    @Test
    void theHighWatermarkIsTheLowestLogEndOffsetInTheIsr() {
        // given
        Partition partition = leaderOf(List.of(1, 2, 3), List.of(1, 2, 3), 2);
        partition.appendAsLeader(records(10), (short) -1);
        assertThat(partition.highWatermark()).isZero();

        // when / then
        partition.readAsFollower(2, 10, 1 << 20, Optional.of(3));
        assertThat(partition.highWatermark()).isZero();
        partition.readAsFollower(3, 5, 1 << 20, Optional.of(3));
        assertThat(partition.highWatermark()).isEqualTo(5);
        partition.readAsFollower(3, 10, 1 << 20, Optional.of(3));
        assertThat(partition.highWatermark()).isEqualTo(10);
    }

    @Test
    void consumersReadOnlyBelowTheHighWatermark() {
        Partition partition = leaderOf(List.of(1, 2), List.of(1, 2), 1);
        partition.appendAsLeader(records(10), (short) 1);
        partition.readAsFollower(2, 4, 1 << 20, Optional.empty());

        assertThat(partition.readAsConsumer(4, 1 << 20, Optional.empty(), true).records().sizeInBytes()).isZero();
        assertThat(partition.readAsConsumer(0, 1 << 20, Optional.empty(), true).records().sizeInBytes()).isPositive();
    }

    @Test
    void aFollowerThatStopsCatchingUpIsDroppedFromTheIsr() {
        // given
        Partition partition = leaderOf(List.of(1, 2, 3), List.of(1, 2, 3), 1);
        partition.appendAsLeader(records(10), (short) 1);
        partition.readAsFollower(2, 10, 1 << 20, Optional.empty());
        partition.readAsFollower(3, 2, 1 << 20, Optional.empty());

        // when: replica 2 keeps up, replica 3 does not
        time.sleep(LAG_MS / 2);
        partition.readAsFollower(2, 10, 1 << 20, Optional.empty());
        time.sleep(LAG_MS / 2 + 1);
        partition.maybeShrinkIsr();

        // then
        assertThat(proposals).containsExactly(List.of(1, 2));
    }

    @Test
    void noShrinkRightAfterBecomingLeader() {
        Partition partition = leaderOf(List.of(1, 2, 3), List.of(1, 2, 3), 1);
        time.sleep(LAG_MS - 1);

        partition.maybeShrinkIsr();

        assertThat(proposals).isEmpty();
    }

    @Test
    void aFollowerThatReachesTheHighWatermarkIsAddedBackAndCountsAtOnce() {
        // given: ISR {1}, follower 2 outside it
        Partition partition = leaderOf(List.of(1), List.of(1, 2), 1);
        partition.appendAsLeader(records(10), (short) 1);
        assertThat(partition.highWatermark()).isEqualTo(10);

        // when
        partition.readAsFollower(2, 10, 1 << 20, Optional.empty());
        partition.appendAsLeader(records(5), (short) 1);

        // then: proposed, and while pending the high watermark waits for the follower
        assertThat(proposals).containsExactly(List.of(1, 2));
        assertThat(partition.highWatermark()).isEqualTo(10);
        partition.readAsFollower(2, 15, 1 << 20, Optional.empty());
        assertThat(partition.highWatermark()).isEqualTo(15);
    }

    @Test
    void aRestartedLeaderTakesAFollowerIntoTheIsrOnlyOnceItHasWhatTheLeaderWroteBeforeTheCrash() {
        // given a leader that acknowledged 10 records with follower 3 (ISR {1, 3}), then crashed before its high
        // watermark checkpoint caught up; follower 2 was out of the ISR with nothing
        Partition before = leaderOf(List.of(1, 3), List.of(1, 2, 3), 2);
        before.appendAsLeader(records(10), (short) -1);
        before.readAsFollower(3, 10, 1 << 20, Optional.empty());
        assertThat(before.highWatermark()).isEqualTo(10);

        // when it comes back leading at the same epoch, with the checkpoint's high watermark 0
        Partition restarted = new Partition(TP, partitionLog.topicId(), partitionLog,
                new ReplicaRole.Leader(3, 7, List.of(1, 3), List.of(1, 2, 3)), 2,
                new Partition.Settings(1, time, recordingChanger, LAG_MS, eligible::contains), 0);
        restarted.readAsFollower(2, 0, 1 << 20, Optional.empty());

        // then follower 2, at the old high watermark but without the acknowledged records, is not taken in: made
        // leader later, it would lose them (cluster simulation seed 3715); it is once it has them
        assertThat(proposals).isEmpty();
        assertThat(restarted.unexplainedOutOfIsr()).isEmpty();
        restarted.readAsFollower(2, 10, 1 << 20, Optional.empty());
        assertThat(proposals).containsExactly(List.of(1, 3, 2));
    }

    @Test
    void anExpansionTheControllerMadeCountsForTheHighWatermarkUntilThisNodesImageHoldsIt() {
        // given: ISR {1}; follower 2 catches up and is proposed
        Partition partition = leaderOf(List.of(1), List.of(1, 2), 1);
        partition.appendAsLeader(records(10), (short) 1);
        partition.readAsFollower(2, 10, 1 << 20, Optional.empty());
        assertThat(proposals).containsExactly(List.of(1, 2));

        // when: the controller makes the change (ISR {1, 2} is committed) and this leader appends before its own
        // image holds the new ISR, then applies an image of another change to the topic (same partition epoch)
        answers.get(0).complete(null);
        partition.appendAsLeader(records(5), (short) 1);
        partition.becomeRole(new ReplicaRole.Leader(3, 7, List.of(1), List.of(1, 2)), 1);
        partition.appendAsLeader(records(1), (short) 1);

        // then: the high watermark waits for follower 2, which the committed metadata already names in the ISR
        // (were 16 acknowledged, a leadership move to 2 would lose 10-15), and no second change is proposed
        assertThat(partition.highWatermark()).isEqualTo(10);
        partition.readAsFollower(2, 10, 1 << 20, Optional.empty());
        assertThat(proposals).hasSize(1);

        // when: the follower fetches everything / then
        partition.readAsFollower(2, 16, 1 << 20, Optional.empty());
        assertThat(partition.highWatermark()).isEqualTo(16);

        // when: the image with the change arrives / then: nothing pending any more
        partition.becomeRole(new ReplicaRole.Leader(3, 8, List.of(1, 2), List.of(1, 2)), 1);
        partition.appendAsLeader(records(1), (short) 1);
        assertThat(partition.highWatermark()).isEqualTo(16);
        partition.readAsFollower(2, 17, 1 << 20, Optional.empty());
        assertThat(partition.highWatermark()).isEqualTo(17);
    }

    @Test
    void aRefusalEndsAChangeCarriedOverAnImageOfAnotherChange() {
        // given: follower 2 proposed for the ISR; an image of another change of the topic arrives meanwhile
        Partition partition = leaderOf(List.of(1), List.of(1, 2), 1);
        partition.appendAsLeader(records(10), (short) 1);
        partition.readAsFollower(2, 10, 1 << 20, Optional.empty());
        partition.becomeRole(new ReplicaRole.Leader(3, 7, List.of(1), List.of(1, 2)), 1);

        // when: the controller refuses the change
        answers.get(0).completeExceptionally(new IllegalStateException("no metadata quorum"));

        // then: it is over, and the next fetch proposes it again
        partition.readAsFollower(2, 10, 1 << 20, Optional.empty());
        assertThat(proposals).containsExactly(List.of(1, 2), List.of(1, 2));
    }

    @Test
    void aCaughtUpFollowerThatIsFencedIsNotProposedForTheIsr() {
        // given: ISR {1}, follower 2 outside it and fenced (e.g. in controlled shutdown)
        Partition partition = leaderOf(List.of(1), List.of(1, 2), 1);
        partition.appendAsLeader(records(10), (short) 1);
        eligible.remove(2);

        // when: it fetches everything, twice
        partition.readAsFollower(2, 10, 1 << 20, Optional.empty());
        partition.readAsFollower(2, 10, 1 << 20, Optional.empty());

        // then: no proposal, and the high watermark does not wait for it
        assertThat(proposals).isEmpty();
        partition.appendAsLeader(records(5), (short) 1);
        assertThat(partition.highWatermark()).isEqualTo(15);

        // when: it is unfenced and fetches again
        eligible.add(2);
        partition.readAsFollower(2, 15, 1 << 20, Optional.empty());

        // then
        assertThat(proposals).containsExactly(List.of(1, 2));
    }

    @Test
    void aReplicaOutsideTheIsrIsKeptOutForAReasonUntilAnExpansionTheControllerMadeNeverArrives() {
        // given: ISR {1}; replica 2 has not fetched, replica 3 is fenced
        Partition partition = leaderOf(List.of(1), List.of(1, 2, 3), 1);
        partition.appendAsLeader(records(10), (short) 1);
        eligible.remove(3);
        partition.readAsFollower(3, 10, 1 << 20, Optional.empty());
        assertThat(partition.unexplainedOutOfIsr()).isEmpty();

        // when: replica 2 fetches behind the high watermark / then: lagging
        partition.readAsFollower(2, 4, 1 << 20, Optional.empty());
        assertThat(partition.unexplainedOutOfIsr()).isEmpty();

        // when: it catches up / then: the expansion is in flight
        partition.readAsFollower(2, 10, 1 << 20, Optional.empty());
        assertThat(proposals).containsExactly(List.of(1, 2));
        assertThat(partition.unexplainedOutOfIsr()).isEmpty();

        // when: the controller refuses it / then: refused is a reason
        answers.get(0).completeExceptionally(new IllegalStateException("no metadata quorum"));
        assertThat(partition.unexplainedOutOfIsr()).isEmpty();

        // when: the next try is made by the controller, but the new ISR never reaches this leader's role
        partition.readAsFollower(2, 10, 1 << 20, Optional.empty());
        answers.get(1).complete(null);
        // then: replica 2 is out of the ISR with no reason
        assertThat(partition.unexplainedOutOfIsr()).containsOnlyKeys(2);
        assertThat(partition.unexplainedOutOfIsr().get(2)).contains("fetched to 10", "high watermark 10");

        // when: it stops fetching / then: not fetching is a reason
        time.sleep(LAG_MS + 1);
        assertThat(partition.unexplainedOutOfIsr()).isEmpty();

        // when: it fetches again and the committed ISR arrives
        partition.readAsFollower(2, 10, 1 << 20, Optional.empty());
        partition.becomeRole(new ReplicaRole.Leader(3, 8, List.of(1, 2), List.of(1, 2, 3)), 1);
        // then
        assertThat(partition.unexplainedOutOfIsr()).isEmpty();
    }

    @Test
    void acksAllNeedsMinInsyncReplicas() {
        Partition partition = leaderOf(List.of(1), List.of(1, 2, 3), 2);

        assertThatThrownBy(() -> partition.appendAsLeader(records(1), (short) -1))
                .isInstanceOf(NotEnoughReplicasException.class);
        assertThat(partition.appendAsLeader(records(1), (short) 1).firstOffset()).isZero();
    }

    @Test
    void staleEpochsAndFollowersAreFenced() {
        Partition partition = leaderOf(List.of(1, 2), List.of(1, 2), 1);

        assertThatThrownBy(() -> partition.readAsConsumer(0, 100, Optional.of(2), true))
                .isInstanceOf(FencedLeaderEpochException.class);

        partition.becomeRole(new ReplicaRole.Follower(4, 2), 1);
        assertThatThrownBy(() -> partition.appendAsLeader(records(1), (short) 1))
                .isInstanceOf(NotLeaderOrFollowerException.class);
    }

    @Test
    void aFollowerThatDivergedTruncatesToTheLeadersEpochBoundaryAndThenMatchesItsLog() throws Exception {
        // given: the leader wrote epoch 0 at [0, 5) and leads epoch 2 from 5 with [5, 8)
        Partition leader = leaderOf(List.of(1, 2), List.of(1, 2), 1);
        partitionLog.appendAsLeader(records(5), 0);
        leader.becomeRole(new ReplicaRole.Leader(2, 8, List.of(1, 2), List.of(1, 2)), 1);
        leader.appendAsLeader(records(3), (short) 1);
        // and a replica that shares epoch 0 but then led epoch 1 and wrote [5, 9) that nobody else has
        PartitionLog diverged = PartitionLog.open(dir.resolve("t-0-replica"), TP, partitionLog.topicId(),
                LogConfig.defaults(), time);
        try {
            diverged.appendAsLeader(records(5), 0);
            diverged.appendAsLeader(records(4), 1);
            Partition follower = new Partition(TP, diverged.topicId(), diverged, new ReplicaRole.Follower(2, 1), 1,
                    new Partition.Settings(2, time, recordingChanger, LAG_MS, eligible::contains), -1);

            // when: it fetches at its log end with its last epoch
            var divergence = leader.divergence(2, diverged.latestEpoch().getAsInt(), diverged.logEndOffset());

            // then: the leader says epoch 0 ends at 5; the follower truncates there and then catches up
            assertThat(divergence).contains(new io.cairn.storage.EpochEndOffset(0, 5));
            follower.truncateAsFollower(2, divergence.get().endOffset());
            assertThat(diverged.logEndOffset()).isEqualTo(5);
            var read = leader.readAsFollower(2, 5, 1 << 20, Optional.of(2));
            follower.appendAsFollower(2, toMemory(read.records()));
            assertThat(diverged.logEndOffset()).isEqualTo(8);
            assertThat(leader.divergence(2, diverged.latestEpoch().getAsInt(), diverged.logEndOffset())).isEmpty();
            assertThat(diverged.endOffsetForEpoch(0)).isEqualTo(partitionLog.endOffsetForEpoch(0));
        } finally {
            diverged.close();
        }
    }

    @Test
    void aFollowerThatEndsBeforeTheLeadersEpochEndsStillTruncatesItsOwnLaterEpoch() throws Exception {
        // given: the leader has [0, 2) of epoch 0 and leads epoch 4 from 2
        Partition leader = leaderOf(List.of(1, 2), List.of(1, 2), 1);
        partitionLog.appendAsLeader(records(2), 0);
        leader.becomeRole(new ReplicaRole.Leader(4, 8, List.of(1, 2), List.of(1, 2)), 1);
        // and a replica that never got them: it led epoch 2 with an empty log and wrote [0, 1) that nobody else has
        PartitionLog diverged = PartitionLog.open(dir.resolve("t-0-replica"), TP, partitionLog.topicId(),
                LogConfig.defaults(), time);
        try {
            diverged.appendAsLeader(records(1), 2);
            Partition follower = new Partition(TP, diverged.topicId(), diverged, new ReplicaRole.Follower(4, 1), 1,
                    new Partition.Settings(2, time, recordingChanger, LAG_MS, eligible::contains), -1);
            var divergence = leader.divergence(4, diverged.latestEpoch().getAsInt(), diverged.logEndOffset());
            assertThat(divergence).contains(new io.cairn.storage.EpochEndOffset(0, 2));

            // when: it truncates as the leader's answer says
            follower.truncateToDivergence(4, divergence.get().epoch(), divergence.get().endOffset());

            // then: its epoch-2 record is gone (its own history has no epoch 0: it agrees with the leader only before
            // offset 0), and it catches up to the leader's log
            assertThat(diverged.logEndOffset()).isZero();
            var read = leader.readAsFollower(2, 0, 1 << 20, Optional.of(4));
            follower.appendAsFollower(4, toMemory(read.records()));
            assertThat(diverged.logEndOffset()).isEqualTo(2);
            assertThat(leader.divergence(4, diverged.latestEpoch().getAsInt(), diverged.logEndOffset())).isEmpty();
        } finally {
            diverged.close();
        }
    }

    private static MemoryRecords toMemory(org.apache.kafka.common.record.internal.Records records) throws Exception {
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(records.sizeInBytes());
        if (records instanceof org.apache.kafka.common.record.internal.FileRecords file) {
            file.readInto(buffer, 0); // reads from the slice's start and flips
            return MemoryRecords.readableRecords(buffer);
        }
        return (MemoryRecords) records;
    }
}
