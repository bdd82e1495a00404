package io.cairn.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code --cluster}: three nodes of one system on this machine, each its own process (Kafka: KRaft combined
 * broker+controller, the three forming the controller quorum; Cairn: {@code CairnMain start} with
 * {@code controller.quorum.voters}). Measures, with metric names prefixed {@code cluster_}:
 * <ul>
 *   <li>start: launch of the three processes until Admin sees 3 brokers;</li>
 *   <li>the single-node workloads ({@link Workloads}) on the cluster as a {@link Cluster} target: topics with
 *       replication factor 3 and min.insync.replicas=2, RSS and CPU summed over the three processes, topic
 *       creation timed until every node's own Metadata shows the topics;</li>
 *   <li>last, as they kill nodes: failover after kill -9 of the leader of an RF 3 topic's only partition, time
 *       until a send to it succeeds again (a producer sending one record at a time, each waited for) and until
 *       Metadata shows another leader; twice: first a leader that is not the active controller
 *       ({@code cluster_failover_*}), then, after the killed node is back and in sync, the active controller's
 *       node leading the partition ({@code cluster_failover_controller_*}), where the controller's own
 *       failover comes first.</li>
 * </ul>
 * Every wait has a deadline; a failure is recorded, not thrown.
 */
final class ClusterBench {

    private static final int NODES = 3;
    private static final String FAILOVER_TOPIC = "bench-failover";

    /** Whose node the failover kills: a partition leader that is not the active controller, or one that is. */
    private enum Victim {
        NOT_CONTROLLER("cluster_failover", FAILOVER_TOPIC),
        CONTROLLER("cluster_failover_controller", FAILOVER_TOPIC + "-controller");

        final String metricPrefix;
        final String topic;

        Victim(String metricPrefix, String topic) {
            this.metricPrefix = metricPrefix;
            this.topic = topic;
        }
    }

    private final String system;
    private final Path dir;
    private final List<String> jvm;
    private final Path cairnHome;
    private final Path kafkaLib;
    private final Settings settings;
    private final List<String> only;
    private final Map<String, Double> metrics;
    private final Map<String, String> errors;
    private final Consumer<String> log;
    private final List<Node> nodes = new ArrayList<>();
    private final Cluster cluster = new Cluster(nodes, NODES);
    /** The driver's live brokers, killed by its shutdown hook. */
    private final List<Broker> live;
    /** Extra arguments to every Cairn node's {@code start} ({@code --cairn-arg}). */
    private final List<String> cairnArgs;

    ClusterBench(String system, Path dir, List<String> jvm, Path cairnHome, Path kafkaLib, Settings settings,
                 List<String> only, Map<String, Double> metrics, Map<String, String> errors, Consumer<String> log,
                 List<Broker> live, List<String> cairnArgs) {
        this.live = live;
        this.cairnArgs = List.copyOf(cairnArgs);
        this.system = system;
        this.dir = dir;
        this.jvm = jvm;
        this.cairnHome = cairnHome;
        this.kafkaLib = kafkaLib;
        this.settings = settings;
        this.only = only;
        this.metrics = metrics;
        this.errors = errors;
        this.log = log;
    }

    /** One node process; the command depends on the system. */
    private final class Node extends Broker {
        final int id;
        final int controllerPort;
        String voters;
        String clusterId;

        Node(int id) throws IOException {
            super(system + id, dir.resolve("node" + id), jvm);
            this.id = id;
            this.controllerPort = freePort();
        }

        private Path config() {
            return workDir.resolve("server.properties");
        }

        @Override
        void prepare() throws Exception {
            if (!system.equals("kafka")) {
                return;
            }
            String props = String.join("\n",
                    "process.roles=broker,controller",
                    "node.id=" + id,
                    "controller.quorum.voters=" + voters,
                    "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                    "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                    "controller.listener.names=CONTROLLER",
                    "inter.broker.listener.name=PLAINTEXT",
                    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                    "log.dirs=" + workDir.resolve("data").toAbsolutePath(),
                    "num.partitions=1",
                    "offsets.topic.replication.factor=3",
                    "transaction.state.log.replication.factor=3",
                    "transaction.state.log.min.isr=2",
                    "group.initial.rebalance.delay.ms=0",
                    "");
            Files.writeString(config(), props);
            Files.writeString(workDir.resolve("logback.xml"), """
                    <configuration>
                      <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                        <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{36} - %msg%n</pattern></encoder>
                      </appender>
                      <logger name="kafka.request.logger" level="WARN"/>
                      <logger name="org.apache.kafka.clients" level="WARN"/>
                      <root level="INFO"><appender-ref ref="OUT"/></root>
                    </configuration>
                    """);
            List<String> cmd = new ArrayList<>(Broker.javaCommand(List.of("-Xmx256m",
                    "-Dlogback.configurationFile=" + workDir.resolve("logback.xml").toAbsolutePath()),
                    kafkaLib.toAbsolutePath() + "/*", "kafka.tools.StorageTool"));
            cmd.addAll(List.of("format", "-t", clusterId, "-c", config().toAbsolutePath().toString()));
            Process format = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true)
                    .redirectOutput(workDir.resolve("format.out").toFile()).start();
            if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
                format.destroyForcibly();
                throw new IllegalStateException("kafka-storage format failed: " + Files.readString(workDir.resolve("format.out")));
            }
        }

        @Override
        List<String> command() throws IOException {
            if (system.equals("kafka")) {
                List<String> opts = new ArrayList<>(jvmOptions);
                opts.add("-Dlogback.configurationFile=" + workDir.resolve("logback.xml").toAbsolutePath());
                List<String> cmd = new ArrayList<>(Broker.javaCommand(opts, kafkaLib.toAbsolutePath() + "/*", "kafka.Kafka"));
                cmd.add(config().toAbsolutePath().toString());
                return cmd;
            }
            Path serverTarget = cairnHome.resolve("cairn-server/target");
            String classpath = CairnBroker.serverJar(serverTarget).toAbsolutePath() + ":"
                    + serverTarget.resolve("lib").toAbsolutePath() + "/*";
            List<String> cmd = new ArrayList<>(Broker.javaCommand(jvmOptions, classpath, "io.cairn.server.CairnMain"));
            cmd.addAll(List.of("start", "--host", "127.0.0.1", "--port", Integer.toString(port),
                    "--data-dir", workDir.resolve("data").toAbsolutePath().toString(), "--node-id", Integer.toString(id),
                    "-o", "controller.quorum.voters=" + voters));
            cmd.addAll(cairnArgs);
            return cmd;
        }

        /** SIGKILL, as kill -9. */
        void kill9() throws InterruptedException {
            ProcessHandle.of(pid()).ifPresent(ProcessHandle::destroyForcibly);
            ProcessHandle.of(pid()).ifPresent(h -> h.onExit().join());
        }
    }

    void run() throws Exception {
        try {
            for (int i = 1; i <= NODES; i++) {
                Node node = new Node(i);
                nodes.add(node);
                live.add(node);
            }
            String voters = nodes.stream().map(n -> n.id + "@127.0.0.1:" + n.controllerPort)
                    .collect(Collectors.joining(","));
            String clusterId = Uuid.randomUuid().toString();
            for (Node n : nodes) {
                n.voters = voters;
                n.clusterId = clusterId;
                n.prepare();
            }
            for (Node n : nodes) {
                n.launch();
            }
            Workloads workloads = new Workloads(cluster, "cluster_", settings, metrics, errors, log, only);
            workloads.step("start", this::awaitUp);
            workloads.runAfterStart();
            // Last: they kill nodes.
            workloads.step("failover", () -> {
                failover(Victim.NOT_CONTROLLER);
                relaunchKilled(); // the next failover needs three nodes again
            });
            workloads.step("failover_controller", () -> failover(Victim.CONTROLLER));
        } finally {
            for (Node n : nodes) {
                n.close();
                live.remove(n);
            }
        }
    }

    void deleteWorkDirs() {
        nodes.forEach(Broker::deleteWorkDir);
    }

    void deleteDataKeepLogs() {
        nodes.forEach(Broker::deleteDataKeepLog);
    }

    private Properties common() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, "20");
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "200");
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "cairn-bench-cluster");
        return p;
    }

    private Admin admin() {
        Properties p = common();
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        return Admin.create(p);
    }

    private static long deadline(double seconds) {
        return System.nanoTime() + (long) (seconds * 1e9);
    }

    private static void check(long deadline, String what) {
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException("timed out: " + what);
        }
    }

    /** Launch (of the first process) until Admin sees 3 brokers. */
    private void awaitUp() throws Exception {
        long deadline = deadline(120);
        try (Admin admin = admin()) {
            while (true) {
                check(deadline, "3 brokers registered");
                cluster.checkAlive();
                try {
                    if (admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).size() == NODES) {
                        break;
                    }
                } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                    // not up yet
                }
                Thread.sleep(100);
            }
            metrics.put("cluster_start_ms", (System.nanoTime() - cluster.launchNanos()) / 1e6);
        }
    }

    private Properties producerProps() {
        Properties p = common();
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return p;
    }

    /** The node a failover killed, until {@link #relaunchKilled} brings it back. */
    private Node killed;

    /**
     * kill -9 of the leader of a new RF 3 topic's only partition, led by the node {@code kind} names (its first
     * replica, so its leader from creation), while a producer sends to it one record at a time; the time from
     * the kill until a send succeeds again, and until Metadata names another leader.
     */
    private void failover(Victim kind) throws Exception {
        int victimId;
        try (Admin admin = admin()) {
            int controller = quorumLeader(admin);
            victimId = kind == Victim.CONTROLLER ? controller
                    : nodes.stream().mapToInt(n -> n.id).filter(id -> id != controller).findFirst().orElseThrow();
            List<Integer> replicas = new ArrayList<>(List.of(victimId));
            nodes.stream().map(n -> n.id).filter(id -> id != victimId).forEach(replicas::add);
            admin.createTopics(List.of(new NewTopic(kind.topic, Map.of(0, replicas))
                    .configs(Map.of("min.insync.replicas", "2")))).all().get(30, TimeUnit.SECONDS);
            long deadline = deadline(60);
            while (!ledInSync(admin, kind.topic, victimId)) {
                check(deadline, kind.topic + "-0 led by node " + victimId + " with its 3 replicas in sync");
                Thread.sleep(100);
            }
        }
        Node victim = nodes.stream().filter(n -> n.id == victimId).findFirst().orElseThrow();
        String topic = kind.topic;
        Properties p = producerProps();
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
        p.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, "20");
        p.put(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG, "200");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "60000");
        byte[] payload = new byte[100];
        long deadline = deadline(90);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p); Admin admin = admin()) {
            for (int i = 0; i < 50; i++) { // warm: connections and metadata in place
                producer.send(new ProducerRecord<>(topic, 0, null, payload)).get(30, TimeUnit.SECONDS);
            }
            if (kind == Victim.CONTROLLER && quorumLeader(admin) != victimId) {
                throw new IllegalStateException("the active controller moved off node " + victimId);
            }
            long killedAt = System.nanoTime();
            victim.kill9();
            killed = victim;
            log.accept("    killed node " + victimId + " (leader of " + topic + "-0"
                    + (kind == Victim.CONTROLLER ? ", active controller)" : ")"));
            double metadataMs = Double.NaN;
            double produceMs = Double.NaN;
            var pending = producer.send(new ProducerRecord<>(topic, 0, null, payload));
            while (Double.isNaN(metadataMs) || Double.isNaN(produceMs)) {
                check(deadline, "failover (metadata " + metadataMs + " ms, produce " + produceMs + " ms)");
                if (Double.isNaN(produceMs) && pending.isDone()) {
                    try {
                        pending.get();
                        produceMs = (System.nanoTime() - killedAt) / 1e6;
                    } catch (ExecutionException e) {
                        pending = producer.send(new ProducerRecord<>(topic, 0, null, payload));
                    }
                }
                if (Double.isNaN(metadataMs)) {
                    try {
                        TopicPartitionInfo info = admin.describeTopics(List.of(topic)).allTopicNames()
                                .get(2, TimeUnit.SECONDS).get(topic).partitions().get(0);
                        if (info.leader() != null && info.leader().id() >= 0 && info.leader().id() != victimId) {
                            metadataMs = (System.nanoTime() - killedAt) / 1e6;
                        }
                    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                        // the killed node may still be asked; try again
                    }
                }
                Thread.sleep(5);
            }
            metrics.put(kind.metricPrefix + "_produce_ms", produceMs);
            metrics.put(kind.metricPrefix + "_metadata_ms", metadataMs);
        }
    }

    /** The metadata quorum's leader: Kafka's active controller, Cairn's metadata Raft leader. */
    private static int quorumLeader(Admin admin) throws Exception {
        return admin.describeMetadataQuorum().quorumInfo().get(10, TimeUnit.SECONDS).leaderId();
    }

    private static boolean ledInSync(Admin admin, String topic, int leader) {
        try {
            TopicPartitionInfo p = admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS)
                    .get(topic).partitions().get(0);
            return p.leader() != null && p.leader().id() == leader && p.isr().size() == NODES;
        } catch (Exception e) {
            return false;
        }
    }

    /** Launches the node the last failover killed and waits until it is back in the ISR of that topic. */
    private void relaunchKilled() throws Exception {
        Node node = killed;
        node.launch();
        killed = null;
        long deadline = deadline(120);
        try (Admin admin = admin()) {
            while (true) {
                check(deadline, "node " + node.id + " back in sync after its restart");
                node.checkAlive();
                try {
                    TopicPartitionInfo p = admin.describeTopics(List.of(FAILOVER_TOPIC)).allTopicNames()
                            .get(10, TimeUnit.SECONDS).get(FAILOVER_TOPIC).partitions().get(0);
                    if (p.isr().size() == NODES
                            && admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size() == NODES) {
                        return;
                    }
                } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                    // not back yet
                }
                Thread.sleep(100);
            }
        }
    }
}
