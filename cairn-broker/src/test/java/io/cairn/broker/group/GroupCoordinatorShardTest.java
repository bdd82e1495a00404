package io.cairn.broker.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/** The classic group protocol on a manual clock: no threads, no sleeping. */
@org.junit.jupiter.api.Timeout(value = 10, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
class GroupCoordinatorShardTest {

    static final GroupConfig CONFIG = new GroupConfig(50, (short) 1, 1 << 20, 3000, 6000, 300_000, 4096, 5000);
    final GroupShardContext ctx = new GroupShardContext(CONFIG);

    private static JoinGroupRequestData join(String memberId, String instanceId) {
        JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestProtocol().setName("range").setMetadata(new byte[] {1}));
        return new JoinGroupRequestData().setGroupId("g").setMemberId(memberId).setGroupInstanceId(instanceId)
                .setSessionTimeoutMs(10_000).setRebalanceTimeoutMs(20_000).setProtocolType("consumer")
                .setProtocols(protocols);
    }

    private CompletableFuture<JoinGroupResponseData> joinGroup(JoinGroupRequestData request) {
        return ctx.run(s -> s.joinGroup("client", "/127.0.0.1", (short) 9, request));
    }

    /** The member-id round trip, then the parked join. */
    private CompletableFuture<JoinGroupResponseData> newMember() {
        JoinGroupResponseData first = joinGroup(join("", null)).join();
        assertThat(Errors.forCode(first.errorCode())).isEqualTo(Errors.MEMBER_ID_REQUIRED);
        return joinGroup(join(first.memberId(), null));
    }

    private SyncGroupResponseData sync(JoinGroupResponseData joined, byte[] assignment) {
        SyncGroupRequestData request = new SyncGroupRequestData().setGroupId("g").setMemberId(joined.memberId())
                .setGenerationId(joined.generationId());
        if (assignment != null) {
            for (JoinGroupResponseData.JoinGroupResponseMember m : joined.members()) {
                request.assignments().add(new SyncGroupRequestData.SyncGroupRequestAssignment()
                        .setMemberId(m.memberId()).setAssignment(assignment));
            }
        }
        CompletableFuture<SyncGroupResponseData> future = ctx.run(s -> s.syncGroup(request));
        return future.getNow(null);
    }

    private Errors heartbeat(JoinGroupResponseData joined) {
        return Errors.forCode(ctx.run(s -> s.heartbeat(new HeartbeatRequestData().setGroupId("g")
                .setMemberId(joined.memberId()).setGenerationId(joined.generationId()))).errorCode());
    }

    @Test
    void initialDelayWaitsForMembersThenOneGenerationForAll() {
        // given two members joining during the initial rebalance delay
        CompletableFuture<JoinGroupResponseData> a = newMember();
        ctx.advance(1000);
        CompletableFuture<JoinGroupResponseData> b = newMember();
        assertThat(a).isNotDone();

        // when the delay passes (extended once because a member came during it)
        ctx.advance(3000);
        assertThat(a).isNotDone();
        ctx.advance(3000);

        // then both are answered with generation 1 and one leader who sees both subscriptions
        assertThat(a).isDone();
        assertThat(b).isDone();
        JoinGroupResponseData leader = a.join().members().isEmpty() ? b.join() : a.join();
        assertThat(leader.generationId()).isEqualTo(1);
        assertThat(leader.members()).hasSize(2);
        assertThat(ctx.shard.describeGroup("g", (short) 5).groupState()).isEqualTo("CompletingRebalance");
    }

    @Test
    void syncDeliversTheLeadersAssignmentAndPersistsIt() {
        CompletableFuture<JoinGroupResponseData> a = newMember();
        ctx.advance(3000);
        JoinGroupResponseData joined = a.join();

        SyncGroupResponseData synced = sync(joined, new byte[] {7});

        assertThat(synced.assignment()).containsExactly(7);
        assertThat(ctx.shard.describeGroup("g", (short) 5).groupState()).isEqualTo("Stable");
        assertThat(ctx.log).anyMatch(r -> r instanceof CoordinatorRecord.Group);
        // and a reload from the log restores the stable group with its member and assignment
        GroupCoordinatorShard reloaded = ctx.reload(CONFIG);
        assertThat(reloaded.describeGroup("g", (short) 5).groupState()).isEqualTo("Stable");
        assertThat(reloaded.describeGroup("g", (short) 5).members().get(0).memberAssignment()).containsExactly(7);
    }

    @Test
    void sessionTimeoutRemovesASilentMemberAndRebalances() {
        CompletableFuture<JoinGroupResponseData> a = newMember();
        CompletableFuture<JoinGroupResponseData> b = newMember();
        ctx.advance(6000); // the initial delay, extended once for the second member
        assertThat(a).isDone();
        sync(a.join(), new byte[] {1});
        sync(b.join(), null);
        // when a keeps heartbeating and b goes silent past its 10 s session
        for (int i = 0; i < 4; i++) {
            ctx.advance(3000);
            assertThat(heartbeat(a.join())).isIn(Errors.NONE, Errors.REBALANCE_IN_PROGRESS);
        }
        // then b is gone and a is told to rejoin
        assertThat(ctx.shard.describeGroup("g", (short) 5).members()).hasSize(1);
        assertThat(heartbeat(a.join())).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        assertThat(heartbeat(b.join())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        // and a's rejoin completes the next generation at once
        JoinGroupResponseData rejoined = joinGroup(join(a.join().memberId(), null)).join();
        assertThat(rejoined.generationId()).isEqualTo(2);
    }

    @Test
    void leaveOfLastMemberEmptiesTheGroupAndCommitsNeedAValidGeneration() {
        CompletableFuture<JoinGroupResponseData> a = newMember();
        ctx.advance(3000);
        JoinGroupResponseData joined = a.join();
        sync(joined, new byte[] {1});
        // a commit with the current generation is accepted, one with an old generation is not
        assertThat(commit(joined.memberId(), joined.generationId())).isEqualTo(Errors.NONE);
        assertThat(commit(joined.memberId(), joined.generationId() - 1)).isEqualTo(Errors.ILLEGAL_GENERATION);

        ctx.run(s -> s.leaveGroup((short) 5, new LeaveGroupRequestData().setGroupId("g").setMembers(List.of(
                new LeaveGroupRequestData.MemberIdentity().setMemberId(joined.memberId())))));

        assertThat(ctx.shard.describeGroup("g", (short) 5).groupState()).isEqualTo("Empty");
        assertThat(commit("", -1)).isEqualTo(Errors.NONE);
        assertThat(ctx.shard.offsets().fetch("g", null).topics().get(0).partitions().get(0).committedOffset())
                .isEqualTo(42);
    }

    @Test
    void staticMemberRejoiningKeepsItsAssignmentWithoutARebalance() {
        CompletableFuture<JoinGroupResponseData> a = joinGroup(join("", "instance-a"));
        ctx.advance(3000);
        JoinGroupResponseData first = a.join();
        sync(first, new byte[] {9});

        // when the same instance restarts and joins with no member id
        JoinGroupResponseData again = joinGroup(join("", "instance-a")).join();

        // then it gets a new member id in the same generation and its old id is fenced
        assertThat(again.generationId()).isEqualTo(first.generationId());
        assertThat(again.memberId()).isNotEqualTo(first.memberId());
        assertThat(heartbeat(first)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        // and the old instance, heartbeating with its instance id, learns that it is fenced (fatal for clients), as
        // Kafka answers it; the new member's id starts with the instance id, as Kafka's
        assertThat(Errors.forCode(ctx.run(s -> s.heartbeat(new HeartbeatRequestData().setGroupId("g")
                .setMemberId(first.memberId()).setGroupInstanceId("instance-a")
                .setGenerationId(first.generationId()))).errorCode())).isEqualTo(Errors.FENCED_INSTANCE_ID);
        assertThat(again.memberId()).startsWith("instance-a-");
        assertThat(sync(again, null).assignment()).containsExactly(9);
        assertThat(ctx.shard.describeGroup("g", (short) 5).groupState()).isEqualTo("Stable");
    }

    @Test
    void commitsToAGroupThatDoesNotExistAreCheckedAsKafkaChecksThem() {
        // without a generation, even naming a member (librdkafka's assign() with group.protocol=consumer does), the
        // commit creates a simple group
        assertThat(commit("rdkafka-generated-member-id", -1)).isEqualTo(Errors.NONE);
        assertThat(ctx.shard.offsets().fetch("g", null).topics().get(0).partitions().get(0).committedOffset())
                .isEqualTo(42);
        // with a generation, for a group that does not exist: GROUP_ID_NOT_FOUND from version 9 on
        assertThat(commit("h", "m", 3, (short) 9)).isEqualTo(Errors.GROUP_ID_NOT_FOUND);
        assertThat(commit("h", "m", 3, (short) 8)).isEqualTo(Errors.ILLEGAL_GENERATION);
    }

    private Errors commit(String memberId, int generation) {
        return commit("g", memberId, generation, (short) 9);
    }

    private Errors commit(String groupId, String memberId, int generation, short version) {
        OffsetCommitRequestData request = new OffsetCommitRequestData().setGroupId(groupId).setMemberId(memberId)
                .setGenerationIdOrMemberEpoch(generation);
        request.topics().add(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName("t").setPartitions(
                List.of(new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(0)
                        .setCommittedOffset(42))));
        OffsetCommitResponseData response = ctx.run(s -> s.offsets().commit(request, version));
        return Errors.forCode(response.topics().get(0).partitions().get(0).errorCode());
    }
}
