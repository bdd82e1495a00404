package io.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.cairn.broker.replica.Partition;
import io.cairn.server.CairnNode;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code read_committed} and {@code read_uncommitted} consumers of Java, librdkafka (kcat) and kafkajs read a
 * partition holding committed, aborted, interleaved and open transactions. The transactions are written straight
 * into the partition leader (data batches and coordinator markers), as the transaction coordinator will, so this
 * checks the storage and fetch side of transactions on their own.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReadCommittedIT {

    private static final String TOPIC = "txn-mixed";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);
    /** What read_committed must see, in order, once P3 commits: never b1, d1 or d2 (aborted). */
    private static final List<String> COMMITTED = List.of("p0", "a1", "a2", "c1", "e1", "p1", "end");
    private static final List<String> ALL = List.of("p0", "a1", "a2", "b1", "c1", "d1", "d2", "e1", "p1", "end");

    @TempDir
    static Path dataDir;
    static CairnCluster cluster;
    static CairnNode node;
    static TxnWriter writer;

    @BeforeAll
    static void writeTransactions() throws Exception {
        cluster = CairnCluster.start(dataDir, 1);
        node = cluster.node(1);
        try (var admin = cluster.admin(1)) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
        }
        Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() ->
                node.replicas().partition(TP).orElseThrow().requireLeader(java.util.Optional.empty()));
        TxnWriter w = new TxnWriter(node.replicas().partition(TP).orElseThrow());
        w.plain("p0");
        w.txn(1, "a1", "a2");
        w.end(1, true);
        w.txn(2, "b1");
        w.end(2, false);
        w.txn(1, "c1");            // interleaved: 1 commits, 2 aborts
        w.txn(2, "d1");
        w.txn(2, "d2");
        w.end(1, true);
        w.end(2, false);
        w.txn(3, "e1");            // left open until the test commits it
        w.plain("p1");
        w.plain("end");
        writer = w;
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    @Order(1)
    void anOpenTransactionHoldsReadCommittedConsumersAtTheLastStableOffset() throws Exception {
        // given P3's transaction from offset 11 still open, with plain records after it
        Partition partition = node.replicas().partition(TP).orElseThrow();
        assertThat(partition.lastStableOffset()).isEqualTo(11);
        assertThat(partition.highWatermark()).isEqualTo(14);

        // then read_committed consumers stop before it, and ListOffsets(latest) answers by isolation level
        assertThat(javaRead("read_committed", "c1")).containsExactly("p0", "a1", "a2", "c1");
        assertThat(kcat("read_committed")).containsExactly("p0", "a1", "a2", "c1");
        try (KafkaConsumer<String, String> consumer = consumer("read_committed")) {
            assertThat(consumer.endOffsets(Set.of(TP)).get(TP)).isEqualTo(11);
        }
        try (KafkaConsumer<String, String> consumer = consumer("read_uncommitted")) {
            assertThat(consumer.endOffsets(Set.of(TP)).get(TP)).isEqualTo(14);
        }
    }

    @Test
    @Order(2)
    void afterTheCommitEveryClientReadsExactlyTheCommittedData() throws Exception {
        // when P3 commits
        writer.end(3, true);

        // then Java, librdkafka and kafkajs read_committed consumers skip the aborted records, and
        // read_uncommitted ones see everything but the markers
        assertThat(javaRead("read_committed", "end")).isEqualTo(COMMITTED);
        assertThat(javaRead("read_uncommitted", "end")).isEqualTo(ALL);
        assertThat(kcat("read_committed")).isEqualTo(COMMITTED);
        assertThat(kcat("read_uncommitted")).isEqualTo(ALL);
        Path checkDir = Path.of("../cairn-server/src/test/kafkajs");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(checkDir.resolve("node_modules/kafkajs")),
                "kafkajs is not installed (.ci/run runs npm ci in " + checkDir + ")");
        assertThat(kafkajs(checkDir, false)).isEqualTo(COMMITTED);
        assertThat(kafkajs(checkDir, true)).isEqualTo(ALL);
    }

    private static KafkaConsumer<String, String> consumer(String isolation) {
        return consumer(node.bootstrapServers(), isolation);
    }

    static KafkaConsumer<String, String> consumer(String bootstrap, String isolation) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        return new KafkaConsumer<>(props);
    }

    /** Reads from the start until {@code last} arrives; fails after 30 s. */
    private static List<String> javaRead(String isolation, String last) {
        return javaRead(node.bootstrapServers(), TP, isolation, last);
    }

    static List<String> javaRead(String bootstrap, TopicPartition tp, String isolation, String last) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = consumer(bootstrap, isolation)) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!values.contains(last) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
        }
        return values;
    }

    private static List<String> kcat(String isolation) throws IOException, InterruptedException {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/kcat")),
                "kcat is not installed (.ci/run installs it)");
        Process process = new ProcessBuilder("/usr/bin/kcat", "-b", node.bootstrapServers(), "-C", "-t", TOPIC,
                "-o", "beginning", "-e", "-q", "-f", "%s\\n", "-X", "isolation.level=" + isolation)
                .redirectErrorStream(true).start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("kcat did not finish");
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as(output).isZero();
        return output.lines().filter(l -> !l.isBlank()).toList();
    }

    private static List<String> kafkajs(Path checkDir, boolean readUncommitted) throws Exception {
        Process process = new ProcessBuilder("node", "read.js", node.bootstrapServers(), TOPIC,
                Boolean.toString(readUncommitted), "end").directory(checkDir.toFile()).redirectErrorStream(true)
                .start();
        boolean finished = process.waitFor(60, TimeUnit.SECONDS);
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!finished) {
            process.destroyForcibly();
        }
        assertThat(finished).as(output).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        String line = output.lines().filter(l -> l.startsWith("values: ")).findFirst().orElseThrow(
                () -> new AssertionError(output));
        String json = line.substring("values: ".length());
        List<String> values = new ArrayList<>();
        for (String part : json.substring(1, json.length() - 1).split(",")) {
            values.add(part.replace("\"", ""));
        }
        return values;
    }
}
