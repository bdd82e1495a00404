package io.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A consumer group keeps its committed offsets when its coordinator's node dies. */
class CoordinatorFailoverIT {

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
    void committedOffsetsSurviveTheCoordinatorsDeath() throws Exception {
        // given: a group that consumed and committed 100 records
        cluster = CairnCluster.start(root, 3, Map.of("broker.session.timeout.ms", 3_000));
        try (Admin admin = cluster.admin(1)) {
            admin.createTopics(List.of(new NewTopic("orders", 2, (short) 3))).all().get();
        }
        Properties producerProps = new Properties();
        producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        producerProps.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        producerProps.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps)) {
            for (int i = 0; i < 100; i++) {
                producer.send(new ProducerRecord<>("orders", "k" + i, "v" + i));
            }
            producer.flush();
        }
        Map<TopicPartition, OffsetAndMetadata> committed;
        try (KafkaConsumer<String, String> consumer = consumer()) {
            consumer.subscribe(List.of("orders"));
            int[] read = {0};
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> {
                read[0] += consumer.poll(Duration.ofMillis(200)).count();
                return read[0] >= 100;
            });
            consumer.commitSync();
            committed = consumer.committed(java.util.Set.of(new TopicPartition("orders", 0),
                    new TopicPartition("orders", 1)));
        }
        assertThat(committed.values()).allSatisfy(o -> assertThat(o.offset()).isPositive());

        // when: the node leading the group's __consumer_offsets partition dies
        int offsetsPartition = Utils.abs("billing".hashCode()) % 50;
        int coordinator = cluster.node(1).controller().current().topic("__consumer_offsets").orElseThrow()
                .partitions().get(offsetsPartition).leader();
        cluster.killNode(coordinator);

        // then: another node becomes coordinator and serves the same committed offsets
        Properties adminProps = new Properties();
        adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        try (Admin admin = Admin.create(adminProps)) {
            Awaitility.await("offsets served by the new coordinator").atMost(Duration.ofSeconds(60))
                    .ignoreExceptions()
                    .until(() -> admin.listConsumerGroupOffsets("billing").partitionsToOffsetAndMetadata()
                            .get().equals(committed));
        }
        int newCoordinator = cluster.node(cluster.runningNodes().get(0)).controller().current()
                .topic("__consumer_offsets").orElseThrow().partitions().get(offsetsPartition).leader();
        assertThat(newCoordinator).isNotEqualTo(coordinator).isPositive();
    }

    private KafkaConsumer<String, String> consumer() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "billing");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        return new KafkaConsumer<>(props);
    }
}
