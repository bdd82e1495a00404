package io.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactions written by clients other than Java's: kafkajs (Node.js) and confluent-kafka-python (librdkafka)
 * commit, abort and commit again, and run a consume-transform-produce round that commits the group's offsets
 * through the transaction. Java, librdkafka (python, kcat) read_committed consumers must see exactly the committed
 * values, read_uncommitted ones the aborted values too. A three-node cluster bootstrapped through a node that is
 * not the controller, so the transaction and group coordinators are found through FindCoordinator, not assumed.
 * Each client's part is skipped when the client is not installed (.ci/run installs both).
 */
class TransactionClientsIT {

    private static final Path KAFKAJS_DIR = Path.of("../cairn-server/src/test/kafkajs");
    private static final Path PYTHON_SCRIPT = Path.of("../cairn-server/src/test/python/txn.py");
    private static final String PYTHON = "/usr/bin/python3";
    private static final int N = 20;

    @TempDir
    static Path root;
    static CairnCluster cluster;
    static String bootstrap;

    @BeforeAll
    static void start() throws Exception {
        cluster = CairnCluster.start(root, 3);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> cluster.controllerId() > 0);
        int other = cluster.runningNodes().stream().filter(id -> id != cluster.controllerId()).findFirst()
                .orElseThrow();
        bootstrap = cluster.node(other).bootstrapServers();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void kafkajsCommitsAndAborts() throws Exception {
        assumeKafkajs();
        String topic = "kafkajs-txn";
        createTopics(topic);

        Result result = run(KAFKAJS_DIR, "node", "txn.js", bootstrap, "produce", topic, "kafkajs-txn-id",
                Integer.toString(N));

        assertThat(result.output).contains("kafkajs txn produced");
        assertCommittedAndAborted(topic);
    }

    @Test
    void librdkafkaPythonCommitsAndAborts() throws Exception {
        assumePython();
        String topic = "python-txn";
        createTopics(topic);

        Result result = run(null, PYTHON, PYTHON_SCRIPT.toString(), bootstrap, "produce", topic, "python-txn-id",
                Integer.toString(N));

        assertThat(result.output).contains("python txn produced");
        assertCommittedAndAborted(topic);
        // librdkafka's own read_committed consumer, and its read_uncommitted one, agree with Java's
        assertThat(pythonRead(topic, "read_committed")).containsExactlyInAnyOrderElementsOf(committed());
        assertThat(pythonRead(topic, "read_uncommitted")).containsExactlyInAnyOrderElementsOf(all());
    }

    @Test
    void kafkajsConsumeTransformProduceCommitsTheGroupOffsetsInTheTransaction() throws Exception {
        assumeKafkajs();
        assumeTxnOffsetCommit();
        String input = "kafkajs-ctp-in";
        String output = "kafkajs-ctp-out";
        String group = "kafkajs-ctp-group";
        createTopics(input, output);
        Map<Integer, Long> ends = produceInput(input);

        Result result = run(KAFKAJS_DIR, "node", "txn.js", bootstrap, "transform", input, output, group,
                "kafkajs-ctp-id", Integer.toString(N));

        assertTransformed(result, input, output, group, ends);
    }

    @Test
    void librdkafkaPythonConsumeTransformProduceCommitsTheGroupOffsetsInTheTransaction() throws Exception {
        assumePython();
        assumeTxnOffsetCommit();
        String input = "python-ctp-in";
        String output = "python-ctp-out";
        String group = "python-ctp-group";
        createTopics(input, output);
        Map<Integer, Long> ends = produceInput(input);

        Result result = run(null, PYTHON, PYTHON_SCRIPT.toString(), bootstrap, "transform", input, output, group,
                "python-ctp-id", Integer.toString(N));

        assertTransformed(result, input, output, group, ends);
    }

    // ---- checks

    private static List<String> committed() {
        return Stream.concat(Stream.concat(values("committed-1"), values("committed-2")), Stream.of("last"))
                .toList();
    }

    private static List<String> all() {
        return Stream.concat(committed().stream(), values("aborted")).toList();
    }

    private static Stream<String> values(String prefix) {
        return IntStream.range(0, N).mapToObj(i -> prefix + "-" + i);
    }

    /** Java read_committed sees exactly the committed values, read_uncommitted the aborted ones too; kcat agrees. */
    private static void assertCommittedAndAborted(String topic) throws Exception {
        assertThat(TransactionsIT.read(bootstrap, topic, "read_committed", "last"))
                .containsExactlyInAnyOrderElementsOf(committed());
        assertThat(TransactionsIT.read(bootstrap, topic, "read_uncommitted", "last"))
                .containsExactlyInAnyOrderElementsOf(all());
        if (Files.isExecutable(Path.of("/usr/bin/kcat"))) {
            Result kcat = run(null, "/usr/bin/kcat", "-b", bootstrap, "-C", "-t", topic, "-o", "beginning", "-e",
                    "-q", "-f", "%s\\n", "-X", "isolation.level=read_committed");
            assertThat(kcat.output.lines().filter(l -> !l.isBlank()).toList())
                    .containsExactlyInAnyOrderElementsOf(committed());
        }
    }

    /**
     * The group's committed offsets are those the client committed through its transaction, which are the ends of
     * the input, and the output holds exactly the transformed values, committed.
     */
    private static void assertTransformed(Result result, String input, String output, String group,
                                          Map<Integer, Long> ends) throws Exception {
        Map<Integer, Long> sent = parseOffsets(result.output);
        assertThat(sent).isEqualTo(ends);
        // EndTxn answers once the commit is decided; the markers that make the offsets visible follow
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
                Map<Integer, Long> byPartition = new HashMap<>();
                offsets.forEach((tp, o) -> {
                    assertThat(tp.topic()).isEqualTo(input);
                    byPartition.put(tp.partition(), o.offset());
                });
                assertThat(byPartition).isEqualTo(sent);
            });
        }
        List<String> expected = IntStream.range(0, N).mapToObj(i -> "out-in-" + i).toList();
        assertThat(readAll(output, "read_committed", N)).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(readAll(output, "read_uncommitted", N)).containsExactlyInAnyOrderElementsOf(expected);
    }

    /** Every value of {@code topic} once {@code count} values have been read and every partition is at its end. */
    private static List<String> readAll(String topic, String isolation, int count) {
        return TransactionsIT.read(bootstrap, topic, isolation, values -> values.size() >= count);
    }

    private static Map<Integer, Long> parseOffsets(String output) {
        String line = output.lines().filter(l -> l.startsWith("offsets: ")).findFirst()
                .orElseThrow(() -> new AssertionError("no offsets printed: " + output));
        Map<Integer, Long> offsets = new HashMap<>();
        Matcher m = Pattern.compile("\"(\\d+)\"\\s*:\\s*\"?(\\d+)\"?").matcher(line);
        while (m.find()) {
            offsets.put(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2)));
        }
        return offsets;
    }

    private static List<String> pythonRead(String topic, String isolation) throws Exception {
        Result result = run(null, PYTHON, PYTHON_SCRIPT.toString(), bootstrap, "read", topic, isolation, "last");
        String line = result.output.lines().filter(l -> l.startsWith("values: ")).findFirst()
                .orElseThrow(() -> new AssertionError(result.output));
        List<String> values = new ArrayList<>();
        Matcher m = Pattern.compile("\"([^\"]*)\"").matcher(line);
        while (m.find()) {
            values.add(m.group(1));
        }
        return values;
    }

    // ---- setup helpers

    private static void createTopics(String... topics) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(Stream.of(topics).map(t -> new NewTopic(t, 3, (short) 3)).toList()).all()
                    .get(30, TimeUnit.SECONDS);
        }
    }

    /** {@code N} keyed values "in-i" over the topic's partitions; returns each partition's end offset. */
    private static Map<Integer, Long> produceInput(String topic) throws Exception {
        Map<Integer, Long> ends = new HashMap<>();
        Map<String, Object> props = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            for (int i = 0; i < N; i++) {
                var metadata = producer.send(new ProducerRecord<>(topic, "k" + i, "in-" + i)).get();
                ends.merge(metadata.partition(), metadata.offset() + 1, Math::max);
            }
        }
        return ends;
    }

    private static void assumeKafkajs() {
        assumeTrue(Files.isDirectory(KAFKAJS_DIR.resolve("node_modules/kafkajs")),
                "kafkajs is not installed (.ci/run runs npm ci in " + KAFKAJS_DIR + ")");
    }

    private static void assumePython() throws Exception {
        assumeTrue(Files.isExecutable(Path.of(PYTHON)), PYTHON + " is missing");
        Process probe = new ProcessBuilder(PYTHON, "-c", "import confluent_kafka").redirectErrorStream(true).start();
        assumeTrue(probe.waitFor(30, TimeUnit.SECONDS) && probe.exitValue() == 0,
                "confluent-kafka-python is not installed (.ci/run installs python3-confluent-kafka)");
    }

    /** Consume-transform-produce needs TxnOffsetCommit; skipped while the broker does not advertise it. */
    private static void assumeTxnOffsetCommit() throws IOException {
        assumeTrue(advertises(ApiKeys.TXN_OFFSET_COMMIT), "the broker does not advertise TxnOffsetCommit");
    }

    /** Asks the bootstrap node for its ApiVersions over a plain socket. */
    private static boolean advertises(ApiKeys key) throws IOException {
        String[] hostPort = bootstrap.split(",")[0].split(":");
        try (Socket socket = new Socket(hostPort[0], Integer.parseInt(hostPort[1]))) {
            socket.setSoTimeout(10_000);
            short version = 3;
            RequestHeader header = new RequestHeader(ApiKeys.API_VERSIONS, version, "cairn-probe", 1);
            ByteBuffer request = new ApiVersionsRequest.Builder().build(version).serializeWithHeader(header);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeInt(request.remaining());
            byte[] bytes = new byte[request.remaining()];
            request.get(bytes);
            out.write(bytes);
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] response = new byte[in.readInt()];
            in.readFully(response);
            ApiVersionsResponse parsed = (ApiVersionsResponse) AbstractResponse.parseResponse(
                    ByteBuffer.wrap(response), header);
            return parsed.data().apiKeys().find(key.id) != null;
        }
    }

    private record Result(String output) {
    }

    /** Runs a client to completion (90 s at most) and requires exit status 0. */
    private static Result run(Path dir, String... command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        if (dir != null) {
            builder.directory(dir.toFile());
        }
        Process process = builder.start();
        process.getOutputStream().close();
        byte[][] output = new byte[1][];
        Thread reader = new Thread(() -> {
            try {
                output[0] = process.getInputStream().readAllBytes();
            } catch (IOException e) {
                output[0] = e.toString().getBytes(StandardCharsets.UTF_8);
            }
        });
        reader.start();
        boolean finished = process.waitFor(90, TimeUnit.SECONDS);
        if (!finished) {
            process.destroyForcibly();
        }
        reader.join(10_000);
        String text = output[0] == null ? "" : new String(output[0], StandardCharsets.UTF_8);
        assertThat(finished).as("%s finished: %s", command[1], text).isTrue();
        assertThat(process.exitValue()).as("%s: %s", String.join(" ", command), text).isZero();
        return new Result(text);
    }
}
