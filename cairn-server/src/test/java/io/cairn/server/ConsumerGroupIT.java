package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Consumer groups with real kafka-clients consumers: join, rebalance on leave and on session timeout,
 * commit, and resume from committed offsets after a restart.
 */
class ConsumerGroupIT {

    static final Map<String, Object> NODE = Map.of(
            "offsets.topic.num.partitions", "5",
            "group.initial.rebalance.delay.ms", "200");

    @TempDir
    Path dataDir;

    @Test
    void threeConsumersShareSixPartitionsRebalanceAndResumeAfterRestart() throws Exception {
        try (TestNode node = TestNode.start(dataDir, NODE)) {
            // given a 6-partition topic with 60 records
            try (Admin admin = node.admin()) {
                admin.createTopics(List.of(new NewTopic("orders", 6, (short) 1))).all().get();
            }
            produce(node, "orders", 0, 60);
            Set<String> seen = new HashSet<>();

            // when three consumers join one group
            KafkaConsumer<String, String> c1 = node.consumer(groupProps("g1", null));
            KafkaConsumer<String, String> c2 = node.consumer(groupProps("g1", "static-2"));
            KafkaConsumer<String, String> c3 = node.consumer(groupProps("g1", null));
            List<KafkaConsumer<String, String>> all = new ArrayList<>(List.of(c1, c2, c3));
            all.forEach(c -> c.subscribe(List.of("orders")));
            pollUntil(all, seen, () -> all.stream().allMatch(c -> c.assignment().size() == 2));
            // then each gets two partitions
            all.forEach(c -> assertThat(c.assignment()).hasSize(2));
            pollUntil(all, seen, () -> seen.size() == 60);
            all.forEach(KafkaConsumer::commitSync);

            // when one leaves, the other two share its partitions
            c3.close();
            all.remove(c3);
            pollUntil(all, seen, () -> c1.assignment().size() == 3 && c2.assignment().size() == 3);

            // when the static member dies (closing a static member sends no LeaveGroup), its session times out
            c2.close();
            all.remove(c2);
            long diedAt = System.nanoTime();
            pollUntil(all, seen, () -> c1.assignment().size() == 6);
            assertThat(Duration.ofNanos(System.nanoTime() - diedAt)).isGreaterThan(Duration.ofSeconds(4));
            c1.commitSync();
            c1.close();
            assertThat(seen).hasSize(60);

            // when the node restarts, a new member resumes from the committed offsets
            node.restart();
            produce(node, "orders", 60, 10);
            KafkaConsumer<String, String> c4 = node.consumer(groupProps("g1", null));
            c4.subscribe(List.of("orders"));
            Set<String> after = new HashSet<>();
            pollUntil(List.of(c4), after, () -> after.size() >= 10);
            c4.close();
            assertThat(after).hasSize(10).allMatch(v -> Integer.parseInt(v) >= 60);
        }
    }

    @Test
    void cooperativeStickyConsumersRebalanceIncrementally() throws Exception {
        try (TestNode node = TestNode.start(dataDir, NODE)) {
            try (Admin admin = node.admin()) {
                admin.createTopics(List.of(new NewTopic("coop", 6, (short) 1))).all().get();
            }
            produce(node, "coop", 0, 30);
            Set<String> seen = new HashSet<>();
            Map<String, Object> props = new HashMap<>(groupProps("coop-group", null));
            props.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                    org.apache.kafka.clients.consumer.CooperativeStickyAssignor.class.getName());
            KafkaConsumer<String, String> c1 = node.consumer(props);
            c1.subscribe(List.of("coop"));
            pollUntil(List.of(c1), seen, () -> c1.assignment().size() == 6);
            Set<org.apache.kafka.common.TopicPartition> before = Set.copyOf(c1.assignment());

            // when a second cooperative member joins
            KafkaConsumer<String, String> c2 = node.consumer(props);
            c2.subscribe(List.of("coop"));
            List<KafkaConsumer<String, String>> both = List.of(c1, c2);
            pollUntil(both, seen, () -> c1.assignment().size() == 3 && c2.assignment().size() == 3);

            // then the first keeps half of what it had (sticky) and together they read everything
            assertThat(before).containsAll(c1.assignment());
            pollUntil(both, seen, () -> seen.size() == 30);
            c2.close();
            c1.close();
        }
    }

    static Map<String, Object> groupProps(String group, String instanceId) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6000);
        props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 500);
        if (instanceId != null) {
            props.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instanceId);
        }
        return props;
    }

    static void produce(TestNode node, String topic, int from, int count) throws Exception {
        try (KafkaProducer<String, String> producer = node.producer(Map.of())) {
            for (int i = from; i < from + count; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, Integer.toString(i))).get();
            }
        }
    }

    /** Polls every consumer in turn (each poll is short, so all of them take part in rebalances). */
    static void pollUntil(List<KafkaConsumer<String, String>> consumers, Set<String> seen,
                          java.util.function.BooleanSupplier done) {
        await().atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
                .until(() -> {
                    for (KafkaConsumer<String, String> consumer : consumers) {
                        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(50))) {
                            seen.add(record.value());
                        }
                    }
                    return done.getAsBoolean();
                });
    }
}
