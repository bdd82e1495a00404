package io.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.PartitionReassignment;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.NoReassignmentInProgressException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Partition reassignment (KIP-455) on a 3-node in-process cluster, through a node that is not the controller
 * (AlterPartitionReassignments is forwarded): a partition moves from node 1 to nodes 2 and 3 with its data.
 */
class ReassignmentIT {

    @TempDir
    static Path root;
    static CairnCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = CairnCluster.start(root, 3);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static int nonController() {
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> cluster.controllerId() > 0);
        int controller = cluster.controllerId();
        return cluster.runningNodes().stream().filter(id -> id != controller).findFirst().orElseThrow();
    }

    @Test
    void aPartitionMovesFromNodeOneToNodesTwoAndThreeWithItsRecords() throws Exception {
        String topic = "moved";
        TopicPartition tp = new TopicPartition(topic, 0);
        int via = nonController();
        try (Admin admin = cluster.admin(via)) {
            // given: RF 1 on node 1, 1,000 records
            admin.createTopics(List.of(new NewTopic(topic, Map.of(0, List.of(1))))).all().get();
            produce(topic, 1000);
            assertThat(partitionDir(1, tp)).isPresent();

            // when: reassigned to [2, 3] through a non-controller node
            admin.alterPartitionReassignments(Map.of(tp,
                    Optional.of(new NewPartitionReassignment(List.of(2, 3))))).all().get();

            // then: the reassignment finishes, replicas [2, 3] both in sync
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() ->
                    admin.listPartitionReassignments().reassignments().get().isEmpty()
                            && replicasAndIsr(admin, topic).equals(List.of(List.of(2, 3), List.of(2, 3))));
            TopicPartitionInfo info = describe(admin, topic);
            assertThat(info.leader().id()).isIn(2, 3);

            // and every record is read back from the new leader
            assertThat(consumeAll(topic, 1000)).hasSize(1000);

            // and node 1 no longer holds the partition's directory
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> partitionDir(1, tp).isEmpty());
            assertThat(partitionDir(2, tp)).isPresent();
            assertThat(partitionDir(3, tp)).isPresent();
        }
    }

    @Test
    void listShowsAnOngoingReassignmentAndCancelRevertsIt() throws Exception {
        String topic = "cancelled";
        TopicPartition tp = new TopicPartition(topic, 0);
        nonController();
        int via = cluster.controllerId() == 1 ? 2 : 1; // node 3 is stopped below
        try (Admin admin = cluster.admin(via)) {
            admin.createTopics(List.of(new NewTopic(topic, Map.of(0, List.of(1))))).all().get();
            produce(topic, 10);
            // node 3 goes away, so the move to [3] cannot finish
            cluster.stopNode(3);
            try {
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
                        cluster.node(1).controller().current().brokers().get(3).fenced());
                admin.alterPartitionReassignments(Map.of(tp,
                        Optional.of(new NewPartitionReassignment(List.of(3))))).all().get();
                Map<TopicPartition, PartitionReassignment> ongoing =
                        admin.listPartitionReassignments().reassignments().get();
                assertThat(ongoing).containsKey(tp);
                assertThat(ongoing.get(tp).replicas()).containsExactly(3, 1);
                assertThat(ongoing.get(tp).addingReplicas()).containsExactly(3);
                assertThat(ongoing.get(tp).removingReplicas()).containsExactly(1);

                // when cancelled
                admin.alterPartitionReassignments(Map.of(tp, Optional.empty())).all().get();

                // then back to [1]: the controller answers the list; the describe goes to any node, whose image
                // follows the controller's commit a moment later (as in Kafka)
                assertThat(admin.listPartitionReassignments().reassignments().get()).doesNotContainKey(tp);
                Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).untilAsserted(
                        () -> assertThat(replicasAndIsr(admin, topic)).isEqualTo(List.of(List.of(1), List.of(1))));
            } finally {
                cluster.startNode(3);
                cluster.awaitAllRegistered(Duration.ofSeconds(60));
            }
        }
    }

    @Test
    void errorsReachTheClient() throws Exception {
        int via = nonController();
        try (Admin admin = cluster.admin(via)) {
            admin.createTopics(List.of(new NewTopic("errors", 1, (short) 1))).all().get();
            TopicPartition tp = new TopicPartition("errors", 0);
            assertThatThrownBy(() -> admin.alterPartitionReassignments(Map.of(new TopicPartition("nope", 0),
                    Optional.of(new NewPartitionReassignment(List.of(1))))).all().get())
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(UnknownTopicOrPartitionException.class);
            assertThatThrownBy(() -> admin.alterPartitionReassignments(Map.of(tp,
                    Optional.of(new NewPartitionReassignment(List.of(1, 1))))).all().get())
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(InvalidReplicaAssignmentException.class);
            assertThatThrownBy(() -> admin.alterPartitionReassignments(Map.of(tp,
                    Optional.of(new NewPartitionReassignment(List.of(9))))).all().get())
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(InvalidReplicaAssignmentException.class);
            assertThatThrownBy(() -> admin.alterPartitionReassignments(Map.of(tp, Optional.empty())).all().get())
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(NoReassignmentInProgressException.class);
        }
    }

    private static TopicPartitionInfo describe(Admin admin, String topic) throws Exception {
        TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
        return description.partitions().get(0);
    }

    private static List<List<Integer>> replicasAndIsr(Admin admin, String topic) throws Exception {
        TopicPartitionInfo info = describe(admin, topic);
        List<Integer> isr = new ArrayList<>(info.isr().stream().map(Node::id).sorted().toList());
        return List.of(info.replicas().stream().map(Node::id).toList(), isr);
    }

    private static Optional<Path> partitionDir(int node, TopicPartition tp) throws Exception {
        Path dir = cluster.dataDir(node);
        String name = tp.topic() + "-" + tp.partition();
        try (Stream<Path> paths = Files.walk(dir, 3)) {
            return paths.filter(p -> Files.isDirectory(p) && p.getFileName().toString().equals(name)).findFirst();
        }
    }

    private static void produce(String topic, int count) throws Exception {
        Map<String, Object> props = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, 0, "k" + i, "v" + i));
            }
            producer.flush();
        }
    }

    private static List<String> consumeAll(String topic, int expected) {
        Map<String, Object> props = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.currentTimeMillis() + 30_000;
            while (values.size() < expected && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    values.add(record.value());
                }
            }
        }
        return values;
    }
}
