package io.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Future;

import io.cairn.server.OneRequest;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node restarted after kill -9 must not answer from metadata it has not replayed yet (ARCHITECTURE
 * invariant 9). The first requests after the restart are sent the moment it says it started: a
 * Metadata request that would auto-create the topic, and a ListOffsets. Before the node held client
 * requests until its own registration was in its image, the Metadata answer could say
 * UNKNOWN_TOPIC_OR_PARTITION (or auto-create the topic anew) for a topic holding 5,000 records.
 */
class RestartCatchUpIT {

    private static final String TOPIC = "restarted";
    private static final int RECORDS = 5_000;

    @TempDir
    Path root;

    @Test
    void aRestartedNodeAnswersOnlyFromTheMetadataItHadBeforeTheKill() throws Exception {
        try (ProcessCluster cluster = new ProcessCluster(root, 1, List.of())) {
            cluster.startAll();
            produce(cluster); // auto-creates the topic
            for (int restart = 1; restart <= 3; restart++) {
                cluster.kill(1);
                cluster.start(1); // returns as soon as the node says it started, before it has registered

                MetadataResponse metadata = (MetadataResponse) OneRequest.send("127.0.0.1", cluster.kafkaPort(1),
                        new MetadataRequest.Builder(List.of(TOPIC), true).build(), Duration.ofSeconds(30));
                MetadataResponseTopic topic = metadata.data().topics().find(TOPIC);
                assertThat(Errors.forCode(topic.errorCode())).as("restart %d: the topic", restart)
                        .isEqualTo(Errors.NONE);
                assertThat(topic.partitions()).as("restart %d: its partitions", restart).hasSize(1);
                assertThat(topic.partitions().get(0).leaderId()).isEqualTo(1);

                ListOffsetsResponse offsets = (ListOffsetsResponse) OneRequest.send("127.0.0.1",
                        cluster.kafkaPort(1), ListOffsetsRequest.Builder.forConsumer(false,
                                IsolationLevel.READ_UNCOMMITTED)
                                .setTargetTimes(List.of(new ListOffsetsTopic().setName(TOPIC).setPartitions(List.of(
                                        new ListOffsetsPartition().setPartitionIndex(0)
                                                .setTimestamp(ListOffsetsRequest.LATEST_TIMESTAMP)))))
                                .build(), Duration.ofSeconds(30));
                var partition = offsets.data().topics().get(0).partitions().get(0);
                assertThat(Errors.forCode(partition.errorCode())).as("restart %d: ListOffsets", restart)
                        .isEqualTo(Errors.NONE);
                assertThat(partition.offset()).as("restart %d: the end offset", restart).isEqualTo(RECORDS);
            }
            assertThat(consumeAll(cluster)).isEqualTo(RECORDS);
        }
    }

    private static void produce(ProcessCluster cluster) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(),
                new StringSerializer())) {
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            for (int i = 0; i < RECORDS; i++) {
                sends.add(producer.send(new ProducerRecord<>(TOPIC, "k" + i, "v" + i)));
            }
            for (Future<RecordMetadata> send : sends) {
                send.get(); // every record acknowledged
            }
        }
    }

    private static long consumeAll(ProcessCluster cluster) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new StringDeserializer())) {
            TopicPartition partition = new TopicPartition(TOPIC, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long[] read = {0};
            Awaitility.await("every record read").atMost(Duration.ofSeconds(60)).until(() -> {
                read[0] += consumer.poll(Duration.ofMillis(200)).count();
                return read[0] >= RECORDS;
            });
            return read[0];
        }
    }
}
