package io.cairn.metadata.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.cairn.metadata.Fixtures;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.PartitionImage;
import io.cairn.metadata.record.BrokerFencingChange;
import io.cairn.metadata.record.ChangeReason;
import io.cairn.metadata.record.MetadataRecord;
import io.cairn.metadata.record.PartitionRecord;
import io.cairn.metadata.record.TopicRecord;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.AlterPartitionRequestData;
import org.apache.kafka.common.message.ListPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

class ReassignmentControlTest {

    private static final Uuid T = Uuid.fromString("AAAAAAAAAAAAAAAAAAAAAQ");

    /** Brokers 1..4 at epoch 1; t-0 replicas [1], ISR [1], leader 1 (epoch 3, partition epoch 5); t-1 [2,1]. */
    private static MetadataImage image() {
        return Fixtures.applyAll(Fixtures.withBrokers(4), List.of(new TopicRecord("t", T),
                new PartitionRecord(T, 0, List.of(1), List.of(1), 1, 3, 5),
                new PartitionRecord(T, 1, List.of(2, 1), List.of(2, 1), 2, 0, 0)));
    }

    private static AlterPartitionReassignmentsRequestData request(String topic, int partition, Integer... target) {
        AlterPartitionReassignmentsRequestData request = new AlterPartitionReassignmentsRequestData()
                .setAllowReplicationFactorChange(true);
        AlterPartitionReassignmentsRequestData.ReassignableTopic t =
                new AlterPartitionReassignmentsRequestData.ReassignableTopic().setName(topic);
        t.partitions().add(new AlterPartitionReassignmentsRequestData.ReassignablePartition()
                .setPartitionIndex(partition).setReplicas(target == null ? null : new ArrayList<>(Arrays.asList(target))));
        request.topics().add(t);
        return request;
    }

    private static AlterPartitionReassignmentsRequestData cancel(String topic, int partition) {
        return request(topic, partition, (Integer[]) null);
    }

    private static short error(ControllerResult<AlterPartitionReassignmentsResponseData> result) {
        return result.response().responses().get(0).partitions().get(0).errorCode();
    }

    private static ControllerResult<AlterPartitionReassignmentsResponseData> decide(MetadataImage image,
            AlterPartitionReassignmentsRequestData request) {
        return ReassignmentControl.alterPartitionReassignments(image, request);
    }

    private static PartitionImage p(MetadataImage image, int partition) {
        return image.topic("t").orElseThrow().partitions().get(partition);
    }

    /** The leader of t-0 expands its ISR (AlterPartition) as the controller decides it, completions included. */
    private static MetadataImage expandIsr(MetadataImage image, List<Integer> isr) {
        PartitionImage p = p(image, 0);
        AlterPartitionRequestData request = new AlterPartitionRequestData().setBrokerId(p.leader()).setBrokerEpoch(1);
        AlterPartitionRequestData.TopicData topic = new AlterPartitionRequestData.TopicData().setTopicId(T);
        topic.partitions().add(new AlterPartitionRequestData.PartitionData().setPartitionIndex(0)
                .setLeaderEpoch(p.leaderEpoch()).setPartitionEpoch(p.partitionEpoch()).setNewIsr(isr));
        request.topics().add(topic);
        ControllerResult<?> result = ReassignmentControl.thenComplete(image,
                AlterPartitionControl.alterPartition(image, request));
        return Fixtures.applyAll(image, result.records());
    }

    @Test
    void startingAReassignmentAddsTheTargetAndKeepsLeaderAndIsr() {
        // when
        ControllerResult<AlterPartitionReassignmentsResponseData> result = decide(image(), request("t", 0, 2, 3));
        MetadataImage after = Fixtures.applyAll(image(), result.records());
        // then
        assertThat(error(result)).isEqualTo(Errors.NONE.code());
        assertThat(result.records()).hasSize(1);
        PartitionImage p = p(after, 0);
        assertThat(p.replicas()).containsExactly(2, 3, 1);
        assertThat(p.addingReplicas()).containsExactly(2, 3);
        assertThat(p.removingReplicas()).containsExactly(1);
        assertThat(p.isr()).containsExactly(1);
        assertThat(p.leader()).isEqualTo(1);
        assertThat(p.leaderEpoch()).isEqualTo(3);
        assertThat(p.partitionEpoch()).isEqualTo(6);
        ListPartitionReassignmentsResponseData listed = ReassignmentControl.listPartitionReassignments(after,
                new ListPartitionReassignmentsRequestData().setTopics(null));
        assertThat(listed.topics()).hasSize(1);
        assertThat(listed.topics().get(0).partitions()).singleElement().satisfies(o -> {
            assertThat(o.partitionIndex()).isEqualTo(0);
            assertThat(o.replicas()).containsExactly(2, 3, 1);
            assertThat(o.addingReplicas()).containsExactly(2, 3);
            assertThat(o.removingReplicas()).containsExactly(1);
        });
    }

    @Test
    void completesOnlyWhenEveryAddingReplicaIsInTheIsrAndMovesLeadershipOffARemovedLeader() {
        // given
        MetadataImage started = Fixtures.applyAll(image(), decide(image(), request("t", 0, 2, 3)).records());
        // when one adding replica joins
        MetadataImage half = expandIsr(started, List.of(1, 2));
        // then still in progress
        assertThat(p(half, 0).isReassigning()).isTrue();
        assertThat(p(half, 0).isr()).containsExactly(1, 2);
        // when the other joins
        MetadataImage done = expandIsr(half, List.of(1, 2, 3));
        // then complete in the same batch: target order, ISR restricted to it, preferred live leader, epochs bumped
        PartitionImage p = p(done, 0);
        assertThat(p.isReassigning()).isFalse();
        assertThat(p.replicas()).containsExactly(2, 3);
        assertThat(p.isr()).containsExactly(2, 3);
        assertThat(p.leader()).isEqualTo(2);
        assertThat(p.leaderEpoch()).isEqualTo(4);
        assertThat(p.partitionEpoch()).isEqualTo(p(half, 0).partitionEpoch() + 2);
        assertThat(ReassignmentControl.listPartitionReassignments(done,
                new ListPartitionReassignmentsRequestData().setTopics(null)).topics()).isEmpty();
    }

    @Test
    void completionSkipsAFencedTargetReplicaForLeadership() {
        // adding [2,3] are in the ISR, but 2 is fenced (its ISR removal not yet decided)
        MetadataImage image = Fixtures.applyAll(Fixtures.withBrokers(3), List.<MetadataRecord>of(
                new TopicRecord("t", T),
                new PartitionRecord(T, 0, List.of(2, 3, 1), List.of(1, 2, 3), 1, 0, 0, List.of(2, 3), List.of(1)),
                new BrokerFencingChange(2, 1, true)));
        MetadataImage done = Fixtures.applyAll(image, ReassignmentControl.completions(image));
        assertThat(p(done, 0).replicas()).containsExactly(2, 3);
        assertThat(p(done, 0).leader()).isEqualTo(3);
    }

    @Test
    void keepsTheLeaderWhenItStaysAndCompletesAtOnceWhenNothingIsAdded() {
        // t-1 [2,1] -> [2]: nothing to add, so it completes in the request's own batch
        ControllerResult<AlterPartitionReassignmentsResponseData> result = decide(image(), request("t", 1, 2));
        MetadataImage after = Fixtures.applyAll(image(), result.records());
        assertThat(error(result)).isEqualTo(Errors.NONE.code());
        assertThat(result.records()).hasSize(2);
        PartitionImage p = p(after, 1);
        assertThat(p.isReassigning()).isFalse();
        assertThat(p.replicas()).containsExactly(2);
        assertThat(p.isr()).containsExactly(2);
        assertThat(p.leader()).isEqualTo(2);
        assertThat(p.leaderEpoch()).isEqualTo(0);
    }

    @Test
    void theSameReplicasWriteNothingAndAReorderIsOneRecord() {
        assertThat(decide(image(), request("t", 1, 2, 1)).records()).isEmpty();
        ControllerResult<AlterPartitionReassignmentsResponseData> reorder = decide(image(), request("t", 1, 1, 2));
        assertThat(reorder.records()).hasSize(1);
        MetadataImage after = Fixtures.applyAll(image(), reorder.records());
        assertThat(p(after, 1).replicas()).containsExactly(1, 2);
        assertThat(p(after, 1).isReassigning()).isFalse();
    }

    @Test
    void cancellingRevertsToTheOriginalReplicas() {
        MetadataImage started = Fixtures.applyAll(image(), decide(image(), request("t", 0, 2, 3)).records());
        MetadataImage half = expandIsr(started, List.of(1, 2));
        // when
        ControllerResult<AlterPartitionReassignmentsResponseData> result = decide(half, cancel("t", 0));
        MetadataImage after = Fixtures.applyAll(half, result.records());
        // then
        assertThat(error(result)).isEqualTo(Errors.NONE.code());
        PartitionImage p = p(after, 0);
        assertThat(p.isReassigning()).isFalse();
        assertThat(p.replicas()).containsExactly(1);
        assertThat(p.isr()).containsExactly(1);
        assertThat(p.leader()).isEqualTo(1);
    }

    @Test
    void errors() {
        MetadataImage image = image();
        assertThat(error(decide(image, request("nope", 0, 2)))).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        assertThat(error(decide(image, request("t", 7, 2)))).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        assertThat(error(decide(image, request("t", 0)))).isEqualTo(Errors.INVALID_REPLICA_ASSIGNMENT.code());
        assertThat(error(decide(image, request("t", 0, 2, 2)))).isEqualTo(Errors.INVALID_REPLICA_ASSIGNMENT.code());
        assertThat(error(decide(image, request("t", 0, 2, 9)))).isEqualTo(Errors.INVALID_REPLICA_ASSIGNMENT.code());
        assertThat(error(decide(image, cancel("t", 0)))).isEqualTo(Errors.NO_REASSIGNMENT_IN_PROGRESS.code());
        assertThat(error(decide(image, request("t", 0, 2, 3).setAllowReplicationFactorChange(false))))
                .isEqualTo(Errors.INVALID_REPLICATION_FACTOR.code());
        assertThat(error(decide(image, request("t", 0, 2).setAllowReplicationFactorChange(false))))
                .isEqualTo(Errors.NONE.code());
        for (var r : List.of(request("nope", 0, 2), request("t", 0), cancel("t", 0))) {
            assertThat(decide(image, r).records()).isEmpty();
        }
    }

    @Test
    void aNewTargetDuringAReassignmentIsComputedAgainstTheCurrentReplicas() {
        MetadataImage started = Fixtures.applyAll(image(), decide(image(), request("t", 0, 2, 3)).records());
        MetadataImage retargeted = Fixtures.applyAll(started, decide(started, request("t", 0, 4)).records());
        PartitionImage p = p(retargeted, 0);
        assertThat(p.replicas()).containsExactly(4, 2, 3, 1);
        assertThat(p.addingReplicas()).containsExactly(4);
        assertThat(p.removingReplicas()).containsExactly(2, 3, 1);
    }

    @Test
    void activationCompletesWhatIsReady() {
        // a reassignment whose adding replicas are in the ISR (its completion was lost with the old controller)
        MetadataImage image = Fixtures.applyAll(Fixtures.withBrokers(3), List.<MetadataRecord>of(
                new TopicRecord("t", T),
                new PartitionRecord(T, 0, List.of(2, 1), List.of(1, 2), 1, 0, 0, List.of(2), List.of(1))));
        List<MetadataRecord> records = ReassignmentControl.completions(image);
        MetadataImage after = Fixtures.applyAll(image, records);
        assertThat(p(after, 0).replicas()).containsExactly(2);
        assertThat(p(after, 0).leader()).isEqualTo(2);
        assertThat(ReassignmentControl.completions(after)).isEmpty();
    }

    @Test
    void aReassignmentsStepsSayWhatTheyAre() {
        // when one reassignment is started and completed, and another started and cancelled
        MetadataImage started = Fixtures.applyAll(image(), decide(image(), request("t", 0, 2)).records());
        MetadataImage done = expandIsr(started, List.of(1, 2));
        MetadataImage again = Fixtures.applyAll(done, decide(done, request("t", 0, 3)).records());
        MetadataImage cancelled = Fixtures.applyAll(again, decide(again, cancel("t", 0)).records());
        // then the partition's history tells each step
        assertThat(cancelled.history().partition(T, 0)).extracting(h -> h.reason()).containsExactly(
                ChangeReason.REASSIGNMENT_STARTED, ChangeReason.ISR_EXPAND, ChangeReason.REASSIGNMENT_COMPLETED,
                ChangeReason.REASSIGNMENT_STARTED, ChangeReason.REASSIGNMENT_CANCELLED);
        assertThat(p(done, 0).replicas()).containsExactly(2);
    }
}
