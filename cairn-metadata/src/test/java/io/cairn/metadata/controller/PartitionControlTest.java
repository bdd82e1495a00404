package io.cairn.metadata.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;

import io.cairn.metadata.Fixtures;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.TopicImage;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsAssignment;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsTopic;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

class PartitionControlTest {

    private final Random random = new Random(7);

    private MetadataImage imageWithTopic() {
        MetadataImage image = Fixtures.withBrokers(3);
        return Fixtures.applyAll(image, TopicControl.createTopics(image, ControllerSettings.defaults(1),
                TopicControlTest.request(TopicControlTest.topic("t", 2, 2)), random).records());
    }

    private static CreatePartitionsRequestData request(CreatePartitionsTopic... topics) {
        CreatePartitionsRequestData request = new CreatePartitionsRequestData();
        for (CreatePartitionsTopic t : topics) {
            request.topics().add(t);
        }
        return request;
    }

    private static Errors error(ControllerResult<CreatePartitionsResponseData> r, int i) {
        return Errors.forCode(r.response().results().get(i).errorCode());
    }

    @Test
    void addsPartitionsWithTheTopicsReplicationFactor() {
        // given
        MetadataImage image = imageWithTopic();
        // when
        ControllerResult<CreatePartitionsResponseData> r = PartitionControl.createPartitions(image,
                request(new CreatePartitionsTopic().setName("t").setCount(5)), random);
        TopicImage topic = Fixtures.applyAll(image, r.records()).topic("t").orElseThrow();
        // then
        assertThat(error(r, 0)).isEqualTo(Errors.NONE);
        assertThat(topic.partitions()).hasSize(5);
        assertThat(topic.partitions().values()).allSatisfy(p -> assertThat(p.replicas()).hasSize(2));
    }

    @Test
    void notIncreasingIsInvalidPartitionsAndUnknownTopicIsReported() {
        // when
        ControllerResult<CreatePartitionsResponseData> r = PartitionControl.createPartitions(imageWithTopic(),
                request(new CreatePartitionsTopic().setName("t").setCount(2),
                        new CreatePartitionsTopic().setName("nope").setCount(3)), random);
        ControllerResult<CreatePartitionsResponseData> fewer = PartitionControl.createPartitions(imageWithTopic(),
                request(new CreatePartitionsTopic().setName("t").setCount(1)), random);
        // then
        assertThat(error(r, 0)).isEqualTo(Errors.INVALID_PARTITIONS);
        assertThat(error(r, 1)).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(error(fewer, 0)).isEqualTo(Errors.INVALID_PARTITIONS);
        assertThat(r.records()).isEmpty();
    }

    @Test
    void manualAssignmentsAreValidated() {
        // given
        MetadataImage image = imageWithTopic();
        // when
        ControllerResult<CreatePartitionsResponseData> good = PartitionControl.createPartitions(image,
                request(new CreatePartitionsTopic().setName("t").setCount(3)
                        .setAssignments(List.of(new CreatePartitionsAssignment().setBrokerIds(List.of(3, 2))))),
                random);
        ControllerResult<CreatePartitionsResponseData> wrongSize = PartitionControl.createPartitions(image,
                request(new CreatePartitionsTopic().setName("t").setCount(3)
                        .setAssignments(List.of(new CreatePartitionsAssignment().setBrokerIds(List.of(3))))),
                random);
        // then
        assertThat(Fixtures.applyAll(image, good.records()).topic("t").orElseThrow().partitions().get(2).replicas())
                .containsExactly(3, 2);
        assertThat(error(wrongSize, 0)).isEqualTo(Errors.INVALID_REPLICA_ASSIGNMENT);
    }

    @Test
    void validateOnlyWritesNothing() {
        // when
        ControllerResult<CreatePartitionsResponseData> r = PartitionControl.createPartitions(imageWithTopic(),
                request(new CreatePartitionsTopic().setName("t").setCount(4)).setValidateOnly(true), random);
        // then
        assertThat(error(r, 0)).isEqualTo(Errors.NONE);
        assertThat(r.records()).isEmpty();
    }

    @Test
    void addingMoreThanTenThousandPartitionsAtOnceIsInvalidPartitions() {
        // when
        ControllerResult<CreatePartitionsResponseData> r = PartitionControl.createPartitions(imageWithTopic(),
                request(new CreatePartitionsTopic().setName("t").setCount(Integer.MAX_VALUE)), random);
        // then
        assertThat(error(r, 0)).isEqualTo(Errors.INVALID_PARTITIONS);
        assertThat(r.records()).isEmpty();
    }
}
