package io.cairn.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import io.cairn.metadata.record.BrokerFencingChange;
import io.cairn.metadata.record.ClusterIdRecord;
import io.cairn.metadata.record.ConfigRecord;
import io.cairn.metadata.record.FeatureLevelRecord;
import io.cairn.metadata.record.MetadataBatch;
import io.cairn.metadata.record.PartitionChangeRecord;
import io.cairn.metadata.record.PartitionRecord;
import io.cairn.metadata.record.ProducerIdsRecord;
import io.cairn.metadata.record.RegisterBrokerRecord;
import io.cairn.metadata.record.RemoveTopicRecord;
import io.cairn.metadata.record.RemoveUserScramCredentialRecord;
import io.cairn.metadata.record.TopicRecord;
import io.cairn.metadata.record.UserScramCredentialRecord;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;

class MetadataImageTest {

    private static final Uuid ID = Uuid.fromString("AAAAAAAAAAAAAAAAAAAAAQ");

    private MetadataImage withTopic() {
        return Fixtures.applyAll(Fixtures.withBrokers(3), List.of(
                new TopicRecord("t", ID),
                new ConfigRecord(ConfigRecord.ResourceType.TOPIC, "t", "retention.ms", "1000"),
                new PartitionRecord(ID, 0, List.of(1, 2), List.of(1, 2), 1, 0, 0)));
    }

    @Test
    void emptyImageHasNothing() {
        // given
        MetadataImage image = MetadataImage.EMPTY;
        // then
        assertThat(image.offset()).isEqualTo(-1);
        assertThat(image.clusterId()).isNull();
        assertThat(image.brokers()).isEmpty();
        assertThat(image.topicsByName()).isEmpty();
        assertThat(image.controllerId()).isEqualTo(-1);
        assertThat(image.nextProducerId()).isZero();
    }

    @Test
    void topicIsFoundByNameAndIdWithItsConfigAndPartition() {
        // when
        MetadataImage image = withTopic();
        // then
        assertThat(image.topic("t")).isEqualTo(image.topic(ID));
        TopicImage topic = image.topic("t").orElseThrow();
        assertThat(topic.configs()).containsEntry("retention.ms", "1000");
        assertThat(topic.partitions().get(0).leader()).isEqualTo(1);
        assertThat(image.controllerId()).isEqualTo(1);
        assertThat(image.controllerEpoch()).isEqualTo(1);
    }

    @Test
    void secondClusterIdIsIgnored() {
        // when
        MetadataImage image = Fixtures.withBrokers(1).apply(9, new ClusterIdRecord("other", (short) 2));
        // then
        assertThat(image.clusterId()).isEqualTo("test-cluster");
        assertThat(image.offset()).isEqualTo(9);
    }

    @Test
    void partitionChangeAtCurrentEpochBumpsEpochs() {
        // given
        MetadataImage image = withTopic();
        // when
        MetadataImage next = image.apply(10, new PartitionChangeRecord(ID, 0, 0, 2, List.of(2), null));
        // then
        PartitionImage p = next.topic(ID).orElseThrow().partitions().get(0);
        assertThat(p.leader()).isEqualTo(2);
        assertThat(p.isr()).containsExactly(2);
        assertThat(p.leaderEpoch()).isEqualTo(1);
        assertThat(p.partitionEpoch()).isEqualTo(1);
    }

    @Test
    void partitionChangeWithStalePartitionEpochIsANoOp() {
        // given
        MetadataImage image = withTopic().apply(10, new PartitionChangeRecord(ID, 0, 0, PartitionChangeRecord.NO_CHANGE,
                List.of(1), null));
        // when: decided against epoch 0, but the partition is at 1 now
        MetadataImage next = image.apply(11, new PartitionChangeRecord(ID, 0, 0, 2, List.of(2), null));
        // then
        assertThat(next.topic(ID).orElseThrow().partitions()).isEqualTo(image.topic(ID).orElseThrow().partitions());
    }

    @Test
    void staleBrokerRegistrationAndFencingAreNoOps() {
        // given
        MetadataImage image = Fixtures.withBrokers(1).apply(5, new RegisterBrokerRecord(1, "h", 1, "r", 3, false));
        // when
        MetadataImage next = image.apply(6, new RegisterBrokerRecord(1, "old", 1, null, 2, false))
                .apply(7, new BrokerFencingChange(1, 2, true));
        // then
        assertThat(next.brokers().get(1).host()).isEqualTo("h");
        assertThat(next.brokers().get(1).fenced()).isFalse();
        assertThat(next.apply(8, new BrokerFencingChange(1, 3, true)).brokers().get(1).fenced()).isTrue();
    }

    @Test
    void removeTopicDropsItAndLaterConfigIsANoOp() {
        // when
        MetadataImage image = withTopic().apply(10, new RemoveTopicRecord(ID))
                .apply(11, new ConfigRecord(ConfigRecord.ResourceType.TOPIC, "t", "retention.ms", "5"));
        // then
        assertThat(image.topic("t")).isEmpty();
        assertThat(image.topic(ID)).isEmpty();
    }

    @Test
    void brokerConfigSetAndDelete() {
        // when
        MetadataImage set = Fixtures.withBrokers(1)
                .apply(5, new ConfigRecord(ConfigRecord.ResourceType.BROKER, "", "log.retention.ms", "5"));
        MetadataImage deleted = set.apply(6, new ConfigRecord(ConfigRecord.ResourceType.BROKER, "",
                "log.retention.ms", null));
        // then
        assertThat(set.brokerConfigs("")).containsEntry("log.retention.ms", "5");
        assertThat(deleted.brokerConfigs("")).isEmpty();
    }

    @Test
    void scramCredentialsAreSetReplacedAndRemovedPerMechanism() {
        // given
        MetadataImage image = Fixtures.withBrokers(1).apply(5, List.of(
                new UserScramCredentialRecord("alice", "SCRAM-SHA-256", new byte[] {1}, new byte[] {2},
                        new byte[] {3}, 4096),
                new UserScramCredentialRecord("alice", "SCRAM-SHA-512", new byte[] {1}, new byte[] {2},
                        new byte[] {3}, 4096),
                new UserScramCredentialRecord("alice", "SCRAM-SHA-256", new byte[] {7}, new byte[] {8},
                        new byte[] {9}, 8192),
                new UserScramCredentialRecord("bob", "SCRAM-MD5", new byte[] {1}, new byte[] {2}, new byte[] {3},
                        4096),
                new UserScramCredentialRecord("", "SCRAM-SHA-256", new byte[] {1}, new byte[] {2}, new byte[] {3},
                        4096)));

        // then: the later credential replaced the first; an unknown mechanism or an empty name is a no-op
        assertThat(image.scramCredentials().keySet()).containsExactly("alice");
        assertThat(image.scramCredential("alice", "SCRAM-SHA-256")).contains(new ScramCredentialImage(
                new byte[] {7}, new byte[] {8}, new byte[] {9}, 8192));

        // when
        MetadataImage removed = image.apply(6, List.of(new RemoveUserScramCredentialRecord("alice", "SCRAM-SHA-256"),
                new RemoveUserScramCredentialRecord("carol", "SCRAM-SHA-256")));
        MetadataImage none = removed.apply(7, new RemoveUserScramCredentialRecord("alice", "SCRAM-SHA-512"));

        // then
        assertThat(removed.scramCredentials().get("alice")).containsOnlyKeys("SCRAM-SHA-512");
        assertThat(none.scramCredentials()).isEmpty();
    }

    @Test
    void producerIdsNeverGoBackwards() {
        // when
        MetadataImage image = Fixtures.withBrokers(1).apply(5, new ProducerIdsRecord(1, 2000))
                .apply(6, new ProducerIdsRecord(1, 1000));
        // then
        assertThat(image.nextProducerId()).isEqualTo(2000);
    }

    @Test
    void batchFromAnOlderTermIsANoOpButMovesTheOffset() {
        // given an image last written in term 5
        MetadataImage image = withTopic().apply(new MetadataBatch(10, 5, 2, List.of(new ProducerIdsRecord(1, 100))));
        // when a deposed controller's batch from term 4 is committed after it
        MetadataImage after = image.apply(new MetadataBatch(11, 4, 1, List.of(
                new BrokerFencingChange(1, 1, true),
                new PartitionChangeRecord(ID, 0, 0, 2, List.of(2), null))));
        // then
        assertThat(after.offset()).isEqualTo(11);
        assertThat(after.controllerEpoch()).isEqualTo(5);
        assertThat(after.brokers()).isEqualTo(image.brokers());
        assertThat(after.topicsByName()).isEqualTo(image.topicsByName());
    }

    @Test
    void featureLevelOnlyGoesUp() {
        // given a log bootstrapped at level 1
        MetadataImage image = Fixtures.withBrokers(1);
        assertThat(image.metadataFormatFeatureLevel()).isEqualTo((short) 1);
        // when
        MetadataImage upgraded = image.apply(10, new FeatureLevelRecord((short) 2));
        MetadataImage downgraded = upgraded.apply(11, new FeatureLevelRecord((short) 1));
        // then
        assertThat(upgraded.metadataFormatFeatureLevel()).isEqualTo((short) 2);
        assertThat(downgraded.metadataFormatFeatureLevel()).isEqualTo((short) 2);
    }
}
