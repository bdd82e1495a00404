package io.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.cairn.broker.txn.TransactionConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transaction coordinator's node dies between EndTxn and the last marker: the partition's leader is frozen
 * (SIGSTOP) so that no marker can be written, the producer's commit is acknowledged (the PREPARE_COMMIT record is
 * committed), then the coordinator's process is killed (SIGKILL) and the frozen leader resumed. The node that
 * takes over the coordinator's {@code __transaction_state} partition must find the transaction in PREPARE_COMMIT and
 * finish it: every committed record becomes visible to read_committed consumers, and the transaction completes.
 */
class TransactionCoordinatorFailoverIT {

    private static final String TOPIC = "coordinator-failover";

    @TempDir
    Path root;

    @Test
    void aNewCoordinatorFinishesACommitWhoseMarkersTheOldOneCouldNotWrite() throws Exception {
        try (ProcessCluster cluster = new ProcessCluster(root, 3, List.of(
                "-o", "broker.session.timeout.ms=3000", "-o", "broker.heartbeat.interval.ms=500",
                "-o", "replica.lag.time.max.ms=4000"))) {
            cluster.startAll();
            try (Admin admin = ClusterHealth.admin(cluster)) {
                Awaitility.await("3 brokers registered").atMost(Duration.ofSeconds(90)).ignoreExceptions()
                        .until(() -> admin.describeCluster().nodes().get().size() == 3);
                admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 3)
                        .configs(Map.of("min.insync.replicas", "2")))).all().get();
                ClusterHealth health = new ClusterHealth(cluster, admin, TOPIC);
                health.awaitHealthy(Duration.ofSeconds(60));
                String bootstrap = cluster.bootstrapServers();
                try (KafkaProducer<String, String> warmUp = TransactionsIT.producer(bootstrap, "warm-up")) {
                    warmUp.initTransactions(); // creates __transaction_state
                }
                int leader = leaderOf(admin, TOPIC, 0);
                String transactionalId = idCoordinatedAwayFrom(admin, leader);
                int coordinator = coordinatorOf(admin, transactionalId);

                try (KafkaProducer<String, String> producer = TransactionsIT.producer(bootstrap, transactionalId)) {
                    producer.initTransactions();
                    producer.beginTransaction();
                    for (int i = 0; i < 100; i++) {
                        producer.send(new ProducerRecord<>(TOPIC, "k" + i, "committed-" + i));
                    }
                    producer.flush();

                    // when: the data's leader freezes, the commit is decided, and the deciding coordinator dies
                    cluster.pause(leader);
                    producer.commitTransaction();
                    cluster.kill(coordinator);
                    cluster.resume(leader);
                }

                // then: another node coordinates the id, finishes the commit, and the data becomes readable
                String survivors = survivorsBootstrap(cluster, coordinator);
                List<String> read = TransactionsIT.read(survivors, TOPIC, "read_committed", "committed-99");
                assertThat(read).hasSize(100).allMatch(v -> v.startsWith("committed-"));
                try (Admin survivorsAdmin = Admin.create(Map.of("bootstrap.servers", survivors))) {
                    try {
                        Awaitility.await("the transaction completes").atMost(Duration.ofSeconds(60))
                                .until(() -> describe(survivorsAdmin, transactionalId),
                                        d -> d.contains("state=CompleteCommit"));
                    } catch (AssertionError | RuntimeException e) {
                        printTransactionLogLines(root);
                        throw e;
                    }
                    assertThat(survivorsAdmin.describeTransactions(List.of(transactionalId)).all().get()
                            .get(transactionalId).coordinatorId()).isNotEqualTo(coordinator);
                }
                System.out.printf("[figure] TransactionCoordinatorFailoverIT: coordinator %d killed with the commit "
                        + "decided and no marker written (leader %d frozen); finished by another node%n",
                        coordinator, leader);
                // and the old coordinator, restarted, serves a transaction at once to a client that knows only it
                cluster.start(coordinator);
                String restarted = "127.0.0.1:" + cluster.kafkaPort(coordinator);
                try (KafkaProducer<String, String> producer = TransactionsIT.producer(restarted, transactionalId)) {
                    producer.initTransactions();
                    producer.beginTransaction();
                    producer.send(new ProducerRecord<>(TOPIC, "k", "after-restart")).get();
                    producer.commitTransaction();
                }
                assertThat(TransactionsIT.read(restarted, TOPIC, "read_committed", "after-restart"))
                        .hasSize(101).endsWith("after-restart");
                health.awaitHealthy(Duration.ofSeconds(90), "after restarting the old coordinator");
            }
        }
    }

    /** What the nodes logged about transactions, for the failure report. */
    private static void printTransactionLogLines(Path root) throws java.io.IOException {
        for (int id = 1; id <= 3; id++) {
            Path log = root.resolve("node" + id).resolve("cairn.log");
            if (java.nio.file.Files.exists(log)) {
                try (var lines = java.nio.file.Files.lines(log)) {
                    int node = id;
                    lines.filter(l -> l.contains("txn") || l.contains("Txn") || l.contains("ransaction")
                            || l.contains("WARN") || l.contains("ERROR")).forEach(l -> System.out.println(
                                    "node" + node + ": " + l));
                }
            }
        }
    }

    private static String describe(Admin admin, String transactionalId) {
        try {
            return admin.describeTransactions(List.of(transactionalId)).all().get().get(transactionalId).toString();
        } catch (Exception e) {
            return e.toString();
        }
    }

    /** A transactional id whose coordinator (the leader of its __transaction_state partition) is not {@code node}. */
    private static String idCoordinatedAwayFrom(Admin admin, int node) throws Exception {
        for (int i = 0; ; i++) {
            String id = "failover-txn-" + i;
            if (coordinatorOf(admin, id) != node) {
                return id;
            }
        }
    }

    private static int coordinatorOf(Admin admin, String transactionalId) throws Exception {
        TopicDescription state = admin.describeTopics(List.of(TransactionConfig.TRANSACTION_STATE_TOPIC))
                .allTopicNames().get().get(TransactionConfig.TRANSACTION_STATE_TOPIC);
        return state.partitions().get(TransactionConfig.partitionFor(transactionalId, state.partitions().size()))
                .leader().id();
    }

    private static int leaderOf(Admin admin, String topic, int partition) throws Exception {
        return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().get(partition)
                .leader().id();
    }

    private static String survivorsBootstrap(ProcessCluster cluster, int dead) {
        StringBuilder out = new StringBuilder();
        for (int id = 1; id <= 3; id++) {
            if (id != dead) {
                out.append(out.length() == 0 ? "" : ",").append("127.0.0.1:").append(cluster.kafkaPort(id));
            }
        }
        return out.toString();
    }
}
