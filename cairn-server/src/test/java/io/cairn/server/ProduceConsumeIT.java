package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** kafka-clients Producer (defaults: idempotent, acks=all) and Consumer (assign/seek) against one node. */
class ProduceConsumeIT {

    @TempDir
    static Path dataDir;
    static TestNode node;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(dataDir);
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
    void everyCodecRoundTripsWithKeysAndHeaders(String codec) throws Exception {
        // given
        String topic = "codec-" + codec;
        try (Admin admin = node.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
        }
        int count = 600;

        // when
        List<RecordMetadata> acked = new ArrayList<>();
        try (KafkaProducer<String, String> producer = node.producer(Map.of(
                ProducerConfig.COMPRESSION_TYPE_CONFIG, codec, ProducerConfig.LINGER_MS_CONFIG, 5))) {
            List<Future<RecordMetadata>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                ProducerRecord<String, String> record = new ProducerRecord<>(topic, "key-" + i, "value-" + i);
                record.headers().add(new RecordHeader("h", ("header-" + i).getBytes(StandardCharsets.UTF_8)));
                futures.add(producer.send(record));
            }
            for (Future<RecordMetadata> future : futures) {
                acked.add(future.get());
            }
        }

        // then
        List<ConsumerRecord<String, String>> read = readAll(topic, 3, count);
        assertThat(read).hasSize(count);
        for (ConsumerRecord<String, String> record : read) {
            String index = record.key().substring("key-".length());
            assertThat(record.value()).isEqualTo("value-" + index);
            assertThat(new String(record.headers().lastHeader("h").value(), StandardCharsets.UTF_8))
                    .isEqualTo("header-" + index);
        }
        assertThat(acked).allSatisfy(metadata -> assertThat(metadata.offset()).isGreaterThanOrEqualTo(0));
        for (int p = 0; p < 3; p++) {
            int partition = p;
            List<Long> offsets = read.stream().filter(r -> r.partition() == partition).map(ConsumerRecord::offset).toList();
            assertThat(offsets).isSorted().doesNotHaveDuplicates();
        }
    }

    @Test
    void producingToAnUnknownTopicAutoCreatesIt() throws Exception {
        // when
        try (KafkaProducer<String, String> producer = node.producer(Map.of())) {
            RecordMetadata metadata = producer.send(new ProducerRecord<>("auto-created", "k", "v")).get();

            // then
            assertThat(metadata.offset()).isZero();
        }
        assertThat(readAll("auto-created", 1, 1)).extracting(ConsumerRecord::value).containsExactly("v");
    }

    static List<ConsumerRecord<String, String>> readAll(String topic, int partitions, int expected) {
        return readAll(node, topic, partitions, expected);
    }

    static List<ConsumerRecord<String, String>> readAll(TestNode node, String topic, int partitions, int expected) {
        List<ConsumerRecord<String, String>> read = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = node.consumer(Map.of())) {
            List<TopicPartition> assignment = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                assignment.add(new TopicPartition(topic, p));
            }
            consumer.assign(assignment);
            consumer.seekToBeginning(assignment);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (read.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(read::add);
            }
        }
        return read;
    }
}
