package io.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.cairn.metadata.PartitionImage;
import io.cairn.metadata.TopicImage;
import io.cairn.server.CairnConfig;
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
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker that leads partitions dies (crash) or is stopped (controlled shutdown): its partitions get new
 * leaders from their ISR and clients keep producing and consuming through the other nodes. Runs with the
 * default {@code broker.session.timeout.ms}; the harness heartbeats every 500 ms, as the default does.
 */
class BrokerFailoverIT {

    private static final String TOPIC = "moving";
    private static final int PARTITIONS = 6;

    @TempDir
    Path root;

    @Test
    void partitionsOfAKilledBrokerGetNewLeadersFromTheirIsrWithinTheLease() throws Exception {
        try (CairnCluster cluster = CairnCluster.start(root, 3)) {
            // given: a replicated topic, every partition with a full ISR, and a producer sending acks=all
            createTopic(cluster);
            int controller = awaitController(cluster);
            int victim = cluster.runningNodes().stream().filter(id -> id != controller).findFirst().orElseThrow();
            List<Integer> survivors = cluster.runningNodes().stream().filter(id -> id != victim).toList();
            Map<Integer, PartitionImage> before = partitions(cluster, controller);
            assertThat(before.values()).anyMatch(p -> p.leader() == victim);
            try (Producing producing = new Producing(cluster.bootstrapServers())) {
                Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> producing.acked.size() >= 100);

                // when: the broker is killed (no controlled shutdown)
                cluster.killNode(victim);
                long killedAt = System.nanoTime();

                // then: Metadata from a survivor shows a live leader for every partition, from its old ISR
                String survivor = cluster.node(survivors.get(0)).bootstrapServers();
                long failoverMs;
                try (Admin admin = admin(survivor)) {
                    while (true) {
                        TopicDescription d = admin.describeTopics(List.of(TOPIC)).allTopicNames()
                                .get(5, TimeUnit.SECONDS).get(TOPIC);
                        if (d.partitions().stream().allMatch(p -> p.leader() != null
                                && survivors.contains(p.leader().id()))) {
                            failoverMs = (System.nanoTime() - killedAt) / 1_000_000;
                            for (TopicPartitionInfo p : d.partitions()) {
                                assertThat(before.get(p.partition()).isr()).contains(p.leader().id());
                                assertThat(p.isr()).extracting(n -> n.id()).doesNotContain(victim);
                            }
                            break;
                        }
                        assertThat((System.nanoTime() - killedAt) / 1_000_000)
                                .as("failover within the lease plus margin").isLessThan(15_000);
                        TimeUnit.MILLISECONDS.sleep(20);
                    }
                }
                System.out.printf("[figure] broker failover: %d ms from killing broker %d (leader of %d of %d "
                                + "partitions) to every partition having a live leader in Metadata from node %d "
                                + "(broker.session.timeout.ms %s, heartbeat 500 ms)%n", failoverMs, victim,
                        before.values().stream().filter(p -> p.leader() == victim).count(), PARTITIONS,
                        survivors.get(0), cluster.node(survivors.get(0)).config()
                                .getInt(CairnConfig.BROKER_SESSION_TIMEOUT_MS));

                // and: producing continues through the survivors
                int ackedAtFailover = producing.acked.size();
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> producing.acked.size()
                        >= ackedAtFailover + 100);
                producing.stop();
                System.out.printf("[figure] producer during broker failover: %d acked, %d failed sends (%s)%n",
                        producing.acked.size(), producing.failures.get(), producing.lastError);
                // and: a consumer on the survivors reads every acknowledged record
                assertThat(consumeAll(cluster.node(survivors.get(1)).bootstrapServers()))
                        .containsAll(producing.acked);
            }
        }
    }

    @Test
    void aGracefulStopMovesLeadershipAwayBeforeTheNodeExits() throws Exception {
        try (CairnCluster cluster = CairnCluster.start(root, 3)) {
            // given: a replicated topic whose partitions are led by every node
            createTopic(cluster);
            int controller = awaitController(cluster);
            int victim = cluster.runningNodes().stream().filter(id -> id != controller).findFirst().orElseThrow();
            assertThat(partitions(cluster, controller).values()).anyMatch(p -> p.leader() == victim);
            try (Producing producing = new Producing(cluster.bootstrapServers())) {
                Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> producing.acked.size() >= 100);

                // when: it is stopped cleanly
                long stoppingAt = System.nanoTime();
                cluster.stopNode(victim);
                long stopMs = (System.nanoTime() - stoppingAt) / 1_000_000;

                // then: by the time it has exited, the controller had already moved its leadership away
                Map<Integer, PartitionImage> after = partitions(cluster, controller);
                assertThat(after.values()).allMatch(p -> p.leader() != victim && p.leader() > 0)
                        .allMatch(p -> !p.isr().contains(victim));
                System.out.printf("[figure] controlled shutdown of broker %d: %d ms; leaders when it exited: %s%n",
                        victim, stopMs, after.values().stream().map(PartitionImage::leader).toList());

                // and: producing continues
                int acked = producing.acked.size();
                Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> producing.acked.size() >= acked + 100);
            }
        }
    }

    private static void createTopic(CairnCluster cluster) throws Exception {
        try (Admin admin = cluster.admin(1)) {
            admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 3))).all().get();
        }
        for (int id : cluster.runningNodes()) {
            Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> {
                Map<Integer, PartitionImage> ps = partitions(cluster, id);
                return ps.size() == PARTITIONS && ps.values().stream().allMatch(p -> p.leader() > 0
                        && p.isr().size() == 3);
            });
        }
    }

    static Map<Integer, PartitionImage> partitions(CairnCluster cluster, int node) {
        TopicImage topic = cluster.node(node).controller().current().topic(TOPIC).orElse(null);
        return topic == null ? Map.of() : new HashMap<>(topic.partitions());
    }

    private static int awaitController(CairnCluster cluster) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> cluster.controllerId() > 0);
        return cluster.controllerId();
    }

    private static Admin admin(String bootstrap) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return Admin.create(props);
    }

    private static Set<String> consumeAll(String bootstrap) {
        Map<String, Object> props = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        Set<String> seen = ConcurrentHashMap.newKeySet();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                tps.add(new TopicPartition(TOPIC, p));
            }
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            Map<TopicPartition, Long> end = consumer.endOffsets(tps);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (tps.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    seen.add(r.value());
                }
            }
        }
        return seen;
    }

    /** A producer sending acks=all in a loop on its own thread; records what was acknowledged. */
    static final class Producing implements AutoCloseable {
        final Set<String> acked = ConcurrentHashMap.newKeySet();
        final AtomicInteger failures = new AtomicInteger();
        volatile String lastError = "none";
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;

        Producing(String bootstrap) {
            Map<String, Object> props = Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                    ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000,
                    ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                    ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
            thread = new Thread(() -> {
                try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
                    int i = 0;
                    while (!stop.get()) {
                        String value = "v" + i++;
                        producer.send(new ProducerRecord<>(TOPIC, value, value), (md, e) -> {
                            if (e == null) {
                                acked.add(value);
                            } else {
                                failures.incrementAndGet();
                                lastError = e.toString();
                            }
                        });
                        try {
                            TimeUnit.MILLISECONDS.sleep(5);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                    producer.flush();
                }
            }, "test-producer");
            thread.start();
        }

        void stop() throws InterruptedException {
            stop.set(true);
            thread.join(40_000);
        }

        @Override
        public void close() {
            try {
                stop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
