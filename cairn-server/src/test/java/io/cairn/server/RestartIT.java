package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** A clean restart keeps every record, topic id and config. */
class RestartIT {

    @TempDir
    Path dataDir;

    @Test
    void everythingSurvivesARestart() throws Exception {
        try (TestNode node = TestNode.start(dataDir)) {
            // given
            Uuid topicId;
            try (Admin admin = node.admin()) {
                admin.createTopics(List.of(new NewTopic("durable", 2, (short) 1)
                        .configs(Map.of("retention.ms", "123456789")))).all().get();
                topicId = admin.describeTopics(List.of("durable")).allTopicNames().get().get("durable").topicId();
            }
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            try (KafkaProducer<String, String> producer = node.producer(Map.of())) {
                for (int i = 0; i < 1000; i++) {
                    sent.add(producer.send(new ProducerRecord<>("durable", "k" + i, "v" + i)));
                }
                for (Future<RecordMetadata> f : sent) {
                    f.get();
                }
            }

            // when
            ListAppender<ILoggingEvent> events = new ListAppender<>();
            Logger cairnLogger = ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger("io.cairn");
            events.start();
            cairnLogger.addAppender(events);
            try {
                node.restart();
            } finally {
                cairnLogger.detachAppender(events);
            }

            // then: a normal restart is not something an operator must look at
            synchronized (events) {
                assertThat(events.list).filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                        .extracting(ILoggingEvent::getFormattedMessage).isEmpty();
            }

            // then
            try (Admin admin = node.admin()) {
                assertThat(admin.describeTopics(List.of("durable")).allTopicNames().get().get("durable").topicId())
                        .isEqualTo(topicId);
                ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, "durable");
                assertThat(admin.describeConfigs(List.of(resource)).all().get().get(resource)
                        .get("retention.ms").value()).isEqualTo("123456789");
            }
            List<ConsumerRecord<String, String>> read = ProduceConsumeIT.readAll(node, "durable", 2, 1000);
            assertThat(read).hasSize(1000);
            assertThat(read).extracting(ConsumerRecord::value).doesNotHaveDuplicates();

            // and the producer id blocks moved on: a new idempotent producer still works
            try (KafkaProducer<String, String> producer = node.producer(Map.of())) {
                RecordMetadata metadata = producer.send(new ProducerRecord<>("durable", 0, "k", "after")).get();
                assertThat(metadata.offset()).isGreaterThan(0);
            }
        }
    }
}
