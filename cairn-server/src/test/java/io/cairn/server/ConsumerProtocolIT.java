package io.cairn.server;

import static io.cairn.server.ConsumerGroupIT.pollUntil;
import static io.cairn.server.ConsumerGroupIT.produce;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.SubscriptionPattern;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The consumer group protocol of KIP-848 ({@code group.protocol=consumer}) with kafka-clients' own consumer against
 * a node: server-side assignment, members joining and leaving, a static member away past its session, committed
 * offsets surviving a restart with the group's state, the Admin API's view, regular expression subscriptions, and an
 * empty group moving between the classic and consumer protocols.
 */
class ConsumerProtocolIT {

    static final Map<String, Object> NODE = Map.of(
            "offsets.topic.num.partitions", "3",
            "group.consumer.session.timeout.ms", "6000",
            "group.consumer.heartbeat.interval.ms", "500");

    @TempDir
    Path dataDir;

    @Test
    void consumersSharePartitionsRebalanceWhenMembersComeAndGoAndResumeAfterRestart() throws Exception {
        try (TestNode node = TestNode.start(dataDir, NODE)) {
            try (Admin admin = node.admin()) {
                admin.createTopics(List.of(new NewTopic("orders", 6, (short) 1))).all().get();
            }
            produce(node, "orders", 0, 60);
            Set<String> seen = new HashSet<>();

            // given three members of one group, one of them static
            KafkaConsumer<String, String> c1 = node.consumer(props("g1", null));
            KafkaConsumer<String, String> c2 = node.consumer(props("g1", "static-2"));
            KafkaConsumer<String, String> c3 = node.consumer(props("g1", null));
            List<KafkaConsumer<String, String>> all = new ArrayList<>(List.of(c1, c2, c3));
            all.forEach(c -> c.subscribe(List.of("orders")));

            // then the server's uniform assignor gives each two partitions, and each reads its own to the end (a
            // partition moved away from a member is read again by its new owner: nothing was committed yet)
            pollUntil(all, seen, () -> all.stream().allMatch(c -> c.assignment().size() == 2));
            pollUntil(all, seen, () -> all.stream().mapToLong(ConsumerProtocolIT::positions).sum() == 60);
            all.forEach(KafkaConsumer::commitSync);

            // and the Admin API describes a consumer group with its members and their assignments
            try (Admin admin = node.admin()) {
                ConsumerGroupDescription group = admin.describeConsumerGroups(List.of("g1")).all().get().get("g1");
                assertThat(group.type()).isEqualTo(GroupType.CONSUMER);
                assertThat(group.groupState()).isEqualTo(GroupState.STABLE);
                assertThat(group.partitionAssignor()).isEqualTo("uniform");
                assertThat(group.members()).hasSize(3);
                assertThat(group.members()).extracting(m -> m.assignment().topicPartitions().size())
                        .containsOnly(2);
                assertThat(group.members()).extracting(MemberDescription::groupInstanceId)
                        .contains(java.util.Optional.of("static-2"));
                List<GroupListing> listed = new ArrayList<>(admin.listGroups(ListGroupsOptions.forConsumerGroups())
                        .all().get());
                assertThat(listed).anySatisfy(g -> {
                    assertThat(g.groupId()).isEqualTo("g1");
                    assertThat(g.type()).contains(GroupType.CONSUMER);
                });
            }

            // when a dynamic member leaves, the other two share its partitions
            c3.close();
            all.remove(c3);
            pollUntil(all, seen, () -> c1.assignment().size() == 3 && c2.assignment().size() == 3);

            // when the static member closes it leaves only for a while (epoch -2): its partitions wait for it until
            // its session (6 s) expires, then go to the remaining member
            c2.close();
            all.remove(c2);
            long leftAt = System.nanoTime();
            pollUntil(all, seen, () -> c1.assignment().size() == 6);
            assertThat(Duration.ofNanos(System.nanoTime() - leftAt)).isGreaterThan(Duration.ofSeconds(4));
            c1.commitSync();
            c1.close();
            assertThat(seen).hasSize(60);

            // when the node restarts, the group is loaded from __consumer_offsets and a member resumes from its offsets
            node.restart();
            produce(node, "orders", 60, 10);
            try (Admin admin = node.admin()) {
                ConsumerGroupDescription group = admin.describeConsumerGroups(List.of("g1")).all().get().get("g1");
                assertThat(group.type()).isEqualTo(GroupType.CONSUMER);
                assertThat(group.groupState()).isEqualTo(GroupState.EMPTY);
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("g1")
                        .partitionsToOffsetAndMetadata().get();
                assertThat(committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum()).isEqualTo(60);
            }
            KafkaConsumer<String, String> c4 = node.consumer(props("g1", null));
            c4.subscribe(List.of("orders"));
            Set<String> after = new HashSet<>();
            pollUntil(List.of(c4), after, () -> after.size() >= 10);
            c4.close();
            assertThat(after).hasSize(10).allMatch(v -> Integer.parseInt(v) >= 60);
        }
    }

    @Test
    void aMemberThatDiesIsRemovedAfterItsSessionAndItsPartitionsGoToTheOthers() throws Exception {
        try (TestNode node = TestNode.start(dataDir, NODE)) {
            try (Admin admin = node.admin()) {
                admin.createTopics(List.of(new NewTopic("dying", 4, (short) 1))).all().get();
            }
            KafkaConsumer<String, String> survivor = node.consumer(props("dying-group", null));
            survivor.subscribe(List.of("dying"));
            Set<String> seen = new HashSet<>();
            pollUntil(List.of(survivor), seen, () -> survivor.assignment().size() == 4);

            // given a second member, speaking the protocol by hand, that gets half of the partitions
            int port = Integer.parseInt(node.bootstrapServers().substring(node.bootstrapServers().lastIndexOf(':') + 1));
            try (RawClient raw = new RawClient(port)) {
                String memberId = org.apache.kafka.common.Uuid.randomUuid().toString();
                ConsumerGroupHeartbeatResponseData joined = (ConsumerGroupHeartbeatResponseData) raw.call(
                        ApiKeys.CONSUMER_GROUP_HEARTBEAT, new ConsumerGroupHeartbeatRequestData()
                                .setGroupId("dying-group").setMemberId(memberId).setMemberEpoch(0)
                                .setRebalanceTimeoutMs(30_000).setSubscribedTopicNames(List.of("dying"))
                                .setTopicPartitions(List.of()), (short) 1);
                assertThat(joined.errorCode()).isEqualTo((short) 0);
                int[] epoch = {joined.memberEpoch()};
                List<ConsumerGroupHeartbeatRequestData.TopicPartitions> owned = new ArrayList<>();
                pollUntil(List.of(survivor), seen, () -> {
                    ConsumerGroupHeartbeatResponseData response;
                    try {
                        response = (ConsumerGroupHeartbeatResponseData) raw.call(ApiKeys.CONSUMER_GROUP_HEARTBEAT,
                                new ConsumerGroupHeartbeatRequestData().setGroupId("dying-group")
                                        .setMemberId(memberId).setMemberEpoch(epoch[0]).setTopicPartitions(owned),
                                (short) 1);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    epoch[0] = response.memberEpoch();
                    if (response.assignment() != null) {
                        owned.clear();
                        response.assignment().topicPartitions().forEach(tp -> owned.add(
                                new ConsumerGroupHeartbeatRequestData.TopicPartitions().setTopicId(tp.topicId())
                                        .setPartitions(tp.partitions())));
                    }
                    return survivor.assignment().size() == 2
                            && owned.stream().mapToInt(tp -> tp.partitions().size()).sum() == 2;
                });
            }

            // when it dies (no leave, no more heartbeats), its partitions wait for its session (6 s), then move
            long diedAt = System.nanoTime();
            pollUntil(List.of(survivor), seen, () -> survivor.assignment().size() == 4);
            assertThat(Duration.ofNanos(System.nanoTime() - diedAt)).isGreaterThan(Duration.ofSeconds(4));
            survivor.close();
        }
    }

    @Test
    void aRegularExpressionSubscriptionIsResolvedByTheServerAndFollowsNewTopics() throws Exception {
        try (TestNode node = TestNode.start(dataDir, NODE)) {
            try (Admin admin = node.admin()) {
                admin.createTopics(List.of(new NewTopic("metrics-a", 2, (short) 1),
                        new NewTopic("other", 2, (short) 1))).all().get();
            }
            KafkaConsumer<String, String> consumer = node.consumer(props("regex-group", null));
            consumer.subscribe(new SubscriptionPattern("metrics-.*"));
            Set<String> seen = new HashSet<>();
            pollUntil(List.of(consumer), seen, () -> consumer.assignment().size() == 2);
            assertThat(consumer.assignment()).extracting(TopicPartition::topic).containsOnly("metrics-a");

            // when a matching topic is created, the group epoch moves and the member gets its partitions too
            try (Admin admin = node.admin()) {
                admin.createTopics(List.of(new NewTopic("metrics-b", 3, (short) 1))).all().get();
            }
            pollUntil(List.of(consumer), seen, () -> consumer.assignment().size() == 5);
            assertThat(consumer.assignment()).extracting(TopicPartition::topic)
                    .containsOnly("metrics-a", "metrics-b");
            consumer.close();
        }
    }

    @Test
    void anEmptyGroupMovesBetweenTheClassicAndTheConsumerProtocolKeepingItsOffsets() throws Exception {
        try (TestNode node = TestNode.start(dataDir, NODE)) {
            try (Admin admin = node.admin()) {
                admin.createTopics(List.of(new NewTopic("moving", 1, (short) 1))).all().get();
            }
            produce(node, "moving", 0, 10);

            // given a classic group that read 10 records and left
            Map<String, Object> classic = new HashMap<>(props("mover", null));
            classic.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
            classic.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6000);
            readAndCommit(node, classic, 10);

            // when a consumer-protocol member joins the empty group, it resumes where the classic one stopped
            produce(node, "moving", 10, 5);
            readAndCommit(node, props("mover", null), 5);
            try (Admin admin = node.admin()) {
                assertThat(admin.describeConsumerGroups(List.of("mover")).all().get().get("mover").type())
                        .isEqualTo(GroupType.CONSUMER);
            }

            // and back: a classic member joins the emptied consumer group and resumes too
            produce(node, "moving", 15, 5);
            readAndCommit(node, classic, 5);
            try (Admin admin = node.admin()) {
                assertThat(admin.describeConsumerGroups(List.of("mover")).all().get().get("mover").type())
                        .isEqualTo(GroupType.CLASSIC);
            }
        }
    }

    @Test
    void aGroupsOwnSessionTimeoutAndHeartbeatIntervalAreStoredAndDescribed() throws Exception {
        try (TestNode node = TestNode.start(dataDir, NODE)) {
            ConfigResource group = new ConfigResource(ConfigResource.Type.GROUP, "configured-group");
            try (Admin admin = node.admin()) {
                admin.incrementalAlterConfigs(Map.of(group, List.of(new AlterConfigOp(
                        new ConfigEntry("consumer.session.timeout.ms", "50000"), AlterConfigOp.OpType.SET))))
                        .all().get();
                // Kafka's bounds: group.consumer.max.heartbeat.interval.ms is 15 s
                assertThat(org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
                        () -> admin.incrementalAlterConfigs(Map.of(group, List.of(new AlterConfigOp(
                                new ConfigEntry("consumer.heartbeat.interval.ms", "60000"),
                                AlterConfigOp.OpType.SET)))).all().get()).getCause())
                        .isInstanceOf(org.apache.kafka.common.errors.InvalidConfigurationException.class);
            }
            node.restart();
            try (Admin admin = node.admin()) {
                Config described = admin.describeConfigs(List.of(group)).all().get().get(group);
                assertThat(described.get("consumer.session.timeout.ms").value()).isEqualTo("50000");
                assertThat(described.get("consumer.session.timeout.ms").source())
                        .isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_GROUP_CONFIG);
                assertThat(described.get("consumer.heartbeat.interval.ms").value()).isEqualTo("500");
                assertThat(described.get("consumer.heartbeat.interval.ms").source())
                        .isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
            }
        }
    }

    @Test
    void aGroupWithMembersIsUpgradedOnlineAndDowngradedBackAsMembersSwitchProtocols() throws Exception {
        try (TestNode node = TestNode.start(dataDir, NODE)) {
            try (Admin admin = node.admin()) {
                admin.createTopics(List.of(new NewTopic("rolling", 6, (short) 1))).all().get();
            }
            Map<String, Object> classic = new HashMap<>(props("rolling-group", null));
            classic.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
            classic.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6000);
            classic.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 500);
            classic.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                    org.apache.kafka.clients.consumer.CooperativeStickyAssignor.class.getName());
            Set<String> seen = new HashSet<>();

            // given a classic group of two members sharing the topic
            KafkaConsumer<String, String> old1 = node.consumer(classic);
            KafkaConsumer<String, String> old2 = node.consumer(classic);
            List<KafkaConsumer<String, String>> all = new ArrayList<>(List.of(old1, old2));
            all.forEach(c -> c.subscribe(List.of("rolling")));
            pollUntil(all, seen, () -> old1.assignment().size() == 3 && old2.assignment().size() == 3);

            // when a consumer-protocol member joins, the group becomes a consumer group with all three in it, and the
            // server's assignment spreads the partitions over them without any partition owned twice
            KafkaConsumer<String, String> upgraded = node.consumer(props("rolling-group", null));
            upgraded.subscribe(List.of("rolling"));
            all.add(upgraded);
            pollUntil(all, seen, () -> all.stream().allMatch(c -> c.assignment().size() == 2)
                    && disjoint(all));
            try (Admin admin = node.admin()) {
                ConsumerGroupDescription group = admin.describeConsumerGroups(List.of("rolling-group")).all().get()
                        .get("rolling-group");
                assertThat(group.type()).isEqualTo(GroupType.CONSUMER);
                assertThat(group.members()).hasSize(3);
            }
            produce(node, "rolling", 0, 30);
            pollUntil(all, seen, () -> seen.size() == 30);

            // when a classic member leaves, the other two share its partitions
            old1.close();
            all.remove(old1);
            pollUntil(all, seen, () -> all.stream().allMatch(c -> c.assignment().size() == 3) && disjoint(all));

            // when the consumer-protocol member leaves, only a classic member remains: the group is classic again
            // and that member rebalances to all six partitions
            upgraded.close();
            all.remove(upgraded);
            pollUntil(all, seen, () -> old2.assignment().size() == 6);
            try (Admin admin = node.admin()) {
                assertThat(admin.describeConsumerGroups(List.of("rolling-group")).all().get().get("rolling-group")
                        .type()).isEqualTo(GroupType.CLASSIC);
            }
            old2.close();
        }
    }

    /** Whether no partition is in two consumers' assignments. */
    private static boolean disjoint(List<KafkaConsumer<String, String>> consumers) {
        Set<TopicPartition> owned = new HashSet<>();
        return consumers.stream().allMatch(c -> c.assignment().stream().allMatch(owned::add));
    }

    private static long positions(KafkaConsumer<String, String> consumer) {
        return consumer.assignment().stream().mapToLong(tp -> consumer.position(tp, Duration.ofSeconds(10))).sum();
    }

    private static void readAndCommit(TestNode node, Map<String, Object> props, int expected) {
        try (KafkaConsumer<String, String> consumer = node.consumer(props)) {
            consumer.subscribe(List.of("moving"));
            Set<String> seen = new HashSet<>();
            pollUntil(List.of(consumer), seen, () -> seen.size() >= expected);
            consumer.commitSync();
            assertThat(seen).hasSize(expected);
        }
    }

    static Map<String, Object> props(String group, String instanceId) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer");
        if (instanceId != null) {
            props.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instanceId);
        }
        return props;
    }
}
