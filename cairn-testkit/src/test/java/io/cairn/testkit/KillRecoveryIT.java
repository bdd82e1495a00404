package io.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
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

/** kill -9 during writes: every acknowledged record survives, exactly once. */
class KillRecoveryIT {

    @TempDir
    Path tempDir;

    @Test
    void everyAcknowledgedRecordSurvivesKillNine() throws Exception {
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        try (ProcessCluster node = new ProcessCluster(tempDir, 1, List.of())) {
            node.startAll();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic("crash", 3, (short) 1))).all().get();
            }

            // given: a producer writing as fast as it can
            Map<String, Object> props = new HashMap<>();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers());
            props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
            props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
            props.put(ProducerConfig.LINGER_MS_CONFIG, 1);
            props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 5_000);
            props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000);
            props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
            KafkaProducer<String, String> producer = new KafkaProducer<>(props);
            Thread writer = new Thread(() -> {
                for (int i = 0; i < 200_000 && !Thread.currentThread().isInterrupted(); i++) {
                    String value = "record-" + i;
                    try {
                        producer.send(new ProducerRecord<>("crash", i % 3, null, value), (metadata, error) -> {
                            if (error == null) {
                                acknowledged.add(value);
                            }
                        });
                    } catch (RuntimeException e) {
                        return;
                    }
                }
            });
            writer.start();

            // when: the node dies mid-stream
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= 5_000);
            node.kill(1);
            writer.interrupt();
            writer.join(10_000);
            producer.close(Duration.ofSeconds(10));
            int acknowledgedAtKill = acknowledged.size();

            // then: after a restart on the same data every acknowledged record is there, once
            node.start(1);
            Map<String, Integer> seen = readAll(node.bootstrapServers(), acknowledgedAtKill);
            assertThat(seen.keySet()).containsAll(acknowledged);
            assertThat(seen.values()).allMatch(count -> count == 1);
        }
    }

    private static Map<String, Integer> readAll(String bootstrap, int atLeast) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        Map<String, Integer> seen = new HashMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < 3; p++) {
                partitions.add(new TopicPartition("crash", p));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            int emptyPolls = 0;
            while (System.nanoTime() < deadline && (seen.size() < atLeast || emptyPolls < 5)) {
                var records = consumer.poll(Duration.ofMillis(200));
                emptyPolls = records.isEmpty() ? emptyPolls + 1 : 0;
                for (ConsumerRecord<String, String> record : records) {
                    seen.merge(record.value(), 1, Integer::sum);
                }
            }
        }
        return seen;
    }
}
