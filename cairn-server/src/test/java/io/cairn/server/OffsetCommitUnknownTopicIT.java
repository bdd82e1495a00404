package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConsumerGroupOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OffsetCommit (here through the Admin API's AlterConsumerGroupOffsets) for partitions that do not exist: Kafka
 * answers UNKNOWN_TOPIC_OR_PARTITION for those and stores the others (issue 20, point 1); TxnOffsetCommit too.
 */
class OffsetCommitUnknownTopicIT {

    @TempDir
    Path dataDir;

    @Test
    void offsetsOfPartitionsThatDoNotExistAreRefusedAndTheOthersStored() throws Exception {
        try (TestNode node = TestNode.start(dataDir); Admin admin = node.admin()) {
            // given one topic of one partition
            admin.createTopics(List.of(new NewTopic("known", 1, (short) 1))).all().get();
            TopicPartition known = new TopicPartition("known", 0);
            TopicPartition beyond = new TopicPartition("known", 3);
            TopicPartition missing = new TopicPartition("missing", 0);

            // when a group's offsets are set for it, for a partition it does not have and for a topic that is not
            AlterConsumerGroupOffsetsResult result = admin.alterConsumerGroupOffsets("g", Map.of(
                    known, new OffsetAndMetadata(5), beyond, new OffsetAndMetadata(1),
                    missing, new OffsetAndMetadata(7)));

            // then the two that do not exist are refused, and only the existing partition's offset is stored
            result.partitionResult(known).get();
            for (TopicPartition absent : List.of(beyond, missing)) {
                assertThatThrownBy(() -> result.partitionResult(absent).get())
                        .isInstanceOf(ExecutionException.class)
                        .hasCauseInstanceOf(UnknownTopicOrPartitionException.class);
            }
            assertThat(admin.listConsumerGroupOffsets("g").partitionsToOffsetAndMetadata().get())
                    .containsOnlyKeys(known).containsEntry(known, new OffsetAndMetadata(5));

            // and a request naming only partitions that do not exist stores nothing
            assertThatThrownBy(() -> admin.alterConsumerGroupOffsets("h",
                    Map.of(missing, new OffsetAndMetadata(1))).all().get())
                    .hasCauseInstanceOf(UnknownTopicOrPartitionException.class);
            assertThat(admin.listConsumerGroupOffsets("h").partitionsToOffsetAndMetadata().get()).isEmpty();
        }
    }

    @Test
    void transactionalOffsetsOfPartitionsThatDoNotExistAreRefused() throws Exception {
        try (TestNode node = TestNode.start(dataDir); RawClient client = new RawClient(node.node().port())) {
            // when a producer commits offsets in its transaction for a topic that does not exist
            TxnOffsetCommitRequestData request = new TxnOffsetCommitRequestData().setTransactionalId("t")
                    .setGroupId("g").setProducerId(1).setProducerEpoch((short) 0)
                    .setTopics(List.of(new TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic()
                            .setName("missing").setPartitions(List.of(
                                    new TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition()
                                            .setPartitionIndex(0).setCommittedOffset(3)))));
            TxnOffsetCommitResponseData response = (TxnOffsetCommitResponseData) client.call(
                    ApiKeys.TXN_OFFSET_COMMIT, request, (short) 3);

            // then the partition is answered UNKNOWN_TOPIC_OR_PARTITION, as Kafka answers
            assertThat(response.topics()).singleElement().satisfies(topic -> assertThat(topic.partitions())
                    .singleElement().satisfies(p -> assertThat(Errors.forCode(p.errorCode()))
                            .isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION)));
        }
    }
}
