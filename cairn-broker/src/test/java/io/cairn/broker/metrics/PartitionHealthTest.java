package io.cairn.broker.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import io.cairn.broker.replica.ReplicaRole;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.record.BrokerFencingChange;
import io.cairn.metadata.record.ClusterIdRecord;
import io.cairn.metadata.record.MetadataBatch;
import io.cairn.metadata.record.PartitionRecord;
import io.cairn.metadata.record.RegisterBrokerRecord;
import io.cairn.metadata.record.TopicRecord;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;

/** The counts operators alert on, from a leader's role and from a metadata image. */
class PartitionHealthTest {

    @Test
    void aLeaderWhoseIsrLacksAReplicaIsUnderReplicated() {
        // given
        ReplicaRole full = new ReplicaRole.Leader(3, 5, List.of(1, 2, 3), List.of(1, 2, 3));
        ReplicaRole shrunk = new ReplicaRole.Leader(3, 6, List.of(1, 3), List.of(1, 2, 3));
        ReplicaRole follower = new ReplicaRole.Follower(3, 2);

        // then
        assertThat(PartitionHealth.underReplicated(full)).isFalse();
        assertThat(PartitionHealth.underReplicated(shrunk)).isTrue();
        assertThat(PartitionHealth.underReplicated(follower)).as("only the leader reports a partition").isFalse();
    }

    @Test
    void aLeaderWhoseIsrIsSmallerThanMinInsyncReplicasIsUnderMinIsr() {
        // given
        ReplicaRole two = new ReplicaRole.Leader(1, 1, List.of(1, 3), List.of(1, 2, 3));

        // then
        assertThat(PartitionHealth.underMinIsr(two, 2)).isFalse();
        assertThat(PartitionHealth.underMinIsr(two, 3)).isTrue();
        assertThat(PartitionHealth.underMinIsr(new ReplicaRole.Follower(1, 2), 3)).isFalse();
    }

    @Test
    void offlinePartitionsHaveNoLeaderAndFencedBrokersAreCountedFromTheImage() {
        // given: brokers 1 and 2 unfenced, 3 fenced; partition 1 without a leader
        Uuid topic = Uuid.randomUuid();
        MetadataImage image = MetadataImage.EMPTY.apply(new MetadataBatch(1, 1, 1, List.of(
                new ClusterIdRecord("c", (short) 1),
                new RegisterBrokerRecord(1, "h", 9092, null, 1, false),
                new RegisterBrokerRecord(2, "h", 9093, null, 1, false),
                new RegisterBrokerRecord(3, "h", 9094, null, 1, false),
                new BrokerFencingChange(3, 1, true),
                new TopicRecord("t", topic),
                new PartitionRecord(topic, 0, List.of(1, 2), List.of(1, 2), 1, 0, 0),
                new PartitionRecord(topic, 1, List.of(3), List.of(3), -1, 1, 1),
                new PartitionRecord(topic, 2, List.of(2, 3), List.of(2), 2, 1, 1))));

        // then
        assertThat(PartitionHealth.offline(image)).isEqualTo(1);
        assertThat(PartitionHealth.fencedBrokers(image)).isEqualTo(1);
        assertThat(PartitionHealth.offline(MetadataImage.EMPTY)).isZero();
    }

    @Test
    void metadataLagIsTheCommittedEntriesNotYetApplied() {
        assertThat(ClusterMetrics.lag(120, 100)).isEqualTo(20);
        assertThat(ClusterMetrics.lag(100, 100)).isZero();
        assertThat(ClusterMetrics.lag(-1, 100)).as("committed offset unknown").isZero();
        assertThat(ClusterMetrics.lag(100, -1)).as("applied offset unknown").isZero();
    }
}
