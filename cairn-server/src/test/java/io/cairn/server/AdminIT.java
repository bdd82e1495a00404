package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** AdminClient against one node: topics, configs, offsets, records, cluster and log dirs. */
class AdminIT {

    @TempDir
    static Path dataDir;
    static TestNode node;
    static Admin admin;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(dataDir);
        admin = node.admin();
    }

    @AfterAll
    static void stop() {
        admin.close();
        node.close();
    }

    @Test
    void createsDescribesAndDeletesTopics() throws Exception {
        // given
        admin.createTopics(List.of(new NewTopic("described", 4, (short) 1)
                .configs(Map.of("retention.ms", "3600000", "cleanup.policy", "compact")))).all().get();

        // when
        TopicDescription description = admin.describeTopics(List.of("described")).allTopicNames().get().get("described");

        // then
        assertThat(description.partitions()).hasSize(4);
        assertThat(description.topicId()).isNotNull();
        assertThat(description.partitions()).allSatisfy(p -> assertThat(p.leader().id()).isEqualTo(1));
        assertThat(admin.listTopics().names().get()).contains("described");
        assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("described", 1, (short) 1))).all().get())
                .hasCauseInstanceOf(TopicExistsException.class);

        // when
        admin.deleteTopics(List.of("described")).all().get();

        // then
        assertThat(admin.listTopics().names().get()).doesNotContain("described");
        // The controller answers once the deletion is committed; the node deletes the logs right after.
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(dataDir.resolve("described-0")).doesNotExist());
    }

    @Test
    void validateOnlyCreatesNothing() throws Exception {
        admin.createTopics(List.of(new NewTopic("validated", 2, (short) 1)),
                new CreateTopicsOptions().validateOnly(true)).all().get();

        assertThat(admin.listTopics().names().get()).doesNotContain("validated");
    }

    @Test
    void describesAndAltersTopicConfigs() throws Exception {
        // given
        admin.createTopics(List.of(new NewTopic("configured", 1, (short) 1)
                .configs(Map.of("retention.ms", "3600000")))).all().get();
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, "configured");

        // when
        admin.incrementalAlterConfigs(Map.of(resource, List.of(
                new AlterConfigOp(new ConfigEntry("max.message.bytes", "2048"), AlterConfigOp.OpType.SET),
                new AlterConfigOp(new ConfigEntry("retention.ms", null), AlterConfigOp.OpType.DELETE)))).all().get();
        Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);

        // then
        assertThat(config.get("max.message.bytes").value()).isEqualTo("2048");
        assertThat(config.get("max.message.bytes").source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
        assertThat(config.get("retention.ms").value()).isEqualTo("604800000");
        assertThat(config.get("retention.ms").source()).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
        assertThat(config.get("cleanup.policy").value()).isEqualTo("delete");

        // and the new limit is enforced by the log
        try (KafkaProducer<String, String> producer = node.producer(Map.of())) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>("configured", "x".repeat(4000))).get())
                    .hasMessageContaining("RecordTooLarge");
        }
    }

    @Test
    void addsPartitions() throws Exception {
        admin.createTopics(List.of(new NewTopic("growing", 1, (short) 1))).all().get();

        admin.createPartitions(Map.of("growing", NewPartitions.increaseTo(3))).all().get();

        assertThat(admin.describeTopics(List.of("growing")).allTopicNames().get().get("growing").partitions())
                .hasSize(3);
    }

    @Test
    void listsOffsetsAndDeletesRecords() throws Exception {
        // given
        admin.createTopics(List.of(new NewTopic("offsets", 1, (short) 1))).all().get();
        TopicPartition tp = new TopicPartition("offsets", 0);
        try (KafkaProducer<String, String> producer = node.producer(Map.of())) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>("offsets", 0, 1_000L * (i + 1), "k", "v" + i)).get();
            }
        }

        // then
        assertThat(offset(tp, OffsetSpec.earliest())).isEqualTo(0);
        assertThat(offset(tp, OffsetSpec.latest())).isEqualTo(10);
        assertThat(offset(tp, OffsetSpec.forTimestamp(4_500))).isEqualTo(4);
        ListOffsetsResult.ListOffsetsResultInfo max = admin.listOffsets(Map.of(tp, OffsetSpec.maxTimestamp()))
                .partitionResult(tp).get();
        assertThat(max.offset()).isEqualTo(9);
        assertThat(max.timestamp()).isEqualTo(10_000L);

        // when
        long low = admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(6))).lowWatermarks().get(tp).get()
                .lowWatermark();

        // then
        assertThat(low).isEqualTo(6);
        assertThat(offset(tp, OffsetSpec.earliest())).isEqualTo(6);
    }

    @Test
    void recordsOfAnInternalTopicAreNotDeleted() throws Exception {
        // given __consumer_offsets, created by a group's first commit
        admin.createTopics(List.of(new NewTopic("committed", 1, (short) 1))).all().get();
        admin.alterConsumerGroupOffsets("deleter", Map.of(new TopicPartition("committed", 0),
                new OffsetAndMetadata(0))).all().get();
        TopicPartition offsets = new TopicPartition("__consumer_offsets", 0);

        // when / then: refused as Kafka refuses it, whatever the offset
        assertThatThrownBy(() -> admin.deleteRecords(Map.of(offsets, RecordsToDelete.beforeOffset(0)))
                .lowWatermarks().get(offsets).get())
                .hasCauseInstanceOf(InvalidTopicException.class);
    }

    @Test
    void describesTheClusterAndLogDirs() throws Exception {
        DescribeClusterResult cluster = admin.describeCluster();
        assertThat(cluster.clusterId().get()).isNotBlank();
        assertThat(cluster.controller().get().id()).isEqualTo(1);
        assertThat(cluster.nodes().get()).extracting(n -> n.id()).containsExactly(1);

        admin.createTopics(List.of(new NewTopic("on-disk", 1, (short) 1))).all().get();
        // As with Kafka, CreateTopics answers once the topic is committed; the broker creates the log right after.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Map<String, LogDirDescription> dirs = admin.describeLogDirs(Set.of(1)).allDescriptions().get().get(1);
            Collection<LogDirDescription> descriptions = dirs.values();
            assertThat(descriptions).hasSize(1);
            assertThat(descriptions.iterator().next().replicaInfos()).containsKey(new TopicPartition("on-disk", 0));
        });
    }

    @Test
    void deletingAnUnknownTopicFails() {
        assertThatThrownBy(() -> admin.deleteTopics(List.of("never-was")).all().get())
                .hasCauseInstanceOf(UnknownTopicOrPartitionException.class);
    }

    private static long offset(TopicPartition tp, OffsetSpec spec) throws Exception {
        return admin.listOffsets(Map.of(tp, spec)).partitionResult(tp).get().offset();
    }
}
