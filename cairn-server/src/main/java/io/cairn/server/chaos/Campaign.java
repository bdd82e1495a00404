package io.cairn.server.chaos;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.cairn.server.QuorumProbe;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A seeded fault campaign against a running cluster: the checked workload ({@link Producers}, a
 * {@link GroupConsumer}) runs while a nemesis kills and restarts, or pauses and resumes, one node at a time (the
 * active controller, a partition leader or any node, as the seed picks), each time waiting for the cluster to be
 * whole again (every broker registered, every ISR full) before the next fault. Then it reads the topic back and
 * checks every acknowledged record is there exactly once and in order per producer, and that the group kept its
 * promises. The schedule (which fault, which victim role, how long) follows from the seed; which node holds a role
 * is asked of the cluster at the time.
 *
 * <p>Runs on the caller's thread; not reusable.
 */
public final class Campaign {

    /** What to run. {@code clientConfig} holds the bootstrap servers and any client security settings. */
    public record Settings(Map<String, Object> clientConfig, Duration duration, int maxFaults, long seed, String topic,
                    int partitions, int producers, int recordsPerSecond, boolean transactions,
                    Duration recoveryTimeout) {
    }

    /** One injected fault: what, to which node in which role, when (ms since start), and what it cost. */
    public record Fault(int index, long atMs, String kind, int node, String role, long lengthMs, long ackedAgainAfterMs,
                 long wholeAfterMs) {
        public String describe() {
            return (kind.equals("kill") ? "kill -9 of node " + node + " (" + role + "), restarted after "
                    : "pause of node " + node + " (" + role + ") for ") + lengthMs + " ms";
        }
    }

    /** Pause lengths to pick from: shorter and longer than an election timeout, a session timeout, a lease. */
    private static final long[] PAUSES_MS = {300, 1_000, 2_000, 4_000, 8_000};
    private static final String[] ROLES = {"controller", "leader", "any"};

    private final Settings settings;
    private final Nemesis nemesis;
    private final PrintWriter progress;
    private final Random random;
    private final long startNanos = System.nanoTime();
    private final Ledger ledger = new Ledger();
    private final Availability availability;
    private final List<Fault> faults = new ArrayList<>();
    private final List<String> groupOffsetViolations = new ArrayList<>();
    private final Map<Integer, Long> groupCommitted = new HashMap<>();
    private final List<String> problems = new ArrayList<>();

    public Campaign(Settings settings, Nemesis nemesis, PrintWriter progress) {
        this.settings = settings;
        this.nemesis = nemesis;
        this.progress = progress;
        this.random = new Random(settings.seed());
        this.availability = new Availability(settings.partitions());
    }

    private long nowMs() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    public ChaosReport run() throws Exception {
        Map<String, Object> adminConfig = new HashMap<>(settings.clientConfig());
        adminConfig.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        adminConfig.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        String groupId = settings.topic() + "-group";
        try (Admin admin = Admin.create(adminConfig)) {
            // the brokers registered now; one that registers later (a node still starting) is adopted by awaitWhole
            List<Integer> nodes = new ArrayList<>(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).stream()
                    .map(Node::id).sorted().toList());
            short replication = (short) Math.min(3, nodes.size());
            admin.createTopics(List.of(new NewTopic(settings.topic(), settings.partitions(), replication)
                    .configs(Map.of("min.insync.replicas", Integer.toString(Math.max(1, replication - 1))))))
                    .all().get(30, TimeUnit.SECONDS);
            progress.printf("cairn chaos: seed %d, nodes %s, topic %s (%d partitions, replication factor %d)%n",
                    settings.seed(), nodes, settings.topic(), settings.partitions(), replication);
            progress.flush();
            awaitWhole(admin, nodes, settings.recoveryTimeout());

            Producers producers = new Producers(settings.clientConfig(), settings.topic(), settings.partitions(),
                    ledger, availability, this::nowMs, Math.max(1, settings.recordsPerSecond() / settings.producers()));
            TransactionalProducer transactional = settings.transactions() ? new TransactionalProducer(
                    settings.clientConfig(), settings.topic(), settings.partitions(), settings.producers(), ledger,
                    availability, this::nowMs) : null;
            GroupConsumer group = new GroupConsumer(readerConfig(), settings.topic(), groupId);
            producers.start(settings.producers());
            if (transactional != null) {
                transactional.start();
            }
            group.start();
            awaitAcks(100, Duration.ofSeconds(60));
            availability.startMeasuring(nowMs());
            long endMs = nowMs() + settings.duration().toMillis();
            try {
                while (nowMs() < endMs && faults.size() < settings.maxFaults() && problems.isEmpty()) {
                    Thread.sleep(500 + random.nextInt(1_500)); // quiet time between faults
                    inject(admin, nodes);
                    checkGroupOffsets(admin, groupId);
                }
            } finally {
                producers.close();
                if (transactional != null) {
                    transactional.close();
                }
            }
            Map<Integer, Long> ends = endOffsets(admin);
            long groupDeadline = System.nanoTime() + settings.recoveryTimeout().toNanos();
            while (!group.reached(ends) && System.nanoTime() < groupDeadline) {
                Thread.sleep(100);
            }
            group.close();
            checkGroupOffsets(admin, groupId);
            Map<Integer, List<Ledger.Name>> read = readBack();
            Ledger.Verdict verdict = Ledger.Verdict.EMPTY;
            long groupMissed = 0;
            Set<Ledger.Name> groupSeen = group.seen();
            for (int p = 0; p < settings.partitions(); p++) {
                List<Ledger.Name> acked = ledger.acked(p);
                verdict = verdict.plus(Ledger.check(p, acked, ledger.aborted(p), read.getOrDefault(p, List.of())));
                groupMissed += acked.stream().filter(n -> !groupSeen.contains(n)).count();
            }
            List<String> groupViolations = new ArrayList<>(group.violations());
            groupViolations.addAll(groupOffsetViolations);
            if (groupMissed > 0) {
                groupViolations.add(groupMissed + " acknowledged records never reached the group");
            }
            List<Fault> measured = faults.stream().map(f -> new Fault(f.index(), f.atMs(), f.kind(), f.node(),
                    f.role(), f.lengthMs(), availability.recoveredAfterMs(f.index()), f.wholeAfterMs())).toList();
            List<String> errors = new ArrayList<>(problems);
            errors.addAll(producers.producerErrors());
            String transactions = transactional == null ? null : transactional.summary();
            return new ChaosReport(settings, List.copyOf(nodes), measured, verdict, producers.failedSends(), transactions,
                    groupViolations,
                    group.resumes(), availability.longestGap(), availability.perSecond(), errors, nowMs());
        }
    }

    private void inject(Admin admin, List<Integer> nodes) throws Exception {
        String role = ROLES[random.nextInt(ROLES.length)];
        boolean kill = !nemesis.canPause() || random.nextBoolean();
        long lengthMs = kill ? random.nextInt(3_000) : PAUSES_MS[random.nextInt(PAUSES_MS.length)];
        int partition = random.nextInt(settings.partitions());
        int anyNode = nodes.get(random.nextInt(nodes.size()));
        int node = switch (role) {
            case "controller" -> admin.describeMetadataQuorum().quorumInfo().get(10, TimeUnit.SECONDS).leaderId();
            case "leader" -> leaderOf(admin, partition);
            default -> anyNode;
        };
        if (!nodes.contains(node)) {
            role = "any";
            node = anyNode; // no node holds the role now (no leader): any node then
        }
        String roleName = role.equals("leader") ? "leader of " + settings.topic() + "-" + partition
                : role.equals("controller") ? "active controller" : "any node";
        int index = faults.size() + 1;
        long atMs;
        if (kill) {
            nemesis.kill(node);
            atMs = nowMs();
            availability.faultAt(index, atMs);
            Thread.sleep(lengthMs);
            nemesis.start(node);
        } else {
            nemesis.pause(node);
            atMs = nowMs();
            availability.faultAt(index, atMs);
            Thread.sleep(lengthMs); // the fault itself: how long the process stays frozen
            nemesis.resume(node);
        }
        long restoredMs = nowMs();
        boolean whole = awaitWhole(admin, nodes, settings.recoveryTimeout());
        Fault fault = new Fault(index, atMs, kill ? "kill" : "pause", node, roleName, lengthMs, -1,
                nowMs() - restoredMs);
        faults.add(fault);
        progress.printf("fault %d at %.1f s: %s; cluster whole %d ms later%n", index, atMs / 1000.0,
                fault.describe(), fault.wholeAfterMs());
        progress.flush();
        if (!whole) {
            problems.add("after fault " + index + " (" + fault.describe() + ") the cluster was not whole (every broker"
                    + " registered, every ISR full) within " + settings.recoveryTimeout().toSeconds() + " s");
        }
    }

    private int leaderOf(Admin admin, int partition) throws Exception {
        TopicDescription description = admin.describeTopics(List.of(settings.topic())).allTopicNames()
                .get(10, TimeUnit.SECONDS).get(settings.topic());
        Node leader = description.partitions().get(partition).leader();
        return leader == null ? -1 : leader.id();
    }

    /**
     * Waits until every node is a registered broker and every partition has a leader and a full ISR. A broker
     * registered that {@code nodes} does not hold yet (it was still starting when the campaign began) joins it:
     * from then on it is one of the nodes faults pick and the cluster is whole only with it.
     */
    private boolean awaitWhole(Admin admin, List<Integer> nodes, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                List<Node> brokers = List.copyOf(admin.describeCluster().nodes().get(5, TimeUnit.SECONDS));
                List<Integer> registered = brokers.stream().map(Node::id).sorted().toList();
                TopicDescription description = admin.describeTopics(List.of(settings.topic())).allTopicNames()
                        .get(5, TimeUnit.SECONDS).get(settings.topic());
                boolean fullIsr = description.partitions().stream().allMatch(
                        (TopicPartitionInfo p) -> p.leader() != null && p.isr().size() == p.replicas().size());
                for (int id : registered) {
                    if (!nodes.contains(id)) {
                        nodes.add(id);
                        nodes.sort(null);
                        progress.printf("node %d registered: faults pick among nodes %s%n", id, nodes);
                        progress.flush();
                    }
                }
                if (registered.containsAll(nodes) && fullIsr && quorumAgrees(brokers)) {
                    return true;
                }
            } catch (ExecutionException | TimeoutException e) {
                // not answered yet: ask again
            }
            Thread.sleep(200);
        }
        return false;
    }

    /**
     * Whether every node follows one metadata Raft leader, each asked on its own (DescribeQuorum: Cairn answers
     * it from the node's own Raft member, Kafka forwards it to the active controller, so this holds at once
     * there). A node can be registered and in every ISR while its Raft member is still stepping down from a
     * pause; the next fault would then hit a cluster without a healthy quorum. Asked over plaintext only: a
     * cluster with client security is judged by the other conditions.
     */
    private boolean quorumAgrees(List<Node> brokers) {
        Object protocol = settings.clientConfig().get(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG);
        if (protocol != null && !"PLAINTEXT".equalsIgnoreCase(protocol.toString())) {
            return true;
        }
        Set<Integer> leaders = new HashSet<>();
        for (Node broker : brokers) {
            try {
                leaders.add(QuorumProbe.status(broker.host(), broker.port(), Duration.ofSeconds(2)).leaderId());
            } catch (IOException e) {
                return false;
            }
        }
        return leaders.size() == 1 && !leaders.contains(-1);
    }

    /** The group's committed offsets, as the cluster reports them, only grow. */
    private void checkGroupOffsets(Admin admin, String groupId) {
        Map<TopicPartition, OffsetAndMetadata> committed;
        try {
            committed = admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata()
                    .get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            return; // asked again after the next fault
        }
        committed.forEach((tp, offset) -> {
            if (offset == null) {
                return;
            }
            Long before = groupCommitted.put(tp.partition(), offset.offset());
            if (before != null && offset.offset() < before) {
                groupOffsetViolations.add("partition " + tp.partition() + ": the cluster's committed offset went "
                        + "back from " + before + " to " + offset.offset());
            }
        });
    }

    private void awaitAcks(long count, Duration timeout) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (ledger.ackedCount() < count) {
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("fewer than " + count + " records acknowledged in " + timeout.toSeconds()
                        + " s before any fault: is the cluster serving?");
            }
            Thread.sleep(50);
        }
    }

    private Map<Integer, Long> endOffsets(Admin admin) throws Exception {
        Map<TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < settings.partitions(); p++) {
            latest.put(new TopicPartition(settings.topic(), p), org.apache.kafka.clients.admin.OffsetSpec.latest());
        }
        Map<Integer, Long> ends = new HashMap<>();
        admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS)
                .forEach((tp, info) -> ends.put(tp.partition(), info.offset()));
        return ends;
    }

    /** Consumers' settings: read_committed when transactions run, so aborted records must not show. */
    private Map<String, Object> readerConfig() {
        Map<String, Object> config = new HashMap<>(settings.clientConfig());
        if (settings.transactions()) {
            config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        }
        return config;
    }

    /** Reads every partition from the start to its end offset, as a fresh consumer outside any group. */
    private Map<Integer, List<Ledger.Name>> readBack() throws TimeoutException {
        Map<String, Object> config = readerConfig();
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        Map<Integer, List<Ledger.Name>> read = new HashMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < settings.partitions(); p++) {
                partitions.add(new TopicPartition(settings.topic(), p));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(60));
            long deadline = System.nanoTime() + settings.recoveryTimeout().toNanos();
            while (!partitions.stream().allMatch(tp -> consumer.position(tp) >= ends.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("could not read the topic back to its end offsets " + ends);
                }
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    read.computeIfAbsent(record.partition(), p -> new ArrayList<>())
                            .add(Ledger.Name.parse(record.value()));
                }
            }
        }
        return read;
    }
}
