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
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.ElectLeadersResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

class ElectLeadersControlTest {

    private static final Uuid T = Uuid.fromString("AAAAAAAAAAAAAAAAAAAAAQ");

    /** p0 preferred 1 but led by 2; p1 led by its preferred 2; p2 offline, ISR [3] fenced, replica 1 live. */
    private static MetadataImage image() {
        return Fixtures.applyAll(Fixtures.withBrokers(3), List.of(new TopicRecord("t", T),
                new PartitionRecord(T, 0, List.of(1, 2), List.of(1, 2), 2, 1, 1),
                new PartitionRecord(T, 1, List.of(2, 1), List.of(2, 1), 2, 0, 0),
                new PartitionRecord(T, 2, List.of(3, 1), List.of(3), -1, 1, 1),
                new BrokerFencingChange(3, 1, true)));
    }

    private static ElectLeadersRequestData request(int type, Integer... partitions) {
        ElectLeadersRequestData request = new ElectLeadersRequestData().setElectionType((byte) type);
        request.topicPartitions().add(new ElectLeadersRequestData.TopicPartitions().setTopic("t")
                .setPartitions(List.of(partitions)));
        return request;
    }

    private static short error(ElectLeadersResponseData response, int partition) {
        return response.replicaElectionResults().get(0).partitionResult().stream()
                .filter(r -> r.partitionId() == partition).findFirst().orElseThrow().errorCode();
    }

    @Test
    void preferredElection() {
        // when
        ControllerResult<ElectLeadersResponseData> result = ElectLeadersControl.electLeaders(image(),
                request(0, 0, 1, 2, 9));
        // then
        assertThat(error(result.response(), 0)).isEqualTo(Errors.NONE.code());
        assertThat(error(result.response(), 1)).isEqualTo(Errors.ELECTION_NOT_NEEDED.code());
        assertThat(error(result.response(), 2)).isEqualTo(Errors.PREFERRED_LEADER_NOT_AVAILABLE.code());
        assertThat(error(result.response(), 9)).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        MetadataImage after = Fixtures.applyAll(image(), result.records());
        assertThat(after.topic("t").orElseThrow().partitions().get(0).leader()).isEqualTo(1);
        assertThat(result.records()).singleElement().extracting(r -> ((DecisionRecord) r).reason())
                .isEqualTo(ChangeReason.PREFERRED_LEADER_ELECTION);
    }

    @Test
    void uncleanElectionPicksALiveReplicaOfAnOfflinePartition() {
        // when
        ControllerResult<ElectLeadersResponseData> result = ElectLeadersControl.electLeaders(image(),
                request(1, 0, 2));
        // then
        assertThat(error(result.response(), 0)).isEqualTo(Errors.ELECTION_NOT_NEEDED.code());
        assertThat(error(result.response(), 2)).isEqualTo(Errors.NONE.code());
        MetadataImage after = Fixtures.applyAll(image(), result.records());
        assertThat(after.topic("t").orElseThrow().partitions().get(2).leader()).isEqualTo(1);
        assertThat(after.topic("t").orElseThrow().partitions().get(2).isr()).containsExactly(1);
    }

    @Test
    void allPartitionsLeavesOutThoseNeedingNothing() {
        // when
        ControllerResult<ElectLeadersResponseData> result = ElectLeadersControl.electLeaders(image(),
                new ElectLeadersRequestData().setElectionType((byte) 0).setTopicPartitions(null));
        // then
        assertThat(result.response().replicaElectionResults().get(0).partitionResult())
                .extracting(ElectLeadersResponseData.PartitionResult::partitionId).containsExactly(0, 2);
        assertThat(result.records()).hasSize(1);
    }

    @Test
    void anUncleanElectionSaysSo() {
        // when
        ControllerResult<ElectLeadersResponseData> result = ElectLeadersControl.electLeaders(image(),
                request(1, 2));
        // then
        assertThat(result.records()).singleElement().extracting(r -> ((DecisionRecord) r).reason())
                .isEqualTo(ChangeReason.UNCLEAN_LEADER_ELECTION);
    }
}
