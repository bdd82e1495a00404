package io.cairn.metadata.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import io.cairn.metadata.Fixtures;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.record.BrokerFencingChange;
import io.cairn.metadata.record.ChangeReason;
import io.cairn.metadata.record.DecisionRecord;
import io.cairn.metadata.record.PartitionRecord;
import io.cairn.metadata.record.TopicRecord;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.AlterPartitionRequestData;
import org.apache.kafka.common.message.AlterPartitionResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

class AlterPartitionControlTest {

    private static final Uuid T = Uuid.fromString("AAAAAAAAAAAAAAAAAAAAAQ");

    /** Brokers 1..3 at epoch 1; t-0 replicas [1,2,3], ISR [1,2], leader 1, leader epoch 4, partition epoch 7. */
    private static MetadataImage image() {
        return Fixtures.applyAll(Fixtures.withBrokers(3), List.of(new TopicRecord("t", T),
                new PartitionRecord(T, 0, List.of(1, 2, 3), List.of(1, 2), 1, 4, 7)));
    }

    private static AlterPartitionRequestData request(int broker, int leaderEpoch, int partitionEpoch,
                                                     List<Integer> isr) {
        AlterPartitionRequestData request = new AlterPartitionRequestData().setBrokerId(broker).setBrokerEpoch(1);
        AlterPartitionRequestData.TopicData topic = new AlterPartitionRequestData.TopicData().setTopicId(T);
        topic.partitions().add(new AlterPartitionRequestData.PartitionData().setPartitionIndex(0)
                .setLeaderEpoch(leaderEpoch).setPartitionEpoch(partitionEpoch).setNewIsr(isr));
        request.topics().add(topic);
        return request;
    }

    private static AlterPartitionResponseData.PartitionData only(AlterPartitionResponseData response) {
        return response.topics().get(0).partitions().get(0);
    }

    private static short decide(MetadataImage image, AlterPartitionRequestData request) {
        return only(AlterPartitionControl.alterPartition(image, request).response()).errorCode();
    }

    @Test
    void expandingTheIsrBumpsThePartitionEpochAndAnswersTheNewState() {
        // when
        ControllerResult<AlterPartitionResponseData> result = AlterPartitionControl.alterPartition(image(),
                request(1, 4, 7, List.of(1, 2, 3)));
        MetadataImage after = Fixtures.applyAll(image(), result.records());
        // then
        AlterPartitionResponseData.PartitionData p = only(result.response());
        assertThat(p.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(p.isr()).containsExactly(1, 2, 3);
        assertThat(p.partitionEpoch()).isEqualTo(8);
        assertThat(p.leaderEpoch()).isEqualTo(4);
        assertThat(p.leaderId()).isEqualTo(1);
        assertThat(after.topic("t").orElseThrow().partitions().get(0).isr()).containsExactly(1, 2, 3);
        assertThat(result.records()).singleElement().extracting(r -> ((DecisionRecord) r).reason())
                .isEqualTo(ChangeReason.ISR_EXPAND);
        assertThat(AlterPartitionControl.alterPartition(image(), request(1, 4, 7, List.of(1))).records())
                .singleElement().extracting(r -> ((DecisionRecord) r).reason()).isEqualTo(ChangeReason.ISR_SHRINK);
    }

    @Test
    void unchangedIsrWritesNothing() {
        assertThat(AlterPartitionControl.alterPartition(image(), request(1, 4, 7, List.of(1, 2))).records())
                .isEmpty();
    }

    @Test
    void kafkaErrorCodes() {
        MetadataImage image = image();
        assertThat(decide(image, request(1, 3, 7, List.of(1)))).isEqualTo(Errors.FENCED_LEADER_EPOCH.code());
        assertThat(decide(image, request(1, 5, 7, List.of(1)))).isEqualTo(Errors.NOT_CONTROLLER.code());
        assertThat(decide(image, request(1, 4, 6, List.of(1)))).isEqualTo(Errors.INVALID_UPDATE_VERSION.code());
        assertThat(decide(image, request(1, 4, 8, List.of(1)))).isEqualTo(Errors.NOT_CONTROLLER.code());
        assertThat(decide(image, request(2, 4, 7, List.of(2)))).as("not the leader")
                .isEqualTo(Errors.INVALID_REQUEST.code());
        assertThat(decide(image, request(1, 4, 7, List.of(2)))).as("ISR without the leader")
                .isEqualTo(Errors.INVALID_REQUEST.code());
        assertThat(decide(image, request(1, 4, 7, List.of(1, 4)))).as("not a replica")
                .isEqualTo(Errors.INELIGIBLE_REPLICA.code());
        MetadataImage fenced3 = Fixtures.applyAll(image, List.of(new BrokerFencingChange(3, 1, true)));
        assertThat(decide(fenced3, request(1, 4, 7, List.of(1, 2, 3)))).as("fenced")
                .isEqualTo(Errors.INELIGIBLE_REPLICA.code());
        AlterPartitionRequestData staleSender = request(1, 4, 7, List.of(1)).setBrokerEpoch(9);
        assertThat(AlterPartitionControl.alterPartition(image, staleSender).response().errorCode())
                .isEqualTo(Errors.STALE_BROKER_EPOCH.code());
        AlterPartitionRequestData unknown = request(1, 4, 7, List.of(1));
        unknown.topics().get(0).setTopicId(Uuid.fromString("AAAAAAAAAAAAAAAAAAAAAw"));
        assertThat(decide(image, unknown)).isEqualTo(Errors.UNKNOWN_TOPIC_ID.code());
    }

    @Test
    void aMemberThatReportsThePartitionOfflineIsIneligible() {
        // given broker 3 reports t-0 offline
        OfflineReplicas offline = OfflineReplicas.of(
                java.util.Map.of(3, java.util.Set.of(new io.cairn.metadata.PartitionId(T, 0))), java.util.Set.of());
        // then the leader cannot take it into the ISR, and can still change the ISR without it
        assertThat(only(AlterPartitionControl.alterPartition(image(), offline, request(1, 4, 7, List.of(1, 2, 3)))
                .response()).errorCode()).isEqualTo(Errors.INELIGIBLE_REPLICA.code());
        assertThat(only(AlterPartitionControl.alterPartition(image(), offline, request(1, 4, 7, List.of(1)))
                .response()).errorCode()).isEqualTo(Errors.NONE.code());
    }

    @Test
    void memberAtAnotherBrokerEpochIsIneligible() {
        // given (v3 request with epochs)
        AlterPartitionRequestData request = request(1, 4, 7, List.of());
        request.topics().get(0).partitions().get(0).newIsrWithEpochs().addAll(List.of(
                new AlterPartitionRequestData.BrokerState().setBrokerId(1).setBrokerEpoch(1),
                new AlterPartitionRequestData.BrokerState().setBrokerId(3).setBrokerEpoch(0)));
        // then
        assertThat(decide(image(), request)).isEqualTo(Errors.INELIGIBLE_REPLICA.code());
    }
}
