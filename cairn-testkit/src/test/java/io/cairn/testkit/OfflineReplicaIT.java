package io.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A partition whose log a node cannot load or create goes offline on that node only (ADR 0014): the node reports
 * it in its heartbeats, the controller takes it out of the partition's ISR and elects another in-sync replica,
 * clients produce (acks=all) and consume through that leader, and the node goes on serving its other partitions.
 * Once the log is repaired the node catches up and can lead it again.
 */
class OfflineReplicaIT {

    private static final Map<String, Object> FAST_FAILURE = Map.of(
            "broker.session.timeout.ms", 3_000,
            "replica.lag.time.max.ms", 5_000L);
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path root;
    private CairnCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aLeaderThatCannotCreateThePartitionsLogHandsItToAnotherInSyncReplica() throws Exception {
        // given node 3 leading a healthy partition, and unable to create the directory of fresh-0 (a file holds
        // its name, as a disk error would refuse it)
        cluster = CairnCluster.start(root, 3, FAST_FAILURE);
        createTopic("healthy", Map.of(0, List.of(3, 1, 2)));
        Path blocker = cluster.dataDir(3).resolve("fresh-0");
        Files.writeString(blocker, "not a directory");

        // when fresh-0 is created with node 3 as its leader
        createTopic("fresh", Map.of(0, List.of(3, 1, 2)));

        // then another in-sync replica leads it, node 3 is out of its ISR, and acks=all works
        TopicPartition fresh = new TopicPartition("fresh", 0);
        awaitPartition(fresh, p -> p.leader() != null && Set.of(1, 2).contains(p.leader().id())
                && ids(p.isr()).equals(Set.of(1, 2)));
        produce(fresh, "a", 20);
        assertThat(consume(fresh)).containsExactlyElementsOf(values("a", 20));
        // and node 3 still leads and serves its other partition
        TopicPartition healthy = new TopicPartition("healthy", 0);
        assertThat(describe(healthy).leader().id()).isEqualTo(3);
        produce(healthy, "h", 20);
        assertThat(consume(healthy)).containsExactlyElementsOf(values("h", 20));

        // when the cause is removed and node 3 restarts (it no longer reports fresh-0 offline)
        cluster.stopNode(3);
        Files.delete(blocker);
        cluster.startNode(3);
        cluster.awaitAllRegistered(WAIT);

        // then it catches up from the leader, rejoins the ISR and can lead fresh-0 again
        awaitPartition(fresh, p -> ids(p.isr()).contains(3));
        try (Admin admin = cluster.admin(1)) {
            admin.electLeaders(ElectionType.PREFERRED, Set.of(fresh)).all().get();
        }
        awaitPartition(fresh, p -> p.leader() != null && p.leader().id() == 3);
        produce(fresh, "b", 20);
        List<String> expected = new ArrayList<>(values("a", 20));
        expected.addAll(values("b", 20));
        assertThat(consume(fresh)).containsExactlyElementsOf(expected);
    }

    @Test
    void aReplicaDamagedWhileItsNodeWasDownIsLedByAnotherAndTheNodeServesItsOtherPartitions() throws Exception {
        // given node 3 leading both partitions of a topic that holds acknowledged records
        cluster = CairnCluster.start(root, 3, FAST_FAILURE);
        createTopic("ledger", Map.of(0, List.of(3, 1, 2), 1, List.of(3, 2, 1)));
        TopicPartition damaged = new TopicPartition("ledger", 0);
        TopicPartition intact = new TopicPartition("ledger", 1);
        produce(damaged, "a", 30);
        produce(intact, "a", 30);

        // when the first batch of ledger-0 on node 3 is damaged while node 3 is down, and node 3 restarts
        cluster.stopNode(3);
        Path segment = cluster.dataDir(3).resolve("ledger-0").resolve("00000000000000000000.log");
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate(4).putInt(0, 3), 8);
        }
        cluster.startNode(3);
        cluster.awaitAllRegistered(WAIT);

        // then node 3 is back in the ISR of ledger-1 only, and leads it again once elected
        awaitPartition(intact, p -> ids(p.isr()).equals(Set.of(1, 2, 3)));
        try (Admin admin = cluster.admin(1)) {
            admin.electLeaders(ElectionType.PREFERRED, Set.of(intact)).all().get();
        }
        awaitPartition(intact, p -> p.leader() != null && p.leader().id() == 3);
        Awaitility.await("ledger-0 stays led by an intact replica, without node 3 in its ISR").atMost(WAIT)
                .during(Duration.ofSeconds(3)).until(() -> {
                    TopicPartitionInfo p = describe(damaged);
                    return p.leader() != null && Set.of(1, 2).contains(p.leader().id())
                            && ids(p.isr()).equals(Set.of(1, 2));
                });
        // and both partitions take acks=all writes and give back everything acknowledged
        produce(damaged, "b", 30);
        produce(intact, "b", 30);
        List<String> expected = new ArrayList<>(values("a", 30));
        expected.addAll(values("b", 30));
        assertThat(consume(damaged)).containsExactlyElementsOf(expected);
        assertThat(consume(intact)).containsExactlyElementsOf(expected);
    }

    private void createTopic(String name, Map<Integer, List<Integer>> assignment) throws Exception {
        try (Admin admin = cluster.admin(1)) {
            admin.createTopics(List.of(new NewTopic(name, assignment)
                    .configs(Map.of("min.insync.replicas", "2")))).all().get();
        }
        for (int partition : assignment.keySet()) {
            awaitPartition(new TopicPartition(name, partition), p -> p.leader() != null);
        }
    }

    private TopicPartitionInfo describe(TopicPartition tp) throws Exception {
        try (Admin admin = cluster.admin(1)) {
            return admin.describeTopics(List.of(tp.topic())).allTopicNames().get().get(tp.topic()).partitions()
                    .get(tp.partition());
        }
    }

    private void awaitPartition(TopicPartition tp, java.util.function.Predicate<TopicPartitionInfo> condition) {
        Awaitility.await(tp + " as expected").atMost(WAIT).ignoreExceptions()
                .until(() -> condition.test(describe(tp)));
    }

    private static Set<Integer> ids(List<Node> nodes) {
        return nodes.stream().map(Node::id).collect(Collectors.toSet());
    }

    private static List<String> values(String prefix, int count) {
        List<String> values = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            values.add(prefix + i);
        }
        return values;
    }

    /** Produces {@code count} records with acks=all and waits for every acknowledgement. */
    private void produce(TopicPartition tp, String prefix, int count) throws Exception {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 40_000);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
            for (String value : values(prefix, count)) {
                sent.add(producer.send(new ProducerRecord<>(tp.topic(), tp.partition(), null, value)));
            }
            for (java.util.concurrent.Future<?> f : sent) {
                f.get();
            }
        }
    }

    /** Everything in the partition, from its start up to the end seen when the read began. */
    private List<String> consume(TopicPartition tp) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        List<String> read = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp);
            Awaitility.await("read " + tp + " to " + end).atMost(WAIT).until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    read.add(record.value());
                }
                return consumer.position(tp) >= end;
            });
        }
        return read;
    }
}
