package io.cairn.broker.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import io.cairn.metadata.record.MetadataBatch;
import io.cairn.metadata.record.MetadataRecord;
import io.cairn.metadata.record.PartitionRecord;
import io.cairn.metadata.record.TopicRecord;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The consumer group protocol (KIP-848) on one shard with a manual clock: members joining, revoking before others
 * are given their partitions, fencing, timeouts, static members, reloading from the log, and a seeded simulation of
 * compliant clients checking after every heartbeat that no partition has two owners.
 */
class ConsumerGroupShardTest {

    private static final GroupConfig CONFIG = GroupCoordinatorShardTest.CONFIG.withConsumer(
            new GroupConfig.ConsumerGroupConfig(true, 45_000, 5_000, Integer.MAX_VALUE, List.of("uniform", "range"),
                    "bidirectional"));
    private static final Uuid ORDERS = Uuid.fromString("AAAAAAAAAAAAAAAAAAAAAQ");
    private static final Uuid AUDIT = Uuid.fromString("AAAAAAAAAAAAAAAAAAAAAg");

    private GroupShardContext ctx;
    private long imageOffset = 1;

    @BeforeEach
    void setUp() {
        ctx = new GroupShardContext(CONFIG);
        createTopic("orders", ORDERS, 4);
    }

    private void createTopic(String name, Uuid id, int partitions) {
        List<MetadataRecord> records = new ArrayList<>();
        records.add(new TopicRecord(name, id));
        for (int p = 0; p < partitions; p++) {
            records.add(new PartitionRecord(id, p, List.of(1), List.of(1), 1, 0, 0, null, null));
        }
        ctx.image = ctx.image.apply(new MetadataBatch(imageOffset++, 1, 1, records));
    }

    @Test
    void aMemberJoiningAnEmptyGroupGetsEveryPartitionAtTheNewEpoch() {
        ConsumerGroupHeartbeatResponseData response = heartbeat(join("a", "orders"));

        assertThat(response.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(response.memberEpoch()).isEqualTo(1);
        assertThat(response.heartbeatIntervalMs()).isEqualTo(5_000);
        assertThat(partitions(response)).containsExactlyInAnyOrder(0, 1, 2, 3);
    }

    @Test
    void aNewMemberGetsPartitionsOnlyAfterTheirOwnerRevokedThem() {
        Client a = new Client("a");
        a.heartbeat(join("a", "orders"));
        assertThat(a.owned).hasSize(4);

        // when b joins, the target gives it two of a's partitions, which a still owns
        Client b = new Client("b");
        b.heartbeat(join("b", "orders"));
        assertThat(b.epoch).isEqualTo(2);
        assertThat(b.owned).isEmpty();

        // a is told to keep two: it stays at epoch 1 until it reports having revoked the others
        a.heartbeat(a.request());
        assertThat(a.epoch).isEqualTo(1);
        assertThat(a.owned).hasSize(2);
        assertThat(member("g", "a").state()).isEqualTo(ConsumerMember.State.UNREVOKED_PARTITIONS);

        a.heartbeat(a.request());
        assertThat(a.epoch).isEqualTo(2);
        b.heartbeat(b.request());
        assertThat(b.owned).hasSize(2).doesNotContainAnyElementsOf(a.owned);
        assertThat(ctx.shard.consumerGroups.group("g").state()).isEqualTo(ConsumerGroup.State.STABLE);
    }

    @Test
    void staleAndUnknownMembersAreFencedAsKafkaFencesThem() {
        Client a = new Client("a");
        a.heartbeat(join("a", "orders"));
        new Client("b").heartbeat(join("b", "orders"));
        a.heartbeat(a.request());
        a.heartbeat(a.request());
        assertThat(a.epoch).isEqualTo(2);

        // the previous epoch is accepted while the member owns only what it is assigned (a lost response)
        assertThat(heartbeat(a.request().setMemberEpoch(1)).errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(heartbeat(a.request().setMemberEpoch(1).setTopicPartitions(List.of(
                new ConsumerGroupHeartbeatRequestData.TopicPartitions().setTopicId(ORDERS)
                        .setPartitions(List.of(0, 1, 2, 3))))).errorCode())
                .isEqualTo(Errors.FENCED_MEMBER_EPOCH.code());
        assertThat(heartbeat(a.request().setMemberEpoch(7)).errorCode()).isEqualTo(Errors.FENCED_MEMBER_EPOCH.code());
        assertThat(heartbeat(a.request().setMemberId("nobody")).errorCode())
                .isEqualTo(Errors.UNKNOWN_MEMBER_ID.code());
        assertThat(heartbeat(a.request().setGroupId("no-such-group")).errorCode())
                .isEqualTo(Errors.GROUP_ID_NOT_FOUND.code());
    }

    @Test
    void malformedHeartbeatsGetKafkasErrors() {
        assertThat(heartbeat(join("a", "orders").setRebalanceTimeoutMs(-1)).errorCode())
                .isEqualTo(Errors.INVALID_REQUEST.code());
        assertThat(heartbeat(join("a", "orders").setMemberId("")).errorCode())
                .isEqualTo(Errors.INVALID_REQUEST.code());
        assertThat(heartbeat(join("a", "orders").setServerAssignor("sticky")).errorCode())
                .isEqualTo(Errors.UNSUPPORTED_ASSIGNOR.code());
        assertThat(heartbeat(join("a", null).setSubscribedTopicRegex("(unclosed")).errorCode())
                .isEqualTo(Errors.INVALID_REGULAR_EXPRESSION.code());
        assertThat(heartbeat(join("a", "orders").setMemberEpoch(-3)).errorCode())
                .isEqualTo(Errors.INVALID_REQUEST.code());
        assertThat(ctx.log).isEmpty();
    }

    @Test
    void aSilentMemberIsRemovedAfterItsSessionAndOneThatDoesNotRevokeAfterItsRebalanceTimeout() {
        Client a = new Client("a");
        a.heartbeat(join("a", "orders"));
        Client b = new Client("b");
        b.heartbeat(join("b", "orders"));
        a.heartbeat(a.request());
        assertThat(member("g", "a").state()).isEqualTo(ConsumerMember.State.UNREVOKED_PARTITIONS);

        // a is told to revoke and never reports it: after its rebalance timeout (30 s, before its session's 45 s)
        // it is removed, and b gets everything
        ctx.advance(30_001);
        assertThat(member("g", "a")).isNull();
        b.heartbeat(b.request());
        assertThat(b.owned).hasSize(4);

        // b goes silent: after its session it is removed, the group is empty
        ctx.advance(45_001);
        assertThat(ctx.shard.consumerGroups.group("g").isEmpty()).isTrue();
        assertThat(ctx.shard.consumerGroups.group("g").state()).isEqualTo(ConsumerGroup.State.EMPTY);
    }

    @Test
    void aStaticMemberKeepsItsPartitionsWhileAwayAndTakesThemBackUnderANewMemberId() {
        Client s = new Client("s1");
        s.heartbeat(join("s1", "orders").setInstanceId("instance-1"));
        Client d = new Client("d");
        d.heartbeat(join("d", "orders"));
        for (int i = 0; i < 3; i++) {
            s.heartbeat(s.request().setInstanceId("instance-1"));
            d.heartbeat(d.request());
        }
        Set<Integer> staticPartitions = Set.copyOf(s.owned);
        int epoch = ctx.shard.consumerGroups.group("g").groupEpoch;

        // it leaves for a while, then comes back as a new process (a new member id) with the same instance id
        assertThat(heartbeat(s.request().setInstanceId("instance-1").setMemberEpoch(-2)).memberEpoch()).isEqualTo(-2);
        assertThat(heartbeat(join("s2", "orders").setInstanceId("instance-1")).errorCode())
                .isEqualTo(Errors.NONE.code());
        assertThat(member("g", "s1")).isNull();
        ConsumerMember back = member("g", "s2");
        assertThat(back.assigned().partitions().get(ORDERS)).isEqualTo(staticPartitions);
        assertThat(ctx.shard.consumerGroups.group("g").groupEpoch).isEqualTo(epoch);
        // while it holds the instance id, another process with that id cannot join
        assertThat(heartbeat(join("s3", "orders").setInstanceId("instance-1")).errorCode())
                .isEqualTo(Errors.UNRELEASED_INSTANCE_ID.code());
    }

    @Test
    void aStaticMemberStaysStaticWhenItsHeartbeatsLeaveTheInstanceIdOut() {
        Client s = new Client("s1");
        s.heartbeat(join("s1", "orders").setInstanceId("instance-1"));
        // librdkafka sends the instance id only when joining
        s.heartbeat(s.request());

        assertThat(member("g", "s1").instanceId()).isEqualTo("instance-1");
        assertThat(heartbeat(join("s2", "orders").setInstanceId("instance-1")).errorCode())
                .isEqualTo(Errors.UNRELEASED_INSTANCE_ID.code());
    }

    @Test
    void aNewLeaderLoadsTheGroupsMembersAndAssignmentsFromTheLog() {
        Client a = new Client("a");
        a.heartbeat(join("a", "orders"));
        Client b = new Client("b");
        b.heartbeat(join("b", "orders"));
        a.heartbeat(a.request());

        GroupCoordinatorShard reloaded = ctx.reload(CONFIG);

        ConsumerGroupDescribeResponseData.DescribedGroup before = ctx.shard.describeConsumerGroup("g");
        ConsumerGroupDescribeResponseData.DescribedGroup after = reloaded.describeConsumerGroup("g");
        assertThat(after).isEqualTo(before);
        assertThat(after.groupState()).isEqualTo("Reconciling");
        assertThat(after.members()).hasSize(2);
    }

    @Test
    void aSubscribedTopicGettingPartitionsBumpsTheEpochAndIsAssigned() {
        Client a = new Client("a");
        a.heartbeat(join("a", "orders,audit"));
        assertThat(a.owned).hasSize(4);

        createTopic("audit", AUDIT, 2);
        a.heartbeat(a.request());
        assertThat(a.epoch).isEqualTo(2);
        assertThat(a.ownedTopics).containsEntry(AUDIT, Set.of(0, 1));
    }

    @Test
    void aGroupsOwnConfigsGiveItsMembersTheirHeartbeatIntervalAndSession() {
        ctx.image = ctx.image.apply(new MetadataBatch(imageOffset++, 1, 1, List.of(
                new io.cairn.metadata.record.ConfigRecord(io.cairn.metadata.record.ConfigRecord.ResourceType.GROUP,
                        "g", "consumer.heartbeat.interval.ms", "7000"),
                new io.cairn.metadata.record.ConfigRecord(io.cairn.metadata.record.ConfigRecord.ResourceType.GROUP,
                        "g", "consumer.session.timeout.ms", "50000"))));
        assertThat(heartbeat(join("a", "orders")).heartbeatIntervalMs()).isEqualTo(7000);

        ctx.advance(45_001);
        assertThat(member("g", "a")).as("still within its group's 50 s session").isNotNull();
        ctx.advance(5_000);
        assertThat(member("g", "a")).isNull();
    }

    @Test
    void aClassicMemberJoinsAConsumerGroupSyncsItsPartitionsAndSurvivesAReload() {
        Client a = new Client("a");
        a.heartbeat(join("a", "orders"));

        // a classic member (the consumer protocol embedded in JoinGroup) joins the consumer group
        org.apache.kafka.common.message.JoinGroupResponseData required = ctx.run(s -> s.joinGroup("classic-client",
                "/127.0.0.1", (short) 9, classicJoin(""))).join();
        assertThat(required.errorCode()).isEqualTo(Errors.MEMBER_ID_REQUIRED.code());
        String classicId = required.memberId();
        org.apache.kafka.common.message.JoinGroupResponseData joined = ctx.run(s -> s.joinGroup("classic-client",
                "/127.0.0.1", (short) 9, classicJoin(classicId))).join();
        assertThat(joined.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(joined.protocolName()).isEqualTo("range");
        assertThat(member("g", classicId).usesClassicProtocol()).isTrue();

        // once a revokes, the classic member's heartbeat asks it to rejoin, and its sync gets two partitions
        a.heartbeat(a.request());
        a.heartbeat(a.request());
        assertThat(ctx.run(s -> s.heartbeat(new org.apache.kafka.common.message.HeartbeatRequestData()
                .setGroupId("g").setMemberId(classicId).setGenerationId(joined.generationId()))).errorCode())
                .isEqualTo(Errors.REBALANCE_IN_PROGRESS.code());
        org.apache.kafka.common.message.JoinGroupResponseData rejoined = ctx.run(s -> s.joinGroup("classic-client",
                "/127.0.0.1", (short) 9, classicJoin(classicId))).join();
        org.apache.kafka.common.message.SyncGroupResponseData synced = ctx.run(s -> s.syncGroup(
                new org.apache.kafka.common.message.SyncGroupRequestData().setGroupId("g").setMemberId(classicId)
                        .setGenerationId(rejoined.generationId()).setProtocolType("consumer")
                        .setProtocolName("range"))).join();
        assertThat(synced.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(org.apache.kafka.clients.consumer.internals.ConsumerProtocol.deserializeAssignment(
                java.nio.ByteBuffer.wrap(synced.assignment())).partitions()).hasSize(2);
        assertThat(a.owned).hasSize(2);

        // and a new leader loads both kinds of member as they were
        GroupCoordinatorShard reloaded = ctx.reload(CONFIG);
        assertThat(reloaded.describeConsumerGroup("g")).isEqualTo(ctx.shard.describeConsumerGroup("g"));
        assertThat(reloaded.consumerGroups.group("g").member(classicId).classic().sessionTimeoutMs())
                .isEqualTo(10_000);
    }

    @Test
    void aLoadedGroupResolvesItsRegexOnlyToTheTopicsItWasAssignedUntilAHeartbeatBringsACallersView() {
        // given: a member subscribed to ".*" whose principal may DESCRIBE orders, not audit
        createTopic("audit", AUDIT, 2);
        ConsumerGroupHeartbeatResponseData joined = ctx.run(s -> s.consumerGroupHeartbeat("client", "/127.0.0.1",
                (short) 1, join("a", null).setSubscribedTopicRegex(".*"), "orders"::equals));
        assertThat(joined.assignment().topicPartitions()).extracting(tp -> tp.topicId()).containsExactly(ORDERS);

        // when: a new coordinator loads the group, and a classic member joins it before any heartbeat
        GroupCoordinatorShard reloaded = ctx.reload(CONFIG);
        String classicId = ctx.runOn(reloaded, s -> s.joinGroup("classic-client", "/127.0.0.1", (short) 9,
                classicJoin(""))).join().memberId();
        ctx.runOn(reloaded, s -> s.joinGroup("classic-client", "/127.0.0.1", (short) 9, classicJoin(classicId)));

        // then: the group was rebalanced, and the regex member is still given nothing of audit
        ConsumerGroup group = reloaded.consumerGroups.group("g");
        assertThat(group.member(classicId)).isNotNull();
        assertThat(group.groupEpoch).isEqualTo(2);
        assertThat(group.member("a").target().partitions()).containsOnlyKeys(ORDERS);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
    void compliantClientsNeverShareAPartitionAndSettle(int seed) {
        Random random = new Random(seed);
        createTopic("audit", AUDIT, 3);
        Map<String, Client> clients = new HashMap<>();
        for (int step = 0; step < 300; step++) {
            int action = random.nextInt(10);
            if (action == 0 && clients.size() < 5) {
                String id = "m" + step;
                Client c = new Client(id);
                c.heartbeat(join(id, random.nextBoolean() ? "orders" : "orders,audit"));
                clients.put(id, c);
            } else if (action == 1 && !clients.isEmpty()) {
                Client leaving = pick(clients, random);
                heartbeat(leaving.request().setMemberEpoch(-1));
                clients.remove(leaving.memberId);
            } else if (!clients.isEmpty()) {
                Client c = pick(clients, random);
                c.heartbeat(c.request());
            }
            assertNoPartitionHasTwoOwners(clients);
        }
        // when every member keeps heartbeating, the group settles with every subscribed partition owned
        for (int round = 0; round < 10; round++) {
            clients.values().forEach(c -> c.heartbeat(c.request()));
            assertNoPartitionHasTwoOwners(clients);
        }
        if (!clients.isEmpty()) {
            assertThat(ctx.shard.consumerGroups.group("g").state()).isEqualTo(ConsumerGroup.State.STABLE);
            assertThat(clients.values().stream().mapToInt(c -> c.ownedTopics.getOrDefault(ORDERS, Set.of()).size())
                    .sum()).isEqualTo(4);
        }
    }

    private static Client pick(Map<String, Client> clients, Random random) {
        List<String> ids = new ArrayList<>(clients.keySet());
        ids.sort(String::compareTo);
        return clients.get(ids.get(random.nextInt(ids.size())));
    }

    private static void assertNoPartitionHasTwoOwners(Map<String, Client> clients) {
        Set<String> seen = new HashSet<>();
        for (Client c : clients.values()) {
            c.ownedTopics.forEach((topic, partitions) -> partitions.forEach(p ->
                    assertThat(seen.add(topic + "-" + p)).as("%s-%d owned twice", topic, p).isTrue()));
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------

    /** A consumer that does what the protocol asks: owns exactly the last assignment it was given. */
    private final class Client {
        final String memberId;
        int epoch;
        Map<Uuid, Set<Integer>> ownedTopics = new HashMap<>();
        Set<Integer> owned = new HashSet<>();

        Client(String memberId) {
            this.memberId = memberId;
        }

        ConsumerGroupHeartbeatRequestData request() {
            List<ConsumerGroupHeartbeatRequestData.TopicPartitions> tps = new ArrayList<>();
            ownedTopics.forEach((topic, ps) -> tps.add(new ConsumerGroupHeartbeatRequestData.TopicPartitions()
                    .setTopicId(topic).setPartitions(new ArrayList<>(ps))));
            return new ConsumerGroupHeartbeatRequestData().setGroupId("g").setMemberId(memberId)
                    .setMemberEpoch(epoch).setRebalanceTimeoutMs(-1).setSubscribedTopicNames(null)
                    .setTopicPartitions(tps);
        }

        void heartbeat(ConsumerGroupHeartbeatRequestData request) {
            ConsumerGroupHeartbeatResponseData response = ConsumerGroupShardTest.this.heartbeat(request);
            assertThat(response.errorCode()).as(response.errorMessage()).isEqualTo(Errors.NONE.code());
            epoch = response.memberEpoch();
            if (response.assignment() != null) {
                ownedTopics = new HashMap<>();
                response.assignment().topicPartitions().forEach(tp ->
                        ownedTopics.put(tp.topicId(), new HashSet<>(tp.partitions())));
                owned = new HashSet<>(ownedTopics.getOrDefault(ORDERS, Set.of()));
            }
        }
    }

    /** A classic member's JoinGroup of group g: the consumer protocol embedded, "range" over orders. */
    private static org.apache.kafka.common.message.JoinGroupRequestData classicJoin(String memberId) {
        byte[] subscription = org.apache.kafka.clients.consumer.internals.ConsumerProtocol.serializeSubscription(
                new org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Subscription(List.of("orders")))
                .array();
        org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection protocols =
                new org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection();
        protocols.add(new org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol()
                .setName("range").setMetadata(subscription));
        return new org.apache.kafka.common.message.JoinGroupRequestData().setGroupId("g").setMemberId(memberId)
                .setSessionTimeoutMs(10_000).setRebalanceTimeoutMs(30_000).setProtocolType("consumer")
                .setProtocols(protocols);
    }

    private ConsumerGroupHeartbeatRequestData join(String memberId, String topics) {
        return new ConsumerGroupHeartbeatRequestData().setGroupId("g").setMemberId(memberId).setMemberEpoch(0)
                .setRebalanceTimeoutMs(30_000)
                .setSubscribedTopicNames(topics == null ? null : List.of(topics.split(",")))
                .setTopicPartitions(List.of());
    }

    private ConsumerGroupHeartbeatResponseData heartbeat(ConsumerGroupHeartbeatRequestData request) {
        return ctx.run(s -> s.consumerGroupHeartbeat("client", "/127.0.0.1", (short) 1, request));
    }

    private ConsumerMember member(String groupId, String memberId) {
        ConsumerGroup group = ctx.shard.consumerGroups.group(groupId);
        return group == null ? null : group.member(memberId);
    }

    private static List<Integer> partitions(ConsumerGroupHeartbeatResponseData response) {
        List<Integer> out = new ArrayList<>();
        response.assignment().topicPartitions().forEach(tp -> out.addAll(tp.partitions()));
        return out;
    }
}
