package io.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;

import io.cairn.metadata.record.MetadataFormat;
import io.cairn.server.CairnConfig;
import io.cairn.server.CairnNode;
import io.cairn.server.ExplainCommand;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.FeatureMetadata;
import org.apache.kafka.clients.admin.FeatureUpdate;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.UpdateFeaturesOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.InvalidUpdateVersionException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A rolling upgrade across metadata batch format 2 (docs/adr/0028) on a 3-node in-process cluster whose nodes start
 * as the release before it ({@code cairn.testing.metadata.format.max=1}: they read format 1 only and register no
 * metadata versions). The nodes are upgraded one at a time, an upgraded node becomes the controller while an old one
 * still runs, and acks=all produce and consume keep working while every node keeps applying the metadata log. The
 * level is raised with UpdateFeatures (what {@code kafka-features.sh upgrade} sends) only once every node is
 * upgraded; then {@code cairn explain} shows the reasons of format 2.
 */
class MetadataFormatRollingUpgradeIT {

    private static final String TOPIC = "rolling";
    private static final Map<String, Object> OLD = Map.of(CairnConfig.METADATA_FORMAT_MAX, 1);
    private static final Map<String, Object> NEW = Map.of(CairnConfig.METADATA_FORMAT_MAX, 2);

    @TempDir
    Path root;

    private final List<String> produced = new ArrayList<>();

    @Test
    void nodesAreUpgradedOneAtATimeAndTheLevelIsRaisedOnceAllAre() throws Exception {
        try (CairnCluster cluster = CairnCluster.start(root, 3, OLD)) {
            // given a cluster of the previous release, at level 2, with a topic written with acks=all
            try (Admin admin = cluster.admin(1)) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 3, (short) 3)
                        .configs(Map.of("min.insync.replicas", "2")))).all().get();
            }
            assertThat(level(cluster.node(1))).isEqualTo(MetadataFormat.LEASES);
            produceAndCheck(cluster, "old cluster");

            // when the nodes that are not the controller are upgraded first, then the controller
            int controller = cluster.controllerId();
            List<Integer> order = new ArrayList<>(cluster.runningNodes().stream().filter(id -> id != controller)
                    .toList());
            order.add(controller);
            Set<Integer> upgraded = new HashSet<>();
            for (int id : order) {
                cluster.stopNode(id);
                produceAndCheck(cluster, "node " + id + " down");
                cluster.startNode(id, NEW);
                upgraded.add(id);
                cluster.awaitAllRegistered(Duration.ofSeconds(60));
                if (upgraded.size() == 2 && !upgraded.contains(awaitController(cluster))) {
                    // an upgraded node must lead while the old one runs: restart the old controller (still old)
                    int old = cluster.controllerId();
                    cluster.stopNode(old);
                    cluster.startNode(old, OLD);
                    cluster.awaitAllRegistered(Duration.ofSeconds(60));
                }
                if (upgraded.size() == 2) {
                    assertThat(upgraded).as("an upgraded node is the controller").contains(awaitController(cluster));
                    // then the level stays at 2 and the raise is refused, naming the old broker
                    int old = order.get(2);
                    try (Admin admin = cluster.admin(order.get(0))) {
                        assertThatThrownBy(() -> raise(admin)).hasCauseInstanceOf(
                                InvalidUpdateVersionException.class).hasMessageContaining(
                                "Invalid update version 3 for feature cairn.metadata.version. Broker " + old
                                        + " only supports versions 1-2.");
                    }
                }
                // and produce/consume keep working and every node keeps applying the metadata
                produceAndCheck(cluster, "node " + id + " upgraded");
                assertThat(level(cluster.node(id))).isEqualTo(MetadataFormat.LEASES);
            }

            // when every node is upgraded, the level is raised (kafka-features.sh upgrade --feature ...=3)
            try (Admin admin = cluster.admin(order.get(0))) {
                raise(admin);
                FeatureMetadata features = admin.describeFeatures().featureMetadata().get();
                assertThat(features.supportedFeatures().get(MetadataFormat.FEATURE_NAME).maxVersion())
                        .isEqualTo(MetadataFormat.LATEST);
                // then every node applies level 3, and new decisions carry their reasons
                Awaitility.await("every node at level 3").atMost(Duration.ofSeconds(30)).until(() -> cluster
                        .runningNodes().stream().allMatch(id -> level(cluster.node(id)) == 3));
                admin.createTopics(List.of(new NewTopic("after", 1, (short) 3))).all().get();
            }
            produceAndCheck(cluster, "level 3");
            String before = explain(cluster, order.get(1), TOPIC + "-0");
            assertThat(before).as("decided at level 2: no reason").contains("unknown: written before format 2");
            String after = Awaitility.await("explain sees the creation").atMost(Duration.ofSeconds(30))
                    .until(() -> explain(cluster, order.get(1), "after-0"), out -> out.contains("created: leader"));
            assertThat(after).doesNotContain("unknown");
            consumeAll(cluster);
        }
    }

    private static short level(CairnNode node) {
        return node.controller().current().metadataFormatFeatureLevel();
    }

    private static int awaitController(CairnCluster cluster) {
        return Awaitility.await("a controller").atMost(Duration.ofSeconds(30)).until(cluster::controllerId,
                id -> id > 0);
    }

    private static void raise(Admin admin) throws InterruptedException, ExecutionException {
        admin.updateFeatures(Map.of(MetadataFormat.FEATURE_NAME, new FeatureUpdate(MetadataFormat.DECISION_REASONS,
                FeatureUpdate.UpgradeType.UPGRADE)), new UpdateFeaturesOptions()).all().get();
    }

    /** Produces 20 records with acks=all, then waits until every running node has applied the same metadata. */
    private void produceAndCheck(CairnCluster cluster, String step) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(),
                new StringSerializer())) {
            for (int i = 0; i < 20; i++) {
                String value = step + " #" + i;
                producer.send(new ProducerRecord<>(TOPIC, Integer.toString(i), value)).get();
                produced.add(value);
            }
        }
        long newest = cluster.runningNodes().stream().mapToLong(id -> cluster.node(id).controller().current()
                .offset()).max().orElseThrow();
        Awaitility.await(step + ": every node applies the metadata log").atMost(Duration.ofSeconds(30))
                .until(() -> cluster.runningNodes().stream().allMatch(id -> cluster.node(id).controller().current()
                        .offset() >= newest));
        for (int id : cluster.runningNodes()) {
            assertThat(cluster.node(id).failure()).as("node %s", id).isNotCompletedExceptionally();
        }
    }

    private void consumeAll(CairnCluster cluster) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "rolling-check");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> consumed = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of(TOPIC));
            Awaitility.await("every acknowledged record").atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    consumed.add(r.value());
                }
                return consumed.size() >= produced.size();
            });
        }
        assertThat(consumed).containsExactlyInAnyOrderElementsOf(produced);
    }

    private static String explain(CairnCluster cluster, int node, String... args) {
        StringWriter out = new StringWriter();
        CommandLine command = new CommandLine(new ExplainCommand());
        command.setOut(new PrintWriter(out));
        command.setErr(new PrintWriter(out));
        String[] all = new String[args.length + 2];
        all[0] = "--bootstrap";
        all[1] = cluster.node(node).bootstrapServers();
        System.arraycopy(args, 0, all, 2, args.length);
        command.execute(all);
        return out.toString();
    }
}
