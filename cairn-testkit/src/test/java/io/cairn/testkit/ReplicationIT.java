package io.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import io.cairn.metadata.PartitionImage;
import io.cairn.server.CairnNode;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replication on a 3-node in-process cluster: followers fetch from leaders, acks=all waits for the ISR,
 * and a killed leader loses nothing that was acknowledged.
 */
class ReplicationIT {

    private static final Map<String, Object> FAST_FAILURE = Map.of(
            "broker.session.timeout.ms", 3_000,
            "replica.lag.time.max.ms", 5_000L,
            "default.replication.factor", (short) 3);

    @TempDir
    Path root;
    private CairnCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void everyReplicaGetsEveryRecordAndTheIsrStaysFull() throws Exception {
        // given
        cluster = CairnCluster.start(root, 3, FAST_FAILURE);
        createTopic("replicated", 3);

        // when
        List<RecordMetadata> acked = produce("replicated", 3_000);

        // then: acks=all answered only once every ISR member had the data
        assertThat(acked).hasSize(3_000);
        for (int p = 0; p < 3; p++) {
            TopicPartition tp = new TopicPartition("replicated", p);
            Awaitility.await("replicas of " + tp + " in sync").atMost(Duration.ofSeconds(30)).until(() -> {
                List<Long> ends = new ArrayList<>();
                for (int id : cluster.runningNodes()) {
                    ends.add(cluster.node(id).replicas().partition(tp).orElseThrow().log().logEndOffset());
                }
                return ends.stream().distinct().count() == 1 && ends.get(0) > 0;
            });
            PartitionImage image = partition(cluster.node(1), tp);
            assertThat(image.isr()).containsExactlyInAnyOrder(1, 2, 3);
        }
        assertThat(consume("replicated", 3, 3_000)).hasSize(3_000);
    }

    @Test
    void killingLeadersLosesNoAcknowledgedRecord() throws Exception {
        // given
        cluster = CairnCluster.start(root, 3, FAST_FAILURE);
        createTopic("durable", 3);
        List<String> acknowledged = java.util.Collections.synchronizedList(new ArrayList<>());
        KafkaProducer<String, String> producer = producer();
        Thread writer = new Thread(() -> {
            for (int i = 0; i < 1_000_000 && !Thread.currentThread().isInterrupted(); i++) {
                String value = "v" + i;
                try {
                    producer.send(new ProducerRecord<>("durable", i % 3, null, value), (metadata, error) -> {
                        if (error == null) {
                            acknowledged.add(metadata.partition() + ":" + value);
                        }
                    }).get();
                } catch (InterruptedException e) {
                    return;
                } catch (ExecutionException e) {
                    // not acknowledged: may or may not be in the log, never counted
                }
            }
        });
        writer.start();

        // when: the leader of partition 0 is killed, twice, with restarts in between
        for (int round = 0; round < 2; round++) {
            int before = acknowledged.size();
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= before + 300);
            int leader = partition(cluster.node(cluster.runningNodes().get(0)), new TopicPartition("durable", 0)).leader();
            cluster.killNode(leader);
            int afterKill = acknowledged.size();
            Awaitility.await("writes resume after killing " + leader).atMost(Duration.ofSeconds(60))
                    .until(() -> acknowledged.size() >= afterKill + 300);
            cluster.startNode(leader);
            cluster.awaitAllRegistered(Duration.ofSeconds(60));
        }
        writer.interrupt();
        writer.join(30_000);
        producer.close(Duration.ofSeconds(10));

        // then: every acknowledged record is there exactly once, in the order it was acknowledged
        List<String> snapshot = List.copyOf(acknowledged);
        Map<Integer, List<String>> read = new HashMap<>();
        for (ConsumerRecord<String, String> record : consume("durable", 3, snapshot.size())) {
            read.computeIfAbsent(record.partition(), p -> new ArrayList<>()).add(record.value());
        }
        for (int p = 0; p < 3; p++) {
            int partition = p;
            List<String> ackedInPartition = snapshot.stream().filter(s -> s.startsWith(partition + ":"))
                    .map(s -> s.substring(s.indexOf(':') + 1)).toList();
            List<String> log = read.getOrDefault(p, List.of());
            assertThat(log).as("partition %d has no duplicates", p).doesNotHaveDuplicates();
            assertThat(log.stream().filter(ackedInPartition::contains).toList())
                    .as("partition %d keeps every acknowledged record in order", p)
                    .containsExactlyElementsOf(ackedInPartition);
        }
    }

    @Test
    void acksAllFailsWithNotEnoughReplicasWhenTwoOfThreeAreDown() throws Exception {
        // given
        cluster = CairnCluster.start(root, 3, FAST_FAILURE);
        createTopic("fragile", 1);
        int leader = partition(cluster.node(1), new TopicPartition("fragile", 0)).leader();
        List<Integer> others = cluster.runningNodes().stream().filter(id -> id != leader).toList();
        try (KafkaProducer<String, String> producer = producer()) {
            producer.send(new ProducerRecord<>("fragile", "before")).get();
        }

        // when: the followers die, and with them the metadata quorum (2 of 3 voters), so the ISR cannot be
        // shrunk through the controller: the leader itself must stop counting them after replica.lag.time.max.ms
        others.forEach(cluster::killNode);

        // then
        Map<String, Object> props = producerProps();
        props.put(ProducerConfig.RETRIES_CONFIG, 0);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 6_000);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.node(leader).bootstrapServers());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            Awaitility.await("acks=all refused with NOT_ENOUGH_REPLICAS").atMost(Duration.ofSeconds(40))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        try {
                            producer.send(new ProducerRecord<>("fragile", "after")).get();
                            return false;
                        } catch (ExecutionException e) {
                            return e.getCause() instanceof NotEnoughReplicasException;
                        }
                    });
        }
        assertThat(consume("fragile", 1, 1)).extracting(ConsumerRecord::value).containsExactly("before");
    }

    private void createTopic(String name, int partitions) throws Exception {
        try (Admin admin = cluster.admin(cluster.runningNodes().get(0))) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 3)
                    .configs(Map.of("min.insync.replicas", "2")))).all().get();
        }
        Awaitility.await("leaders of " + name).atMost(Duration.ofSeconds(30)).until(() -> {
            for (int id : cluster.runningNodes()) {
                var topic = cluster.node(id).controller().current().topic(name);
                if (topic.isEmpty() || topic.get().partitions().values().stream().anyMatch(p -> p.leader() < 0)) {
                    return false;
                }
            }
            return true;
        });
    }

    private static PartitionImage partition(CairnNode node, TopicPartition tp) {
        return node.controller().current().topic(tp.topic()).orElseThrow().partitions().get(tp.partition());
    }

    private Map<String, Object> producerProps() {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 1);
        return props;
    }

    private KafkaProducer<String, String> producer() {
        return new KafkaProducer<>(producerProps());
    }

    private List<RecordMetadata> produce(String topic, int count) throws Exception {
        List<Future<RecordMetadata>> futures = new ArrayList<>();
        try (KafkaProducer<String, String> producer = producer()) {
            for (int i = 0; i < count; i++) {
                futures.add(producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i)));
            }
            List<RecordMetadata> acked = new ArrayList<>();
            for (Future<RecordMetadata> future : futures) {
                acked.add(future.get());
            }
            return acked;
        }
    }

    private List<ConsumerRecord<String, String>> consume(String topic, int partitions, int atLeast) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        List<ConsumerRecord<String, String>> read = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> assignment = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                assignment.add(new TopicPartition(topic, p));
            }
            consumer.assign(assignment);
            consumer.seekToBeginning(assignment);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            int emptyPolls = 0;
            while (System.nanoTime() < deadline && (read.size() < atLeast || emptyPolls < 3)) {
                var records = consumer.poll(Duration.ofMillis(300));
                emptyPolls = records.isEmpty() ? emptyPolls + 1 : 0;
                records.forEach(read::add);
            }
        }
        return read;
    }
}
