package io.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.cairn.broker.replica.Partition;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.tools.TransactionsCommand;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's own {@code kafka-transactions.sh} (TransactionsCommand, in-process) against a 3-node cluster, bootstrapped
 * on a node that is not the controller: {@code list} and {@code describe} show a Java producer's open transaction,
 * {@code describe-producers} its producer id and first offset on the leader and on a follower, {@code find-hanging}
 * a transaction written straight into a leader that no coordinator knows (old enough to be past the tool's
 * transaction timeout), and {@code abort}, in both its forms, ends such transactions so that read_committed
 * consumers move past them.
 */
class TransactionsToolIT {

    private static final long HANGING_PID = 987_654_321L;
    private static final long OTHER_HANGING_PID = 987_654_322L;

    @TempDir
    static Path root;
    static CairnCluster cluster;
    static String bootstrap;

    /** What Exit.exit throws here instead of ending the JVM. */
    static final class ToolExit extends RuntimeException {
        final int code;

        ToolExit(int code, String message) {
            super("exit " + code + ": " + message);
            this.code = code;
        }
    }

    /** What one run of the tool printed and its exit code. */
    record Run(int exitCode, String out, String err) {
        /** The table's rows below its header, each split into columns. */
        List<String[]> rows() {
            return out.lines().skip(1).filter(l -> !l.isBlank()).map(l -> l.trim().split("\\s+")).toList();
        }
    }

    @BeforeAll
    static void startCluster() throws Exception {
        Exit.setExitProcedure((code, message) -> {
            throw new ToolExit(code, message);
        });
        cluster = CairnCluster.start(root, 3);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> cluster.controllerId() > 0);
        int controller = cluster.controllerId();
        int other = cluster.runningNodes().stream().filter(id -> id != controller).findFirst().orElseThrow();
        bootstrap = cluster.node(other).bootstrapServers();
    }

    @AfterAll
    static void stopCluster() {
        Exit.resetExitProcedure();
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void listDescribeAndDescribeProducersShowAJavaProducersOpenTransaction() throws Exception {
        // given a Java transactional producer with an open transaction in partition 1 of a 2-partition topic
        TopicPartition tp = new TopicPartition("tool-open", 1);
        createTopic(tp.topic(), 2);
        try (KafkaProducer<String, String> producer = TransactionsIT.producer(bootstrap, "tool-txn")) {
            producer.initTransactions();
            producer.beginTransaction();
            long sentFrom = System.currentTimeMillis();
            RecordMetadata first = producer.send(new ProducerRecord<>(tp.topic(), tp.partition(), null, "v1")).get();
            producer.send(new ProducerRecord<>(tp.topic(), tp.partition(), null, "v2")).get();
            long sentUntil = System.currentTimeMillis();
            long producerId = firstBatch(tp).producerId();
            short epoch = firstBatch(tp).producerEpoch();

            // then list shows it Ongoing on its coordinator
            assertThat(tool("list").rows()).anySatisfy(row -> assertThat(row).startsWith("tool-txn").endsWith(
                    String.valueOf(producerId), "Ongoing"));

            // and describe names its state and its one partition
            Run describe = tool("describe", "--transactional-id", "tool-txn");
            assertThat(describe.rows()).singleElement().satisfies(row -> {
                assertThat(row[1]).isEqualTo("tool-txn");
                assertThat(row[2]).isEqualTo(String.valueOf(producerId));
                assertThat(row[4]).isEqualTo("Ongoing");
                assertThat(row[row.length - 1]).isEqualTo(tp.toString());
            });

            // and describe-producers, on the leader, its epoch, last sequence, batch timestamp and first offset
            String[] row = producerRow(tool("describe-producers", "--topic", tp.topic(), "--partition", "1"),
                    producerId).orElseThrow();
            assertThat(row[1]).isEqualTo(String.valueOf(epoch));
            assertThat(row[3]).isEqualTo("1");
            assertThat(Long.parseLong(row[4])).isBetween(sentFrom, sentUntil);
            assertThat(row[5]).isEqualTo(String.valueOf(first.offset()));

            // and a follower, asked with --broker-id, answers the same from its own copy
            int leader = leader(tp);
            int follower = replicas(tp).stream().filter(id -> id != leader).findFirst().orElseThrow();
            Awaitility.await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(producerRow(tool(
                    "describe-producers", "--topic", tp.topic(), "--partition", "1", "--broker-id",
                    String.valueOf(follower)), producerId)).hasValueSatisfying(r -> assertThat(r).containsExactly(row)));

            // and find-hanging, even with a zero timeout, does not call it hanging: its coordinator knows it
            Run hanging = tool("find-hanging", "--topic", tp.topic(), "--max-transaction-timeout", "0");
            assertThat(hanging.exitCode()).as(hanging.err()).isZero();
            assertThat(hanging.rows()).isEmpty();

            // when it commits, no transaction of it is open on the partition any more
            producer.commitTransaction();
            Awaitility.await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(producerRow(tool(
                    "describe-producers", "--topic", tp.topic(), "--partition", "1"), producerId))
                    .hasValueSatisfying(r -> assertThat(r[5]).isEqualTo("None")));
        }
    }

    @Test
    void findHangingFindsTransactionsNoCoordinatorKnowsAndAbortEndsThem() throws Exception {
        // given two transactions written straight into the leader twenty minutes ago (no coordinator knows them),
        // between two plain records
        TopicPartition tp = new TopicPartition("tool-hanging", 0);
        createTopic(tp.topic(), 1);
        int leader = leader(tp);
        TxnWriter writer = new TxnWriter(cluster.node(leader).replicas().partition(tp).orElseThrow());
        long twentyMinutesAgo = System.currentTimeMillis() - TimeUnit.MINUTES.toMillis(20);
        writer.plain("before");
        long hangingStart = writer.txnAt(twentyMinutesAgo, HANGING_PID, "hanging-1", "hanging-2");
        long otherStart = writer.txnAt(twentyMinutesAgo, OTHER_HANGING_PID, "hanging-3");
        writer.plain("after");
        // (once replicated, the high watermark passes "after" but the last stable offset stops at the first one)
        Awaitility.await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(endOffset(tp, "read_uncommitted")).isEqualTo(otherStart + 2));
        assertThat(endOffset(tp, "read_committed")).isEqualTo(hangingStart);

        // then find-hanging (default 15 minute transaction timeout) finds both, with their start offsets and age
        Run found = tool("find-hanging", "--topic", tp.topic());
        assertThat(found.exitCode()).as(found.err()).isZero();
        assertThat(found.rows()).hasSize(2).anySatisfy(row -> assertThat(row).containsExactly(tp.topic(), "0",
                String.valueOf(HANGING_PID), "0", "-1", String.valueOf(hangingStart), String.valueOf(twentyMinutesAgo),
                "20")).anySatisfy(row -> assertThat(row).startsWith(tp.topic(), "0", String.valueOf(OTHER_HANGING_PID),
                "0", "-1", String.valueOf(otherStart)));
        // but not with a timeout longer than their age
        assertThat(tool("find-hanging", "--topic", tp.topic(), "--max-transaction-timeout", "30").rows()).isEmpty();
        // and a search by broker finds them on a follower too
        int follower = replicas(tp).stream().filter(id -> id != leader).findFirst().orElseThrow();
        Awaitility.await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(tool("find-hanging",
                "--broker-id", String.valueOf(follower)).rows()).extracting(row -> row[2])
                .contains(String.valueOf(HANGING_PID), String.valueOf(OTHER_HANGING_PID)));

        // when the first is aborted by its start offset
        Run abort = tool("abort", "--topic", tp.topic(), "--partition", "0", "--start-offset",
                String.valueOf(hangingStart));
        assertThat(abort.exitCode()).as(abort.err()).isZero();

        // then it is closed and only the other one hangs, holding read_committed consumers before it
        Run producers = tool("describe-producers", "--topic", tp.topic(), "--partition", "0");
        assertThat(producerRow(producers, HANGING_PID)).hasValueSatisfying(row -> assertThat(row[5]).isEqualTo("None"));
        assertThat(producerRow(producers, OTHER_HANGING_PID)).hasValueSatisfying(
                row -> assertThat(row[5]).isEqualTo(String.valueOf(otherStart)));
        assertThat(tool("find-hanging", "--topic", tp.topic()).rows()).extracting(row -> row[2])
                .containsExactly(String.valueOf(OTHER_HANGING_PID));
        assertThat(endOffset(tp, "read_committed")).isEqualTo(otherStart);

        // when the other is aborted by producer id, epoch and coordinator epoch (-1: it never had a marker)
        abort = tool("abort", "--topic", tp.topic(), "--partition", "0", "--producer-id",
                String.valueOf(OTHER_HANGING_PID), "--producer-epoch", "0", "--coordinator-epoch", "-1");
        assertThat(abort.exitCode()).as(abort.err()).isZero();

        // then nothing hangs and a read_committed consumer reads past both, without their records
        assertThat(tool("find-hanging", "--topic", tp.topic()).rows()).isEmpty();
        assertThat(ReadCommittedIT.javaRead(bootstrap, tp, "read_committed", "after"))
                .containsExactly("before", "after");

        // and aborting a transaction that does not start at the given offset fails
        Run missing = tool("abort", "--topic", tp.topic(), "--partition", "0", "--start-offset",
                String.valueOf(hangingStart));
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("Could not find any open transactions starting at offset " + hangingStart);
    }

    private static long endOffset(TopicPartition tp, String isolation) {
        try (KafkaConsumer<String, String> consumer = ReadCommittedIT.consumer(bootstrap, isolation)) {
            return consumer.endOffsets(Set.of(tp)).get(tp);
        }
    }

    private static void createTopic(String topic, int partitions) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 3))).all().get();
        }
        Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
            TopicPartition tp = new TopicPartition(topic, 0);
            cluster.node(leader(tp)).replicas().partition(tp).orElseThrow().requireLeader(Optional.empty());
            return true;
        });
    }

    private static TopicDescription describeTopic(String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
        }
    }

    private static int leader(TopicPartition tp) throws Exception {
        return describeTopic(tp.topic()).partitions().get(tp.partition()).leader().id();
    }

    private static List<Integer> replicas(TopicPartition tp) throws Exception {
        return describeTopic(tp.topic()).partitions().get(tp.partition()).replicas().stream()
                .map(org.apache.kafka.common.Node::id).toList();
    }

    /** The first batch of the partition, read from its leader's log. */
    private static RecordBatch firstBatch(TopicPartition tp) throws Exception {
        Partition partition = cluster.node(leader(tp)).replicas().partition(tp).orElseThrow();
        return partition.log().read(0, Integer.MAX_VALUE, Long.MAX_VALUE, true).records().batches().iterator()
                .next();
    }

    /** describe-producers' row for this producer id, if any. */
    private static Optional<String[]> producerRow(Run describeProducers, long producerId) {
        assertThat(describeProducers.exitCode()).as(describeProducers.err()).isZero();
        assertThat(describeProducers.out()).startsWith("ProducerId");
        return describeProducers.rows().stream().filter(row -> row[0].equals(String.valueOf(producerId)))
                .findFirst();
    }

    /** Runs kafka-transactions.sh with --bootstrap-server on a non-controller node. */
    private static synchronized Run tool(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--bootstrap-server", bootstrap));
        all.addAll(Arrays.asList(args));
        // main() builds its own Admin and exits the JVM; execute(...) (package-private) takes the Admin factory,
        // the output stream and the clock, and ends with Exit.exit, which throws ToolExit here
        Method execute = TransactionsCommand.class.getDeclaredMethod("execute", String[].class, Function.class,
                PrintStream.class, Time.class);
        execute.setAccessible(true);
        List<Admin> admins = new ArrayList<>();
        Function<Object, Admin> adminFactory = namespace -> {
            Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap));
            admins.add(admin);
            return admin;
        };
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream originalErr = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int code;
        try {
            execute.invoke(null, all.toArray(String[]::new), adminFactory,
                    new PrintStream(out, true, StandardCharsets.UTF_8), Time.SYSTEM);
            throw new AssertionError("kafka-transactions returned without calling Exit.exit");
        } catch (InvocationTargetException e) {
            if (!(e.getCause() instanceof ToolExit exit)) {
                throw e;
            }
            code = exit.code;
        } finally {
            System.setErr(originalErr);
            admins.forEach(Admin::close);
        }
        Run run = new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        System.out.println("kafka-transactions " + String.join(" ", args) + " -> exit " + code + "\n" + run.out()
                + run.err());
        return run;
    }
}
