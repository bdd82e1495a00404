package io.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka Streams with {@code exactly_once_v2} on a 3-node Cairn cluster of real processes, bootstrapped through a
 * node that is not the controller: a running sum per key (3 partitions, replication factor 3, the store's changelog
 * and the output written in Streams' transactions) while nodes are killed with SIGKILL and restarted, in turn the
 * controller, the leader of the input's partition 0 and the transaction coordinator of the application's
 * transactional id, and paused with SIGSTOP for longer than the broker session (the coordinator, a leader).
 * Exactly once means: for every key, the committed output is 1, 2, ..., n for the n input records of the key,
 * with no value missing or repeated, whatever was aborted and retried across the kills.
 */
class StreamsExactlyOnceIT {

    private static final String IN = "sums-in";
    private static final String OUT = "sums-out";
    private static final String APP = "sums-app";
    private static final int KEYS = 12;
    private static final int PER_BURST = 240;

    /** SIGKILL (then restart) or SIGSTOP for a while (then SIGCONT), in turn. */
    private static final List<Fault> FAULTS = List.of(new Fault("controller", 0), new Fault("leader", 0),
            new Fault("coordinator", 0), new Fault("coordinator", 5_000), new Fault("controller", 0),
            new Fault("leader", 4_000));

    private record Fault(String victim, long pauseMs) {
        @Override
        public String toString() {
            return pauseMs == 0 ? "kill -9 of the " + victim : pauseMs + " ms pause of the " + victim;
        }
    }

    /** Kept when the test fails: the nodes' logs are what explains a stall. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path root;

    @Test
    void runningSumsAreExactWhileNodesAreKilled() throws Exception {
        try (ProcessCluster cluster = new ProcessCluster(root, 3, List.of(
                "-o", "broker.session.timeout.ms=3000", "-o", "broker.heartbeat.interval.ms=500",
                "-o", "replica.lag.time.max.ms=10000"))) {
            cluster.startAll();
            try (Admin admin = ClusterHealth.admin(cluster)) {
                Awaitility.await("3 brokers registered").atMost(Duration.ofSeconds(90)).ignoreExceptions()
                        .until(() -> admin.describeCluster().nodes().get().size() == 3);
                admin.createTopics(List.of(
                        new NewTopic(IN, 3, (short) 3).configs(Map.of("min.insync.replicas", "2")),
                        new NewTopic(OUT, 3, (short) 3).configs(Map.of("min.insync.replicas", "2")))).all().get();
                ClusterHealth health = new ClusterHealth(cluster, admin, IN);
                health.awaitHealthy(Duration.ofSeconds(60));
                int controller = health.controller();
                int entry = controller == 1 ? 2 : 1;
                String bootstrap = "127.0.0.1:" + cluster.kafkaPort(entry);

                Map<String, Long> sent = new HashMap<>();
                try (KafkaStreams streams = startStreams(bootstrap);
                     KafkaProducer<String, Long> input = inputProducer(bootstrap)) {
                    // The faults start once the application runs: creating its changelog (replication factor 3)
                    // while a node is down fails on Kafka as on Cairn, and is not what this test is about.
                    Awaitility.await("the application running").atMost(Duration.ofSeconds(90))
                            .until(() -> streams.state() == KafkaStreams.State.RUNNING);
                    burst(input, sent);
                    for (Fault fault : FAULTS) {
                        int node = pick(admin, health, fault.victim(), entry);
                        if (fault.pauseMs() == 0) {
                            cluster.kill(node);
                            burst(input, sent);
                            cluster.start(node);
                        } else {
                            cluster.pause(node);
                            Thread.sleep(fault.pauseMs()); // the fault itself: how long the process stays frozen
                            cluster.resume(node);
                        }
                        health.awaitHealthy(Duration.ofSeconds(90), "after " + fault + " (node " + node + ")");
                        burst(input, sent);
                    }
                    Map<String, List<Long>> committed = new HashMap<>();
                    Awaitility.await("the committed sums reach the input's counts").atMost(Duration.ofSeconds(120))
                            .pollInterval(Duration.ofSeconds(1))
                            .until(() -> {
                                readCommitted(bootstrap, committed);
                                return sent.entrySet().stream().allMatch(e -> {
                                    List<Long> sums = committed.get(e.getKey());
                                    return sums != null && !sums.isEmpty()
                                            && sums.get(sums.size() - 1).equals(e.getValue());
                                });
                            });
                    for (Map.Entry<String, Long> e : sent.entrySet()) {
                        List<Long> expected = new ArrayList<>();
                        for (long i = 1; i <= e.getValue(); i++) {
                            expected.add(i);
                        }
                        assertThat(committed.get(e.getKey())).as("sums of " + e.getKey()).isEqualTo(expected);
                    }
                    long total = sent.values().stream().mapToLong(Long::longValue).sum();
                    System.out.printf("[figure] StreamsExactlyOnceIT: %d input records over %d keys, exact through "
                            + "%s%n", total, KEYS, FAULTS);
                }
            }
        }
    }

    private KafkaStreams startStreams(String bootstrap) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(IN, Consumed.with(Serdes.String(), Serdes.Long()))
                .groupByKey()
                .reduce(Long::sum, Materialized.<String, Long>as(Stores.inMemoryKeyValueStore("sums"))
                        .withKeySerde(Serdes.String()).withValueSerde(Serdes.Long()))
                .toStream()
                .to(OUT, Produced.with(Serdes.String(), Serdes.Long()));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, APP);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 3);
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 200);
        props.put(StreamsConfig.STATE_DIR_CONFIG, root.resolve("streams-state").toString());
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        props.put(StreamsConfig.topicPrefix("min.insync.replicas"), "2");
        KafkaStreams streams = new KafkaStreams(builder.build(), props);
        // A broker's death can fail a transaction in ways Streams treats as fatal for the thread; a new thread
        // resumes from the last committed transaction, which is what exactly-once must survive.
        streams.setUncaughtExceptionHandler(e -> StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse
                .REPLACE_THREAD);
        streams.start();
        return streams;
    }

    private static KafkaProducer<String, Long> inputProducer(String bootstrap) {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, LongSerializer.class);
        return new KafkaProducer<>(props);
    }

    /** Sends one record of value 1 per key, round robin, acknowledged (idempotent, acks=all) before returning. */
    private static void burst(KafkaProducer<String, Long> input, Map<String, Long> sent) throws Exception {
        List<java.util.concurrent.Future<?>> acks = new ArrayList<>();
        for (int i = 0; i < PER_BURST; i++) {
            String key = "key-" + (i % KEYS);
            acks.add(input.send(new ProducerRecord<>(IN, key, 1L)));
            sent.merge(key, 1L, Long::sum);
        }
        for (java.util.concurrent.Future<?> ack : acks) {
            ack.get(120, TimeUnit.SECONDS);
        }
    }

    /** Every committed output value per key, in order, read from the start. */
    private static void readCommitted(String bootstrap, Map<String, List<Long>> into) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, LongDeserializer.class);
        into.clear();
        try (KafkaConsumer<String, Long> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = List.of(new TopicPartition(OUT, 0), new TopicPartition(OUT, 1),
                    new TopicPartition(OUT, 2));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < deadline
                    && partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                for (ConsumerRecord<String, Long> r : consumer.poll(Duration.ofMillis(200))) {
                    into.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.value());
                }
            }
        }
    }

    /** The node to kill: never the clients' entry node, so that the test is about the cluster, not bootstrap. */
    private static int pick(Admin admin, ClusterHealth health, String victim, int entry) throws Exception {
        int node = switch (victim) {
            case "controller" -> health.controller();
            case "leader" -> leaderOf(admin, IN, 0);
            default -> coordinatorOfTheApplication(admin);
        };
        if (node == entry || node < 0) {
            node = entry == 3 ? 2 : 3;
        }
        return node;
    }

    /** The coordinator of the application's transactional id (EOS v2: one per stream thread, named after it). */
    private static int coordinatorOfTheApplication(Admin admin) throws Exception {
        List<String> ids = admin.listTransactions().all().get().stream().map(t -> t.transactionalId())
                .filter(id -> id.startsWith(APP)).toList();
        if (ids.isEmpty()) {
            return -1;
        }
        return admin.describeTransactions(ids).all().get().values().iterator().next().coordinatorId();
    }

    private static int leaderOf(Admin admin, String topic, int partition) throws Exception {
        TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
        return d.partitions().get(partition).leader().id();
    }
}
