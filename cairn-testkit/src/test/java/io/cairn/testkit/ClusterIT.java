package io.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.QuorumInfo;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A 3-node in-process cluster on Ratis: metadata changes through any node, one view everywhere. */
class ClusterIT {

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

    @Test
    void topicsCreatedThroughEachNodeAreSeenByEveryNode() throws Exception {
        // given / when: one topic created through each node's listener
        for (int id : cluster.runningNodes()) {
            try (Admin admin = cluster.admin(id)) {
                admin.createTopics(List.of(new NewTopic("via-node-" + id, 3, (short) 1))).all().get();
            }
        }

        // then: every node describes all three, with leaders
        for (int id : cluster.runningNodes()) {
            try (Admin admin = cluster.admin(id)) {
                Map<String, TopicDescription> topics = admin.describeTopics(
                        List.of("via-node-1", "via-node-2", "via-node-3")).allTopicNames().get();
                assertThat(topics).hasSize(3);
                topics.values().forEach(t -> assertThat(t.partitions()).hasSize(3)
                        .allMatch(p -> p.leader() != null && p.leader().id() >= 1));
            }
        }
    }

    @Test
    void autoCreateThroughANonControllerProducesAndIsVisibleEverywhere() throws Exception {
        // given: a node that is not the controller
        int controller = awaitController();
        int follower = cluster.runningNodes().stream().filter(id -> id != controller).findFirst().orElseThrow();

        // when: a producer bootstrapped on it sends to a new topic
        Map<String, Object> props = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.node(follower).bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            producer.send(new ProducerRecord<>("auto-created", "k", "v")).get();
        }

        // then: every node knows the topic
        for (int id : cluster.runningNodes()) {
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() ->
                    cluster.node(id).controller().current().topic("auto-created").isPresent());
        }
    }

    @Test
    void thirtyTopicsCreatedConcurrentlyThroughAllNodes() throws Exception {
        // given: one admin per node
        List<Admin> admins = new ArrayList<>();
        for (int id : cluster.runningNodes()) {
            admins.add(cluster.admin(id));
        }
        ExecutorService pool = Executors.newFixedThreadPool(10);
        try {
            // when: 30 creations at once, spread over the nodes
            long start = System.nanoTime();
            List<Future<?>> creations = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                Admin admin = admins.get(i % admins.size());
                String name = "concurrent-" + i;
                creations.add(pool.submit(() -> admin.createTopics(List.of(new NewTopic(name, 2, (short) 1)))
                        .all().get()));
            }
            for (Future<?> creation : creations) {
                creation.get();
            }
            long elapsedMs = (System.nanoTime() - start) / 1_000_000;
            System.out.printf("[figure] 30 topics created concurrently through 3 nodes in %d ms (%.0f topics/s)%n",
                    elapsedMs, 30_000.0 / Math.max(1, elapsedMs));

            // then: every node lists all 30
            for (int id : cluster.runningNodes()) {
                Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> cluster.node(id).controller().current()
                        .topicsByName().keySet().stream().filter(n -> n.startsWith("concurrent-")).count() == 30);
            }
        } finally {
            pool.shutdownNow();
            admins.forEach(Admin::close);
        }
    }

    @Test
    void everyNodeAnswersTheSameClusterAndController() throws Exception {
        int controller = awaitController();
        Set<String> answers = new TreeSet<>();
        for (int id : cluster.runningNodes()) {
            try (Admin admin = cluster.admin(id)) {
                DescribeClusterResult described = admin.describeCluster();
                Set<Integer> brokers = new TreeSet<>();
                for (Node node : described.nodes().get()) {
                    brokers.add(node.id());
                }
                answers.add(described.clusterId().get() + " controller=" + described.controller().get().id()
                        + " brokers=" + brokers);
                assertThat(described.controller().get().id()).isEqualTo(controller);
                assertThat(brokers).containsExactly(1, 2, 3);

                QuorumInfo quorum = admin.describeMetadataQuorum().quorumInfo().get();
                assertThat(quorum.leaderId()).isEqualTo(controller);
                assertThat(quorum.voters()).extracting(QuorumInfo.ReplicaState::replicaId)
                        .containsExactlyInAnyOrder(1, 2, 3);
            }
        }
        assertThat(answers).hasSize(1);
    }

    private static int awaitController() {
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> cluster.controllerId() > 0);
        return cluster.controllerId();
    }
}
