package io.cairn.broker.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.cairn.broker.coordinator.CoordinatorWrite.TransactionalProducer;
import io.cairn.broker.group.OffsetsShard.OffsetFetchRequestTopic;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResult;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/**
 * Offsets committed in producers' transactions (TxnOffsetCommit, KIP-98/KIP-447): pending until the transaction's
 * marker, on a manual clock with no runtime.
 */
@org.junit.jupiter.api.Timeout(value = 10, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
class OffsetsShardTransactionTest {

    static final GroupConfig CONFIG = GroupCoordinatorShardTest.CONFIG;
    static final long P1 = 1000;
    static final long P2 = 2000;
    final GroupShardContext ctx = new GroupShardContext(CONFIG);

    // ---- visibility -------------------------------------------------------------------------------------------

    @Test
    void pendingOffsetsAreInvisibleUntilTheCommitMarker() {
        // given a transactional commit of t-0
        TxnOffsetCommitResponseData response = txnCommit(P1, "t", 0, 10);
        assertThat(errors(response)).containsOnly(Errors.NONE);

        // then it is pending, not committed
        assertThat(committed("t", 0)).isEqualTo(-1);
        assertThat(ctx.shard.offsets().pendingOffset(P1, "g", tp("t", 0)).offset()).isEqualTo(10);
        assertThat(ctx.shard.offsets().fetch("g", null).topics()).isEmpty();

        // when the transaction commits
        ctx.endTransaction(P1, true);

        // then the offset is committed and nothing is pending
        assertThat(committed("t", 0)).isEqualTo(10);
        assertThat(ctx.shard.offsets().pendingOffset(P1, "g", tp("t", 0))).isNull();
        assertThat(ctx.shard.offsets().openTransactionCount()).isZero();
    }

    @Test
    void theAbortMarkerDropsPendingOffsetsAndKeepsTheCommittedOnes() {
        // given a plain commit, then a transactional one of the same partition
        plainCommit("t", 0, 5);
        txnCommit(P1, "t", 0, 10);

        // when the transaction aborts
        ctx.endTransaction(P1, false);

        // then the plain commit stands and a later commit marker brings nothing back
        assertThat(committed("t", 0)).isEqualTo(5);
        ctx.endTransaction(P1, true);
        assertThat(committed("t", 0)).isEqualTo(5);
        assertThat(ctx.shard.offsets().openTransactionCount()).isZero();
    }

    @Test
    void interleavedProducersEndIndependentlyAndTheLaterOffsetOfAProducerWins() {
        // given two producers' transactions interleaved in the log
        txnCommit(P1, "t", 0, 10);
        txnCommit(P2, "t", 1, 20);
        txnCommit(P1, "t", 0, 11);
        txnCommit(P1, "u", 0, 30);

        // when the first commits
        ctx.endTransaction(P1, true);

        // then its latest offsets are committed and the other's are still pending
        assertThat(committed("t", 0)).isEqualTo(11);
        assertThat(committed("u", 0)).isEqualTo(30);
        assertThat(committed("t", 1)).isEqualTo(-1);
        assertThat(stableFetch("t", 1).errorCode()).isEqualTo(Errors.UNSTABLE_OFFSET_COMMIT.code());

        // and when the second aborts, its offset is gone
        ctx.endTransaction(P2, false);
        assertThat(committed("t", 1)).isEqualTo(-1);
        assertThat(stableFetch("t", 1).errorCode()).isEqualTo(Errors.NONE.code());
    }

    @Test
    void aPlainCommitWrittenAfterTheTransactionalOneWinsOverIt() {
        // given a transactional offset, then a plain commit of the same partition before the marker
        txnCommit(P1, "t", 0, 10);
        plainCommit("t", 0, 7);
        // and a plain commit of another partition before a transactional one
        plainCommit("t", 1, 3);
        txnCommit(P1, "t", 1, 4);

        // when the transaction commits
        ctx.endTransaction(P1, true);

        // then, as in Kafka, the offset written last to the log is the committed one
        assertThat(committed("t", 0)).isEqualTo(7);
        assertThat(committed("t", 1)).isEqualTo(4);
    }

    @Test
    void aRebuiltShardReachesTheSameStateAndStillHoldsOpenTransactions() {
        // given a log of plain and transactional commits and markers, with P2's transaction still open
        plainCommit("t", 0, 1);
        txnCommit(P1, "t", 0, 10);
        txnCommit(P2, "t", 1, 20);
        plainCommit("t", 2, 2);
        txnCommit(P1, "t", 2, 12);
        ctx.endTransaction(P1, true);
        txnCommit(P1, "t", 3, 13);
        ctx.endTransaction(P1, false);
        plainCommit("t", 2, 5);

        // when a new leader loads the partition
        GroupCoordinatorShard reloaded = ctx.reload(CONFIG);

        // then it has the same committed and pending offsets
        assertThat(reloaded.offsets().fetch("g", null)).isEqualTo(ctx.shard.offsets().fetch("g", null));
        assertThat(committedIn(reloaded, "t", 0)).isEqualTo(10);
        assertThat(committedIn(reloaded, "t", 2)).isEqualTo(5);
        assertThat(committedIn(reloaded, "t", 3)).isEqualTo(-1);
        assertThat(reloaded.offsets().pendingOffset(P2, "g", tp("t", 1)).offset()).isEqualTo(20);
        assertThat(reloaded.offsets().openTransactionCount()).isEqualTo(1);
        assertThat(reloaded.loadSummary()).isEqualTo(ctx.shard.loadSummary());

        // and P2's marker, arriving after the failover, commits its offset there
        reloaded.replayEndTransaction(P2, true);
        assertThat(committedIn(reloaded, "t", 1)).isEqualTo(20);
    }

    // ---- requireStable -----------------------------------------------------------------------------------------

    @Test
    void requireStableAnswersUnstableOffsetCommitForPartitionsWithPendingOffsets() {
        // given t-0 committed at 5 with a pending offset, and t-1 committed with none
        plainCommit("t", 0, 5);
        plainCommit("t", 1, 6);
        txnCommit(P1, "t", 0, 10);

        // then a stable fetch of t-0 is refused, of t-1 answered; an unstable fetch sees the committed offset
        OffsetFetchResponsePartitions pending = stableFetch("t", 0);
        assertThat(pending.errorCode()).isEqualTo(Errors.UNSTABLE_OFFSET_COMMIT.code());
        assertThat(pending.committedOffset()).isEqualTo(-1);
        assertThat(stableFetch("t", 1).committedOffset()).isEqualTo(6);
        assertThat(committed("t", 0)).isEqualTo(5);

        // and a stable fetch of all partitions marks t-0 only
        OffsetFetchResponseGroup all = ctx.shard.offsets().fetch("g", null, true);
        assertThat(all.topics()).hasSize(1);
        assertThat(all.topics().get(0).partitions()).extracting(OffsetFetchResponsePartitions::partitionIndex,
                OffsetFetchResponsePartitions::errorCode).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple(0, Errors.UNSTABLE_OFFSET_COMMIT.code()),
                org.assertj.core.groups.Tuple.tuple(1, Errors.NONE.code()));

        // when the transaction commits, the stable fetch answers
        ctx.endTransaction(P1, true);
        assertThat(stableFetch("t", 0).errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(stableFetch("t", 0).committedOffset()).isEqualTo(10);
    }

    // ---- tombstones --------------------------------------------------------------------------------------------

    @Test
    void offsetDeleteDropsAPendingOffsetSoThatTheCommitMarkerBringsNothingBack() {
        // given a group with a pending offset only, and no member subscribed to its topic
        txnCommit(P1, "t", 0, 10);

        // when the offset is deleted
        ctx.run(s -> s.offsets().deleteOffsets(new OffsetDeleteRequestData().setGroupId("g").setTopics(
                new OffsetDeleteRequestData.OffsetDeleteRequestTopicCollection(List.of(
                        new OffsetDeleteRequestData.OffsetDeleteRequestTopic().setName("t").setPartitions(List.of(
                                new OffsetDeleteRequestData.OffsetDeleteRequestPartition().setPartitionIndex(0)))
                ).iterator()))));

        // then a tombstone was written, nothing is pending, and the commit marker commits nothing
        assertThat(ctx.log).contains(new CoordinatorRecord.Offset("g", "t", 0, null));
        assertThat(ctx.shard.offsets().hasPendingOffset("g", tp("t", 0))).isFalse();
        ctx.endTransaction(P1, true);
        assertThat(committed("t", 0)).isEqualTo(-1);
    }

    @Test
    void deletingAGroupDeletesItsPendingOffsetsToo() {
        // given an empty group with a committed offset and a partition that only has a pending offset
        plainCommit("t", 0, 5);
        txnCommit(P1, "t", 1, 10);

        // when the group is deleted
        List<DeletableGroupResult> results = ctx.run(s -> s.offsets().deleteGroups(List.of("g")));

        // then both partitions got tombstones, and the commit marker revives neither the offsets nor the group
        assertThat(results.get(0).errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(ctx.log).contains(new CoordinatorRecord.Offset("g", "t", 0, null),
                new CoordinatorRecord.Offset("g", "t", 1, null));
        ctx.endTransaction(P1, true);
        assertThat(ctx.shard.offsets().offsetCount()).isZero();
        assertThat(ctx.shard.groupCount()).isZero();
        assertThat(ctx.reload(CONFIG).groupCount()).isZero();
    }

    // ---- TxnOffsetCommit validation ----------------------------------------------------------------------------

    @Test
    void theResultIsWrittenInTheProducersTransaction() {
        CoordinatorResult<TxnOffsetCommitResponseData> result = ctx.shard.offsets().commitTransactionalOffsets(
                txnRequest(P1, (short) 3, -1, "", null).setTopics(List.of(topic("t", 0, 10, ""))));

        assertThat(result.transactionalProducer()).isEqualTo(new TransactionalProducer(P1, (short) 3));
        assertThat(result.records()).hasSize(1);
    }

    @Test
    void anUnknownGroupAcceptsCommitsWithoutAGenerationOnly() {
        // a generation names a group that does not exist
        assertThat(errors(txnCommit(txnRequest(P1, (short) 0, 1, "m", null), "t", 0, 10)))
                .containsOnly(Errors.ILLEGAL_GENERATION);
        assertThat(ctx.log).isEmpty();
        assertThat(ctx.shard.groupCount()).isZero();

        // without one, a simple group is made by the offsets
        assertThat(errors(txnCommit(P1, "t", 0, 10))).containsOnly(Errors.NONE);
        assertThat(ctx.shard.describeGroup("g", (short) 5).groupState()).isEqualTo("Empty");
    }

    @Test
    void aMemberOfAGroupMustNameItsGenerationAndItself() {
        // given a stable group with one dynamic member
        JoinGroupResponseData member = stableGroup(null);

        // then the member's own commit is accepted and stale or unknown ones are not
        assertThat(txnError(member.generationId(), member.memberId(), null)).isEqualTo(Errors.NONE);
        assertThat(txnError(member.generationId() - 1, member.memberId(), null))
                .isEqualTo(Errors.ILLEGAL_GENERATION);
        assertThat(txnError(member.generationId(), "someone-else", null)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(txnError(member.generationId(), "", null)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        // a commit carrying no member and no generation (v0..v2) is not checked against the group
        assertThat(txnError(-1, "", null)).isEqualTo(Errors.NONE);
        // errors write nothing
        assertThat(ctx.log.stream().filter(r -> r instanceof CoordinatorRecord.Offset)).hasSize(2);
    }

    @Test
    void aStaticMemberIsFencedByItsInstanceId() {
        // given a stable group whose member is static instance "i"
        JoinGroupResponseData member = stableGroup("i");

        assertThat(txnError(member.generationId(), member.memberId(), "i")).isEqualTo(Errors.NONE);
        assertThat(txnError(member.generationId(), "old-member-id", "i")).isEqualTo(Errors.FENCED_INSTANCE_ID);
        assertThat(txnError(member.generationId(), member.memberId(), "unknown-instance"))
                .isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    }

    @Test
    void aRebalanceInProgressDoesNotRefuseATransactionalCommit() {
        // given a group completing its rebalance: the member has its generation but not its assignment
        CompletableFuture<JoinGroupResponseData> joined = newMember(null);
        ctx.advance(3000);
        JoinGroupResponseData member = joined.join();
        assertThat(ctx.shard.describeGroup("g", (short) 5).groupState()).isEqualTo("CompletingRebalance");

        // then, unlike OffsetCommit, TxnOffsetCommit is accepted (Kafka does not enforce the group's state)
        assertThat(txnError(member.generationId(), member.memberId(), null)).isEqualTo(Errors.NONE);
    }

    @Test
    void tooLargeMetadataIsRefusedPerPartition() {
        TxnOffsetCommitRequestData request = txnRequest(P1, (short) 0, -1, "", null).setTopics(List.of(
                new TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic().setName("t").setPartitions(List.of(
                        partition(0, 10, "ok"), partition(1, 11, "x".repeat(CONFIG.maxMetadataSize() + 1))))));

        TxnOffsetCommitResponseData response = ctx.run(s -> s.offsets().commitTransactionalOffsets(request));

        assertThat(errors(response)).containsExactly(Errors.NONE, Errors.OFFSET_METADATA_TOO_LARGE);
        ctx.endTransaction(P1, true);
        assertThat(committed("t", 0)).isEqualTo(10);
        assertThat(committed("t", 1)).isEqualTo(-1);
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    private static TopicPartition tp(String topic, int partition) {
        return new TopicPartition(topic, partition);
    }

    private static TxnOffsetCommitRequestData txnRequest(long producerId, short epoch, int generation,
                                                         String memberId, String instanceId) {
        return new TxnOffsetCommitRequestData().setTransactionalId("tx-" + producerId).setGroupId("g")
                .setProducerId(producerId).setProducerEpoch(epoch).setGenerationId(generation).setMemberId(memberId)
                .setGroupInstanceId(instanceId);
    }

    private static TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition partition(int index, long offset,
                                                                                        String metadata) {
        return new TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition().setPartitionIndex(index)
                .setCommittedOffset(offset).setCommittedMetadata(metadata);
    }

    private static TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic topic(String name, int partition,
                                                                                long offset, String metadata) {
        return new TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic().setName(name)
                .setPartitions(List.of(partition(partition, offset, metadata)));
    }

    private TxnOffsetCommitResponseData txnCommit(long producerId, String topic, int partition, long offset) {
        return txnCommit(txnRequest(producerId, (short) 0, -1, "", null), topic, partition, offset);
    }

    private TxnOffsetCommitResponseData txnCommit(TxnOffsetCommitRequestData request, String topic, int partition,
                                                  long offset) {
        request.setTopics(List.of(topic(topic, partition, offset, "")));
        return ctx.run(s -> s.offsets().commitTransactionalOffsets(request));
    }

    private Errors txnError(int generation, String memberId, String instanceId) {
        return errors(txnCommit(txnRequest(P1, (short) 0, generation, memberId, instanceId), "t", 0, 1)).get(0);
    }

    private static List<Errors> errors(TxnOffsetCommitResponseData response) {
        return response.topics().stream().flatMap(t -> t.partitions().stream())
                .map(p -> Errors.forCode(p.errorCode())).toList();
    }

    private void plainCommit(String topic, int partition, long offset) {
        OffsetCommitRequestData request = new OffsetCommitRequestData().setGroupId("g").setMemberId("")
                .setGenerationIdOrMemberEpoch(-1);
        request.topics().add(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName(topic).setPartitions(
                List.of(new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(partition)
                        .setCommittedOffset(offset))));
        assertThat(ctx.run(s -> s.offsets().commit(request, (short) 9)).topics().get(0).partitions().get(0).errorCode())
                .isEqualTo(Errors.NONE.code());
    }

    private long committed(String topic, int partition) {
        return committedIn(ctx.shard, topic, partition);
    }

    private static long committedIn(GroupCoordinatorShard shard, String topic, int partition) {
        OffsetFetchResponsePartitions answer = shard.offsets().fetch("g", List.of(
                new OffsetFetchRequestTopic(topic, List.of(partition)))).topics().get(0).partitions().get(0);
        assertThat(answer.errorCode()).isEqualTo(Errors.NONE.code());
        return answer.committedOffset();
    }

    private OffsetFetchResponsePartitions stableFetch(String topic, int partition) {
        return ctx.shard.offsets().fetch("g", List.of(new OffsetFetchRequestTopic(topic, List.of(partition))), true)
                .topics().get(0).partitions().get(0);
    }

    private CompletableFuture<JoinGroupResponseData> newMember(String instanceId) {
        JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestProtocol().setName("range").setMetadata(new byte[] {1}));
        JoinGroupRequestData join = new JoinGroupRequestData().setGroupId("g").setMemberId("")
                .setGroupInstanceId(instanceId).setSessionTimeoutMs(10_000).setRebalanceTimeoutMs(20_000)
                .setProtocolType("consumer").setProtocols(protocols);
        CompletableFuture<JoinGroupResponseData> first = ctx.run(s -> s.joinGroup("client", "/127.0.0.1",
                (short) 9, join));
        if (instanceId != null) {
            return first;
        }
        String memberId = first.join().memberId();
        return ctx.run(s -> s.joinGroup("client", "/127.0.0.1", (short) 9, join.duplicate().setMemberId(memberId)));
    }

    /** A stable group "g" of one member, generation 1. */
    private JoinGroupResponseData stableGroup(String instanceId) {
        CompletableFuture<JoinGroupResponseData> joined = newMember(instanceId);
        ctx.advance(3000);
        JoinGroupResponseData member = joined.join();
        ctx.run(s -> s.syncGroup(new SyncGroupRequestData().setGroupId("g").setMemberId(member.memberId())
                .setGroupInstanceId(instanceId).setGenerationId(member.generationId()).setAssignments(List.of(
                        new SyncGroupRequestData.SyncGroupRequestAssignment().setMemberId(member.memberId())
                                .setAssignment(new byte[0])))));
        assertThat(ctx.shard.describeGroup("g", (short) 5).groupState()).isEqualTo("Stable");
        return member;
    }
}
