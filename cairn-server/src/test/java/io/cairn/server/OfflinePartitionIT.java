package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A partition whose log is damaged while the node is down does not keep the node from starting: the node serves
 * its other partitions and answers KAFKA_STORAGE_ERROR for the damaged one, after one ERROR naming it. The node
 * reports it offline to the controller, which leaves it without leader (its only replica, the last ISR member,
 * keeps its claim on the data): clients see no leader, as Kafka shows a partition whose only replica is in an
 * offline log directory (docs/adr/0014).
 */
class OfflinePartitionIT {

    @TempDir
    Path dataDir;

    @Test
    void aCorruptSegmentTakesOnlyItsPartitionOffline() throws Exception {
        try (TestNode node = TestNode.start(dataDir)) {
            // given: two partitions with records, the node stopped cleanly
            try (Admin admin = node.admin()) {
                admin.createTopics(List.of(new NewTopic("ledger", 2, (short) 1))).all().get();
            }
            try (KafkaProducer<String, String> producer = node.producer(Map.of())) {
                for (int i = 0; i < 10; i++) {
                    producer.send(new ProducerRecord<>("ledger", i % 2, "k" + i, "v" + i)).get();
                }
            }
            Path segment = dataDir.resolve("ledger-0").resolve("00000000000000000000.log");

            // when: the first batch's length field of partition 0 is damaged while the node is down
            ListAppender<ILoggingEvent> events = new ListAppender<>();
            Logger cairnLogger = ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger("io.cairn");
            events.start();
            cairnLogger.addAppender(events);
            try {
                node.restart(() -> {
                    try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.WRITE)) {
                        channel.write(ByteBuffer.allocate(4).putInt(0, 3), 8);
                    }
                });
            } finally {
                cairnLogger.detachAppender(events);
            }

            // then: the node is up, says once why ledger-0 is offline, and serves ledger-1
            assertThat(events.list).filteredOn(e -> e.getLevel() == Level.ERROR)
                    .singleElement().extracting(ILoggingEvent::getFormattedMessage).asString()
                    .contains("ledger-0", segment.toString());
            // and: ledger-0 has no leader once the node's heartbeat reported it; its ISR keeps the node
            try (Admin admin = node.admin()) {
                Awaitility.await("ledger-0 without leader").atMost(Duration.ofSeconds(20)).until(() -> {
                    TopicPartitionInfo p = admin.describeTopics(List.of("ledger")).allTopicNames().get()
                            .get("ledger").partitions().get(0);
                    return (p.leader() == null || p.leader().isEmpty()) && p.isr().size() == 1;
                });
            }
            try (KafkaProducer<String, String> producer = node.producer(Map.of(ProducerConfig.RETRIES_CONFIG, 0,
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false, ProducerConfig.ACKS_CONFIG, "1",
                    ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                    3_000))) {
                assertThat(producer.send(new ProducerRecord<>("ledger", 1, "k", "after")).get().offset())
                        .isEqualTo(5);
                assertThatThrownBy(() -> producer.send(new ProducerRecord<>("ledger", 0, "k", "lost")).get())
                        .isInstanceOf(ExecutionException.class)
                        .hasCauseInstanceOf(TimeoutException.class);
            }
            try (KafkaConsumer<String, String> consumer = node.consumer(Map.of())) {
                TopicPartition healthy = new TopicPartition("ledger", 1);
                consumer.assign(List.of(healthy));
                List<String> values = new java.util.ArrayList<>();
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (values.size() < 6 && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                        values.add(record.value());
                    }
                }
                assertThat(values).containsExactly("v1", "v3", "v5", "v7", "v9", "after");
            }
            try (RawClient client = new RawClient(node.node().port())) {
                ListOffsetsResponseData response = (ListOffsetsResponseData) client.call(ApiKeys.LIST_OFFSETS,
                        new ListOffsetsRequestData().setReplicaId(-1).setTopics(List.of(
                                new ListOffsetsRequestData.ListOffsetsTopic().setName("ledger").setPartitions(List.of(
                                        new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(0)
                                                .setTimestamp(-1))))), (short) 7);
                assertThat(response.topics().get(0).partitions().get(0).errorCode())
                        .isEqualTo(Errors.KAFKA_STORAGE_ERROR.code());
            }
        }
    }
}
