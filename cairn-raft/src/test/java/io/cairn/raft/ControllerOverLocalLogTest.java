package io.cairn.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.ProducerIdBlock;
import io.cairn.metadata.TopicImage;
import io.cairn.metadata.controller.Controller;
import io.cairn.metadata.controller.ControllerSettings;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicConfig;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.utils.MockTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The controller end to end over the file journal: decisions survive a restart. */
class ControllerOverLocalLogTest {

    @TempDir
    Path dir;

    private LocalMetadataLog log;
    private ExecutorService eventLoop;
    private Controller controller;

    /** Opens the journal and starts a controller on it, like a node starting. */
    private Controller startNode(long seed) throws IOException {
        log = LocalMetadataLog.open(dir, 1);
        eventLoop = Executors.newSingleThreadExecutor();
        controller = new Controller(ControllerSettings.defaults(1), log, eventLoop, new MockTime(0, 1_000L, 1_000_000_000L),
                new Random(seed));
        controller.start();
        return controller;
    }

    private void stopNode() {
        log.close();
        eventLoop.shutdownNow();
    }

    @AfterEach
    void tearDown() {
        stopNode();
    }

    private static CreateTopicsRequestData create(String name, int partitions, String retentionMs) {
        CreatableTopic topic = new CreatableTopic().setName(name).setNumPartitions(partitions)
                .setReplicationFactor((short) 1);
        topic.configs().add(new CreatableTopicConfig().setName("retention.ms").setValue(retentionMs));
        CreateTopicsRequestData request = new CreateTopicsRequestData();
        request.topics().add(topic);
        return request;
    }

    @Test
    void topicsAndConfigsSurviveARestart() throws Exception {
        // given
        Controller first = startNode(1);
        first.registerBroker(1, "localhost", 9092, null).get(5, TimeUnit.SECONDS);
        CreateTopicsResponseData created = first.createTopics(create("orders", 3, "60000")).get(5, TimeUnit.SECONDS);
        first.createTopics(create("gone", 1, "1000")).get(5, TimeUnit.SECONDS);
        first.deleteTopics(new DeleteTopicsRequestData().setTopicNames(List.of("gone"))).get(5, TimeUnit.SECONDS);
        IncrementalAlterConfigsRequestData alter = new IncrementalAlterConfigsRequestData();
        IncrementalAlterConfigsRequestData.AlterConfigsResource resource =
                new IncrementalAlterConfigsRequestData.AlterConfigsResource()
                        .setResourceType(ConfigResource.Type.TOPIC.id()).setResourceName("orders");
        resource.configs().add(new IncrementalAlterConfigsRequestData.AlterableConfig().setName("segment.bytes")
                .setValue("1048576").setConfigOperation((byte) 0));
        alter.resources().add(resource);
        first.incrementalAlterConfigs(alter).get(5, TimeUnit.SECONDS);
        MetadataImage before = first.current();
        stopNode();
        // when
        Controller second = startNode(2);
        await().atMost(5, TimeUnit.SECONDS).until(() -> second.isActive().get());
        // then
        MetadataImage after = second.current();
        assertThat(after).isEqualTo(before);
        TopicImage orders = after.topic("orders").orElseThrow();
        assertThat(orders.id()).isEqualTo(created.topics().find("orders").topicId());
        assertThat(orders.configs()).isEqualTo(Map.of("retention.ms", "60000", "segment.bytes", "1048576"));
        assertThat(orders.partitions()).hasSize(3);
        assertThat(orders.partitions().values()).allSatisfy(p -> assertThat(p.leader()).isEqualTo(1));
        assertThat(after.topic("gone")).isEmpty();
        assertThat(after.clusterId()).isEqualTo(before.clusterId());
    }

    @Test
    void restartKeepsClusterIdAndReRegistrationBumpsBrokerEpoch() throws Exception {
        // given
        Controller first = startNode(1);
        long epoch1 = first.registerBroker(1, "localhost", 9092, null).get(5, TimeUnit.SECONDS);
        String clusterId = first.current().clusterId();
        stopNode();
        // when
        Controller second = startNode(1);
        long epoch2 = second.registerBroker(1, "localhost", 9092, null).get(5, TimeUnit.SECONDS);
        // then
        assertThat(second.current().clusterId()).isEqualTo(clusterId);
        assertThat(epoch2).isGreaterThan(epoch1);
        assertThat(second.current().brokers().get(1).epoch()).isEqualTo(epoch2);
    }

    @Test
    void producerIdBlocksNeverOverlapAcrossRestarts() throws Exception {
        // given
        Controller first = startNode(1);
        first.registerBroker(1, "localhost", 9092, null).get(5, TimeUnit.SECONDS);
        ProducerIdBlock a = first.allocateProducerIds(1).get(5, TimeUnit.SECONDS);
        ProducerIdBlock b = first.allocateProducerIds(1).get(5, TimeUnit.SECONDS);
        stopNode();
        // when
        Controller second = startNode(1);
        await().atMost(5, TimeUnit.SECONDS).until(() -> second.isActive().get());
        ProducerIdBlock c = second.allocateProducerIds(1).get(5, TimeUnit.SECONDS);
        // then
        assertThat(List.of(a.firstProducerId(), b.firstProducerId(), c.firstProducerId()))
                .containsExactly(0L, 1000L, 2000L);
        assertThat(c.size()).isEqualTo(1000);
    }

    @Test
    void createWithUnknownConfigIsRejectedAndWritesNothing() throws Exception {
        // given
        Controller node = startNode(1);
        node.registerBroker(1, "localhost", 9092, null).get(5, TimeUnit.SECONDS);
        long offset = node.current().offset();
        CreateTopicsRequestData request = create("t", 1, "1000");
        request.topics().find("t").configs().add(new CreatableTopicConfig().setName("nope").setValue("1"));
        // when
        CreateTopicsResponseData response = node.createTopics(request).get(5, TimeUnit.SECONDS);
        // then
        assertThat(response.topics().find("t").errorCode()).isEqualTo(Errors.INVALID_CONFIG.code());
        assertThat(node.current().offset()).isEqualTo(offset);
    }
}
