package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.cairn.broker.group.GroupCoordinatorRuntime;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.tools.consumer.group.ConsumerGroupCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kafka-consumer-groups tool, kcat's balanced consumer, and reloading a coordinator with many commits. */
class ConsumerGroupToolsIT {

    @TempDir
    Path dataDir;

    @Test
    void consumerGroupsToolListsDescribesAndResetsOffsets() throws Exception {
        try (TestNode node = TestNode.start(dataDir, ConsumerGroupIT.NODE)) {
            currentBootstrap = node.bootstrapServers();
            // given a group that consumed and committed a 3-partition topic
            try (Admin admin = node.admin()) {
                admin.createTopics(List.of(new NewTopic("events", 3, (short) 1))).all().get();
            }
            ConsumerGroupIT.produce(node, "events", 0, 30);
            Set<String> seen = new HashSet<>();
            try (KafkaConsumer<String, String> consumer = node.consumer(ConsumerGroupIT.groupProps("tools", null))) {
                consumer.subscribe(List.of("events"));
                ConsumerGroupIT.pollUntil(List.of(consumer), seen, () -> seen.size() == 30);
                consumer.commitSync();

                // when the tool lists and describes while the member is active
                assertThat(tool("--list")).contains("tools");
                String described = tool("--describe", "--group", "tools");
                assertThat(described).contains("events").contains("consumer-tools");
                assertThat(described.lines().filter(l -> l.startsWith("tools") && l.contains("events"))).hasSize(3);
            }

            // when the offsets are reset to the earliest with the group empty
            String reset = tool("--reset-offsets", "--group", "tools", "--topic", "events", "--to-earliest",
                    "--execute");

            // then the group's committed offsets are 0
            assertThat(reset).contains("events");
            try (Admin admin = node.admin()) {
                Map<TopicPartition, OffsetAndMetadata> offsets =
                        admin.listConsumerGroupOffsets("tools").partitionsToOffsetAndMetadata().get();
                assertThat(offsets).hasSize(3);
                assertThat(offsets.values()).allMatch(o -> o.offset() == 0);
                // and the empty group can be deleted
                admin.deleteConsumerGroups(List.of("tools")).all().get();
                assertThat(tool("--list")).doesNotContain("tools");
            }
        }
    }

    private static synchronized String tool(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--bootstrap-server", currentBootstrap));
        all.addAll(List.of(args));
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            ConsumerGroupCommand.main(all.toArray(String[]::new));
        } finally {
            System.setOut(original);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        original.println("kafka-consumer-groups " + String.join(" ", args) + "\n" + out);
        return out;
    }

    private static String currentBootstrap;

    @Test
    void consumerGroupsToolDescribesAConsumerProtocolGroup() throws Exception {
        try (TestNode node = TestNode.start(dataDir, ConsumerProtocolIT.NODE)) {
            currentBootstrap = node.bootstrapServers();
            try (Admin admin = node.admin()) {
                admin.createTopics(List.of(new NewTopic("kip848", 2, (short) 1))).all().get();
            }
            ConsumerGroupIT.produce(node, "kip848", 0, 20);
            Set<String> seen = new HashSet<>();
            try (KafkaConsumer<String, String> consumer = node.consumer(ConsumerProtocolIT.props("new-proto", null))) {
                consumer.subscribe(List.of("kip848"));
                ConsumerGroupIT.pollUntil(List.of(consumer), seen, () -> seen.size() == 20);
                consumer.commitSync();

                // the tool shows the offsets, the members with their epochs and assignments, and the group's state
                String offsets = tool("--describe", "--group", "new-proto");
                assertThat(offsets.lines().filter(l -> l.startsWith("new-proto") && l.contains("kip848")))
                        .hasSize(2);
                String members = tool("--describe", "--group", "new-proto", "--members", "--verbose");
                assertThat(members).contains("CURRENT-EPOCH").contains("TARGET-ASSIGNMENT").contains("kip848:0,1");
                String state = tool("--describe", "--group", "new-proto", "--state");
                assertThat(state).contains("Stable").contains("uniform");
                assertThat(tool("--list", "--type")).containsPattern("new-proto\\s+Consumer");
            }
        }
    }

    @Test
    void twoKcatBalancedConsumersShareATopic() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/kcat")), "kcat is not installed");
        try (TestNode node = TestNode.start(dataDir, Map.of("offsets.topic.num.partitions", "3",
                "group.initial.rebalance.delay.ms", "3000"))) {
            try (Admin admin = node.admin()) {
                admin.createTopics(List.of(new NewTopic("shared", 4, (short) 1))).all().get();
            }
            ConsumerGroupIT.produce(node, "shared", 0, 40);
            List<Process> processes = new ArrayList<>();
            List<Path> outputs = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    Path out = dataDir.resolve("kcat-" + i + ".out");
                    outputs.add(out);
                    processes.add(new ProcessBuilder("/usr/bin/kcat", "-b", node.bootstrapServers(), "-G", "kcat-group",
                            "-X", "auto.offset.reset=earliest", "-X", "session.timeout.ms=6000", "-f", "%s\\n", "-q", "-u",
                            "shared")
                            .redirectOutput(out.toFile())
                            .redirectError(dataDir.resolve("kcat-" + i + ".err").toFile())
                            .start());
                }
                // then between them they read every record, and both take part
                await().atMost(Duration.ofSeconds(60)).until(() -> lines(outputs).size() >= 40);
                assertThat(new HashSet<>(lines(outputs))).hasSize(40);
                for (Path output : outputs) {
                    assertThat(lines(List.of(output))).isNotEmpty();
                }
            } finally {
                // kcat in a group can outlive a SIGTERM (it tries to leave the group of a node that is gone):
                // do not leave it running after the test
                for (Process process : processes) {
                    process.destroy();
                    if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                        process.destroyForcibly();
                    }
                }
            }
        }
    }

    private static List<String> lines(List<Path> files) throws java.io.IOException {
        List<String> all = new ArrayList<>();
        for (Path file : files) {
            if (Files.exists(file)) {
                Files.readAllLines(file).stream().filter(l -> !l.isBlank()).forEach(all::add);
            }
        }
        return all;
    }

    @Test
    void aGroupWithThousandsOfCommitsReloadsFast() throws Exception {
        int commits = Integer.getInteger("cairn.reload.commits", 5000);
        try (TestNode node = TestNode.start(dataDir, Map.of("offsets.topic.num.partitions", "1"))) {
            try (Admin admin = node.admin()) {
                admin.createTopics(List.of(new NewTopic("ledger", 4, (short) 1))).all().get();
            }
            // given a group that committed thousands of times (each commit covers the 4 partitions)
            try (KafkaConsumer<String, String> consumer = node.consumer(ConsumerGroupIT.groupProps("ledger-app", null))) {
                List<TopicPartition> partitions = List.of(new TopicPartition("ledger", 0),
                        new TopicPartition("ledger", 1), new TopicPartition("ledger", 2),
                        new TopicPartition("ledger", 3));
                consumer.assign(partitions);
                for (int i = 1; i <= commits; i++) {
                    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                    for (TopicPartition tp : partitions) {
                        offsets.put(tp, new OffsetAndMetadata(i));
                    }
                    consumer.commitSync(offsets);
                }
            }
            // when the node restarts
            node.restart();

            // then the coordinator reloads every commit, quickly, and serves the last offsets
            GroupCoordinatorRuntime.LoadStats stats = await().atMost(Duration.ofSeconds(30))
                    .until(() -> node.node().groupCoordinator().loadStats().get(0), s -> s != null);
            System.out.printf("Reloaded %d commit records of __consumer_offsets-0 in %d ms%n", stats.records(),
                    stats.millis());
            assertThat(stats.records()).isGreaterThanOrEqualTo(4L * commits);
            assertThat(stats.millis()).isLessThan(5_000);
            try (Admin admin = node.admin()) {
                Map<TopicPartition, OffsetAndMetadata> offsets =
                        admin.listConsumerGroupOffsets("ledger-app").partitionsToOffsetAndMetadata().get();
                assertThat(offsets.values()).hasSize(4).allMatch(o -> o.offset() == commits);
            }
        }
    }
}
