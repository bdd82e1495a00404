package io.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Consumers of the KIP-848 protocol keep consuming while the group's coordinator fails: its node is frozen (SIGSTOP)
 * past the broker session, then the node coordinating after it is killed (SIGKILL) and restarted. Every record
 * produced is consumed, the group's committed offsets reach the end of the log, no partition is ever owned by two
 * members at once (checked from the members' own rebalance callbacks), and no member loses its partitions: the
 * group's members, epochs and assignments move to each new coordinator intact.
 */
class ConsumerProtocolFailoverIT {

    private static final String TOPIC = "kip848-failover";
    private static final String GROUP = "kip848-failover-group";

    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
    Path root;

    @Test
    void consumersKeepConsumingThroughAFrozenAndAKilledCoordinator() throws Exception {
        try (ProcessCluster cluster = new ProcessCluster(root, 3, List.of(
                "-o", "broker.session.timeout.ms=3000", "-o", "broker.heartbeat.interval.ms=500",
                "-o", "replica.lag.time.max.ms=4000", "-o", "offsets.topic.num.partitions=3",
                "-o", "group.consumer.heartbeat.interval.ms=500"))) {
            cluster.startAll();
            try (Admin admin = ClusterHealth.admin(cluster)) {
                Awaitility.await("3 brokers registered").atMost(Duration.ofSeconds(90)).ignoreExceptions()
                        .until(() -> admin.describeCluster().nodes().get().size() == 3);
                admin.createTopics(List.of(new NewTopic(TOPIC, 4, (short) 3)
                        .configs(Map.of("min.insync.replicas", "2")))).all().get();
                new ClusterHealth(cluster, admin, TOPIC).awaitHealthy(Duration.ofSeconds(60));
            }
            String bootstrap = cluster.bootstrapServers();
            Map<TopicPartition, String> owners = new ConcurrentHashMap<>();
            List<String> violations = new CopyOnWriteArrayList<>();
            List<String> lost = new CopyOnWriteArrayList<>();
            Set<String> consumed = ConcurrentHashMap.newKeySet();
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> members = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                String name = "member-" + i;
                Thread t = new Thread(() -> consume(bootstrap, name, owners, violations, lost, consumed, stop), name);
                t.start();
                members.add(t);
            }
            int produced = 0;
            try (KafkaProducer<String, String> producer = producer(bootstrap)) {
                produced = produce(producer, produced, 200);
                Awaitility.await("the first records consumed").atMost(Duration.ofSeconds(60))
                        .until(() -> consumed.size() >= 200);

                // when the coordinator's node freezes past its broker session, then comes back
                int coordinator = coordinator(cluster);
                System.out.println(java.time.LocalTime.now() + " pausing coordinator " + coordinator);
                cluster.pause(coordinator);
                produced = produce(producer, produced, 200);
                Awaitility.await("another node coordinates the group").atMost(Duration.ofSeconds(60))
                        .until(() -> coordinator(cluster) != coordinator);
                cluster.resume(coordinator);
                Awaitility.await("records consumed after the freeze").atMost(Duration.ofSeconds(90))
                        .until(() -> consumed.size() >= 400);

                // when the node coordinating now is killed, and restarted
                int next = coordinator(cluster);
                System.out.println(java.time.LocalTime.now() + " killing coordinator " + next);
                cluster.kill(next);
                produced = produce(producer, produced, 200);
                Awaitility.await("records consumed after the kill").atMost(Duration.ofSeconds(90))
                        .until(() -> consumed.size() >= 600);
                cluster.start(next);
                produced = produce(producer, produced, 100);
            }
            int total = produced;
            Awaitility.await("every record consumed").atMost(Duration.ofSeconds(90))
                    .until(() -> consumed.size() == total);

            // then the committed offsets reach the log end, and no partition ever had two owners
            try (Admin admin = ClusterHealth.admin(cluster)) {
                Awaitility.await("offsets committed to the end").atMost(Duration.ofSeconds(60)).ignoreExceptions()
                        .until(() -> committedToEnd(admin));
            }
            stop.set(true);
            for (Thread t : members) {
                t.join(30_000);
            }
            assertThat(violations).isEmpty();
            // and no member was fenced: the group's state moved to the new coordinators intact
            assertThat(lost).isEmpty();
            System.out.printf("[figure] ConsumerProtocolFailoverIT: %d records consumed by 2 consumer-protocol "
                    + "members through a frozen and a killed coordinator%n", total);
        }
    }

    private static boolean committedToEnd(Admin admin) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(GROUP)
                .partitionsToOffsetAndMetadata().get();
        Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
        for (int p = 0; p < 4; p++) {
            latest.put(new TopicPartition(TOPIC, p), OffsetSpec.latest());
        }
        var ends = admin.listOffsets(latest).all().get();
        for (var e : ends.entrySet()) {
            OffsetAndMetadata c = committed.get(e.getKey());
            if (c == null || c.offset() != e.getValue().offset()) {
                return false;
            }
        }
        return true;
    }

    /** The leader of the group's __consumer_offsets partition. */
    private static int coordinator(ProcessCluster cluster) throws Exception {
        try (Admin admin = ClusterHealth.admin(cluster)) {
            return Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                TopicDescription offsets = admin.describeTopics(List.of("__consumer_offsets")).allTopicNames().get()
                        .get("__consumer_offsets");
                return offsets.partitions().get(Utils.abs(GROUP.hashCode()) % offsets.partitions().size())
                        .leader().id();
            }, id -> id > 0);
        }
    }

    private static int produce(KafkaProducer<String, String> producer, int from, int count) throws Exception {
        for (int i = from; i < from + count; i++) {
            producer.send(new ProducerRecord<>(TOPIC, "k" + i, "v" + i));
        }
        producer.flush();
        return from + count;
    }

    private static KafkaProducer<String, String> producer(String bootstrap) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        return new KafkaProducer<>(props);
    }

    /** One member: polls, commits after every poll, and records what it owns from its rebalance callbacks. */
    private static void consume(String bootstrap, String name, Map<TopicPartition, String> owners,
                                List<String> violations, List<String> lost, Set<String> consumed,
                                AtomicBoolean stop) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
        props.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer");
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, name);
        // A frozen coordinator holds a heartbeat until the request times out; well within the session (45 s).
        props.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            consumer.subscribe(List.of(TOPIC), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    System.out.println(java.time.LocalTime.now() + " " + name + " assigned " + partitions);
                    for (TopicPartition tp : partitions) {
                        String other = owners.putIfAbsent(tp, name);
                        if (other != null && !other.equals(name)) {
                            violations.add(tp + " assigned to " + name + " while " + other + " owns it");
                        }
                    }
                }

                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    System.out.println(java.time.LocalTime.now() + " " + name + " revoking " + partitions);
                    consumer.commitSync();
                    partitions.forEach(tp -> owners.remove(tp, name));
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    lost.add(name + " lost " + partitions);
                    partitions.forEach(tp -> owners.remove(tp, name));
                }
            });
            while (!stop.get()) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    consumed.add(record.value());
                }
                try {
                    consumer.commitSync(Duration.ofSeconds(10));
                } catch (RuntimeException e) {
                    // A commit during a coordinator failover may time out or be refused; the next one carries it.
                }
            }
        }
    }
}
