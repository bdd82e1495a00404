package io.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fault campaign against three node processes: an idempotent acks=all producer writes steadily to a
 * topic with replication factor 3 and min.insync.replicas=2 while the partition leader, the controller and
 * a follower are in turn killed with SIGKILL and restarted, or paused with SIGSTOP and resumed. Every
 * acknowledged record must be read back exactly once and in order; every restarted node must be healthy
 * again (its Raft member following the leader, registered, unfenced, in every ISR), and every paused one
 * within 10 s of its resume.
 */
class FaultCampaignIT {

    private static final String TOPIC = "campaign";
    private static final int PARTITIONS = 3;

    @TempDir
    Path root;

    @Test
    void killsAndPausesOfLeaderControllerAndFollowerLoseNothingAcknowledged() throws Exception {
        try (ProcessCluster cluster = new ProcessCluster(root, 3, List.of(
                "-o", "broker.session.timeout.ms=3000", "-o", "broker.heartbeat.interval.ms=500",
                "-o", "replica.lag.time.max.ms=10000"))) {
            cluster.startAll();
            try (Admin admin = admin(cluster)) {
                Awaitility.await("3 brokers registered").atMost(Duration.ofSeconds(90)).ignoreExceptions()
                        .until(() -> admin.describeCluster().nodes().get().size() == 3);
                admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 3)
                        .configs(Map.of("min.insync.replicas", "2")))).all().get();
                awaitFullIsr(admin);

                List<String> acknowledged = Collections.synchronizedList(new ArrayList<>());
                AckGaps gaps = new AckGaps(PARTITIONS);
                AtomicBoolean writing = new AtomicBoolean(true);
                Thread writer = new Thread(() -> write(cluster, acknowledged, gaps, writing), "campaign-writer");
                writer.start();
                ClusterHealth health = new ClusterHealth(cluster, admin, TOPIC);
                List<String> figures = new ArrayList<>();
                try {
                    awaitMoreAcks(acknowledged, 200);
                    gaps.start();
                    for (Fault fault : FAULTS) {
                        int node = pick(admin, fault.victim());
                        long faultAt = System.nanoTime();
                        if (fault.pauseMs() == 0) {
                            cluster.kill(node);
                            awaitMoreAcks(acknowledged, 100);
                            figures.add(fault + " (node " + node + ") -> 100 more acks in "
                                    + (System.nanoTime() - faultAt) / 1_000_000 + " ms");
                            cluster.start(node);
                            health.awaitHealthy(Duration.ofSeconds(90), "after restarting node " + node);
                        } else {
                            cluster.pause(node);
                            Thread.sleep(fault.pauseMs()); // the fault itself: how long the process stays frozen
                            cluster.resume(node);
                            long resumedAt = System.nanoTime();
                            health.awaitHealthy(Duration.ofSeconds(10), fault + " of node " + node);
                            figures.add(fault + " (node " + node + ") -> healed " + (System.nanoTime() - resumedAt)
                                    / 1_000_000 + " ms after the resume");
                        }
                        awaitMoreAcks(acknowledged, 100);
                    }
                } finally {
                    writing.set(false);
                    writer.join(60_000);
                }
                figures.add("longest window without an acknowledged record on a partition: "
                        + gaps.longestMs() + " ms");
                figures.forEach(f -> System.out.println("[figure] FaultCampaignIT: " + f));

                verify(cluster, List.copyOf(acknowledged));
            }
        }
        long truncations = 0;
        for (int id = 1; id <= 3; id++) {
            try (var lines = java.nio.file.Files.lines(root.resolve("node" + id).resolve("cairn.log"))) {
                truncations += lines.filter(l -> l.contains("to agree with the leader")).count();
            }
        }
        System.out.println("[figure] FaultCampaignIT: " + truncations + " follower truncations to a new leader's log");
    }

    /** Kills and pauses (SIGSTOP, for less and more than the 1 s election timeout and the 3 s lease), in turn. */
    private static final List<Fault> FAULTS = List.of(
            new Fault("leader", 0), new Fault("controller", 5_000), new Fault("controller", 0),
            new Fault("leader", 1_500), new Fault("follower", 0), new Fault("follower", 6_000),
            new Fault("leader", 4_000), new Fault("controller", 500), new Fault("leader", 0));

    private record Fault(String victim, long pauseMs) {
        @Override
        public String toString() {
            return pauseMs == 0 ? "kill -9 of the " + victim : pauseMs + " ms pause of the " + victim;
        }
    }

    /** The longest time any partition went without an acknowledged record, from {@link #start}. */
    private static final class AckGaps {
        private final long[] lastAckNanos;
        private long longestNanos;
        private boolean started;

        AckGaps(int partitions) {
            lastAckNanos = new long[partitions];
        }

        synchronized void start() {
            Arrays.fill(lastAckNanos, System.nanoTime());
            started = true;
        }

        synchronized void acknowledged(int partition) {
            long now = System.nanoTime();
            if (started) {
                longestNanos = Math.max(longestNanos, now - lastAckNanos[partition]);
            }
            lastAckNanos[partition] = now;
        }

        synchronized long longestMs() {
            return longestNanos / 1_000_000;
        }
    }

    private static void write(ProcessCluster cluster, List<String> acknowledged, AckGaps gaps,
                              AtomicBoolean writing) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            for (int i = 0; writing.get(); i++) {
                int partition = i % PARTITIONS;
                String value = "r" + i;
                producer.send(new ProducerRecord<>(TOPIC, partition, null, value), (metadata, error) -> {
                    if (error == null) {
                        acknowledged.add(partition + ":" + value);
                        gaps.acknowledged(partition);
                    }
                });
                if (i % 20 == 19) {
                    producer.flush(); // a steady rate: at most 20 records in flight
                }
            }
            producer.flush();
        }
    }

    private static void awaitMoreAcks(List<String> acknowledged, int more) {
        int target = acknowledged.size() + more;
        Awaitility.await(more + " more acknowledged records").atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(20)).until(() -> acknowledged.size() >= target);
    }

    private static int pick(Admin admin, String victim) throws Exception {
        if (victim.equals("controller")) {
            return admin.describeMetadataQuorum().quorumInfo().get().leaderId();
        }
        TopicDescription description = admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC);
        var partition = description.partitions().get(0);
        if (victim.equals("leader")) {
            return partition.leader().id();
        }
        return partition.replicas().stream().filter(n -> n.id() != partition.leader().id()).findFirst()
                .orElseThrow().id();
    }

    private static void awaitFullIsr(Admin admin) {
        Awaitility.await("every partition's ISR back to 3").atMost(Duration.ofSeconds(90)).ignoreExceptions()
                .pollInterval(Duration.ofMillis(200))
                .until(() -> admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC).partitions()
                        .stream().allMatch(p -> p.isr().size() == 3 && p.leader() != null));
    }

    private static void verify(ProcessCluster cluster, List<String> acknowledged) {
        Map<Integer, List<String>> log = new HashMap<>();
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                partitions.add(new TopicPartition(TOPIC, p));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            Awaitility.await("read to the end").atMost(Duration.ofSeconds(90)).until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    log.computeIfAbsent(record.partition(), p -> new ArrayList<>()).add(record.value());
                }
                return partitions.stream().allMatch(tp -> consumer.position(tp) >= ends.get(tp));
            });
        }
        for (int p = 0; p < PARTITIONS; p++) {
            int partition = p;
            List<String> acked = acknowledged.stream().filter(a -> a.startsWith(partition + ":"))
                    .map(a -> a.substring(a.indexOf(':') + 1)).toList();
            List<String> read = log.getOrDefault(p, List.of());
            assertThat(read).as("partition %d: no duplicates", p).doesNotHaveDuplicates();
            assertThat(read.stream().filter(acked::contains).toList())
                    .as("partition %d: every acknowledged record, in order", p)
                    .containsExactlyElementsOf(acked);
        }
        System.out.println("[figure] FaultCampaignIT: " + acknowledged.size() + " acknowledged records verified");
    }

    private static Admin admin(ProcessCluster cluster) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        return Admin.create(props);
    }
}
