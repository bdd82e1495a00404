package io.cairn.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import io.cairn.metadata.DecisionHistory;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.record.AccessControlEntryRecord;
import io.cairn.metadata.record.BrokerFencingChange;
import io.cairn.metadata.record.BrokerHistoryRecord;
import io.cairn.metadata.record.ChangeReason;
import io.cairn.metadata.record.ClientQuotaRecord;
import io.cairn.metadata.record.ClusterIdRecord;
import io.cairn.metadata.record.DelegationTokenRecord;
import io.cairn.metadata.record.MetadataBatch;
import io.cairn.metadata.record.MetadataFormat;
import io.cairn.metadata.record.PartitionChangeRecord;
import io.cairn.metadata.record.PartitionRecord;
import io.cairn.metadata.record.RegisterBrokerRecord;
import io.cairn.metadata.record.TopicRecord;
import io.cairn.metadata.record.UserScramCredentialRecord;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;

class ImageRecordsTest {

    private static final MetadataImage WITH_CREDENTIALS = MetadataImage.EMPTY.apply(new MetadataBatch(3, 1, 1, List.of(
            new ClusterIdRecord("c", (short) 2),
            new RegisterBrokerRecord(1, "inner", 9092, null, 3, false, List.of(
                    new RegisterBrokerRecord.Endpoint("PLAINTEXT", "inner", 9092),
                    new RegisterBrokerRecord.Endpoint("SSL", "outer", 9093))),
            new UserScramCredentialRecord("alice", "SCRAM-SHA-256", new byte[] {1}, new byte[] {2}, new byte[] {3},
                    4096),
            new UserScramCredentialRecord("alice", "SCRAM-SHA-512", new byte[] {4}, new byte[] {5}, new byte[] {6},
                    8192),
            new UserScramCredentialRecord("bob", "SCRAM-SHA-256", new byte[] {7}, new byte[] {8}, new byte[] {9},
                    4096),
            new AccessControlEntryRecord(new Uuid(1, 2), (byte) 2, "t", (byte) 3, "User:alice", "*", (byte) 3,
                    (byte) 3),
            new DelegationTokenRecord("tok-1", "User:alice", "User:alice", List.of("User:bob"), 1, 3, 2))));

    @Test
    void aSnapshotKeepsTheScramCredentialsTokensAndEveryListenerOfABroker() {
        // when
        MetadataImage rebuilt = MetadataImage.EMPTY.apply(new MetadataBatch(3, 1, 1,
                ImageRecords.toRecords(WITH_CREDENTIALS)));

        // then
        assertThat(rebuilt).isEqualTo(WITH_CREDENTIALS);
    }

    @Test
    void aSnapshotKeepsTheClientQuotasAndAnInstallDropsThoseItDoesNotHold() {
        // given
        java.util.Map<String, String> defaultUser = new java.util.HashMap<>();
        defaultUser.put("user", null);
        MetadataImage current = MetadataImage.EMPTY.apply(new MetadataBatch(3, 1, 1, List.of(
                new ClusterIdRecord("c", (short) 2),
                ClientQuotaRecord.set(defaultUser, "producer_byte_rate", 1024),
                ClientQuotaRecord.set(java.util.Map.of("client-id", "app"), "consumer_byte_rate", 2048),
                ClientQuotaRecord.set(java.util.Map.of("client-id", "app"), "request_percentage", 12.5))));
        MetadataImage target = MetadataImage.EMPTY.apply(new MetadataBatch(9, 1, 1, List.of(
                new ClusterIdRecord("c", (short) 2),
                ClientQuotaRecord.set(java.util.Map.of("client-id", "app"), "request_percentage", 50))));

        // when
        MetadataImage rebuilt = MetadataImage.EMPTY.apply(new MetadataBatch(3, 1, 1, ImageRecords.toRecords(current)));
        MetadataImage reset = current.apply(new MetadataBatch(9, 1, 1, ImageRecords.resetRecords(current, target)));

        // then
        assertThat(rebuilt).isEqualTo(current);
        assertThat(reset.clientQuotas()).isEqualTo(target.clientQuotas());
    }

    @Test
    void installingASnapshotDropsCredentialsItDoesNotHold() {
        // given: the leader's later state, where bob's credential is gone
        MetadataImage target = MetadataImage.EMPTY.apply(new MetadataBatch(9, 1, 1, List.of(
                new ClusterIdRecord("c", (short) 2),
                new UserScramCredentialRecord("alice", "SCRAM-SHA-256", new byte[] {1}, new byte[] {2},
                        new byte[] {3}, 4096))));

        // when
        MetadataImage reset = WITH_CREDENTIALS.apply(new MetadataBatch(9, 1, 1,
                ImageRecords.resetRecords(WITH_CREDENTIALS, target)));

        // then
        assertThat(reset.scramCredentials()).isEqualTo(target.scramCredentials());
        assertThat(reset.acls()).isEqualTo(target.acls());
        assertThat(reset.delegationTokens()).as("a token the snapshot does not hold is gone").isEmpty();
    }

    @Test
    void aSnapshotKeepsTheHistoryOfDecisionsAndAnInstallAddsOnlyWhatIsNew() {
        // given a partition created, moved on a lease expiry, then 120 ISR changes (more than the history keeps), in
        // a cluster at level 3 (below it, snapshots leave the histories out: docs/adr/0028)
        Uuid t = new Uuid(5, 5);
        MetadataImage image = MetadataImage.EMPTY.apply(new MetadataBatch(0, 1, 1, List.of(
                new ClusterIdRecord("c", MetadataFormat.DECISION_REASONS),
                new RegisterBrokerRecord(1, "h1", 9092, null, 1, false, ChangeReason.BROKER_REGISTERED, 10),
                new RegisterBrokerRecord(2, "h2", 9092, null, 1, false, ChangeReason.BROKER_REGISTERED, 10),
                new TopicRecord("t", t),
                new PartitionRecord(t, 0, List.of(1, 2), List.of(1, 2), 1, 0, 0, List.of(), List.of(),
                        ChangeReason.CREATED, 20))));
        image = image.apply(new MetadataBatch(1, 2, 3, List.of(
                new BrokerFencingChange(1, 1, true, ChangeReason.LEASE_EXPIRED, 30),
                new PartitionChangeRecord(t, 0, 0, 2, List.of(2), null, ChangeReason.LEASE_EXPIRED, 30))));
        MetadataImage current = image;
        for (int i = 0; i < 120; i++) {
            image = image.apply(new MetadataBatch(2 + i, 2, 3, List.of(new PartitionChangeRecord(t, 0, 1 + i,
                    PartitionChangeRecord.NO_CHANGE, i % 2 == 0 ? List.of(2, 1) : List.of(2), null,
                    i % 2 == 0 ? ChangeReason.ISR_EXPAND : ChangeReason.ISR_SHRINK, 40 + i))));
        }
        MetadataImage target = image;

        // when the image is snapshotted (through the serde, as on disk) and read back
        MetadataBatch snapshot = io.cairn.metadata.record.MetadataRecordSerde.deserialize(121,
                io.cairn.metadata.record.MetadataRecordSerde.serialize(new MetadataBatch(121, 2, 3,
                        ImageRecords.toRecords(target))));
        MetadataImage restored = MetadataImage.EMPTY.apply(snapshot);
        MetadataImage installed = current.apply(new MetadataBatch(121, 2, 3,
                ImageRecords.resetRecords(current, target)));

        // then
        assertThat(restored).isEqualTo(target);
        assertThat(restored.history().partition(t, 0)).hasSize(DecisionHistory.LIMIT);
        assertThat(DecisionHistory.dropped(restored.history().partition(t, 0))).isEqualTo(22);
        assertThat(restored.history().broker(1)).extracting(BrokerHistoryRecord::reason)
                .containsExactly(ChangeReason.BROKER_REGISTERED, ChangeReason.LEASE_EXPIRED);
        assertThat(installed.history()).isEqualTo(target.history());
    }

    @Test
    void belowLevelThreeASnapshotIsFormatOneWithoutHistoriesAndKeepsTheBrokersMetadataVersions() {
        // given a level-2 cluster (a rolling upgrade under way) with decisions in its history
        Uuid t = new Uuid(6, 6);
        MetadataFormat.Range versions = new MetadataFormat.Range((short) 1, MetadataFormat.LATEST);
        MetadataImage image = MetadataImage.EMPTY.apply(new MetadataBatch(0, 1, 1, List.of(
                new ClusterIdRecord("c", MetadataFormat.LEASES),
                new RegisterBrokerRecord(1, "h1", 9092, null, 1, false, ChangeReason.BROKER_REGISTERED, 10, List.of(),
                        versions),
                new RegisterBrokerRecord(2, "h2", 9092, null, 1, false, ChangeReason.BROKER_REGISTERED, 10),
                new TopicRecord("t", t),
                new PartitionRecord(t, 0, List.of(1, 2), List.of(1, 2), 1, 0, 0, List.of(), List.of(),
                        ChangeReason.CREATED, 20))));
        assertThat(image.history().partition(t, 0)).isNotEmpty();
        List<io.cairn.metadata.record.MetadataRecord> records = ImageRecords.toRecords(image);

        // when it is written in the format of its level and read by a node that reads format 1 only
        int format = MetadataFormat.batchFormat(image.metadataFormatFeatureLevel());
        MetadataBatch snapshot = io.cairn.metadata.record.MetadataRecordSerde.deserialize(1,
                io.cairn.metadata.record.MetadataRecordSerde.serialize(new MetadataBatch(1, 1, 1, records), format),
                1);
        MetadataImage restored = MetadataImage.EMPTY.apply(snapshot);

        // then everything but the histories is there, the brokers' metadata versions included
        assertThat(format).isEqualTo(1);
        assertThat(records).noneMatch(r -> r instanceof BrokerHistoryRecord
                || r instanceof io.cairn.metadata.record.PartitionHistoryRecord);
        assertThat(restored.brokers()).isEqualTo(image.brokers());
        assertThat(restored.topicsByName()).isEqualTo(image.topicsByName());
        assertThat(restored.brokers().get(1).supportedMetadataVersions()).isEqualTo(versions);
        assertThat(restored.brokers().get(2).metadataVersions()).isNull();
        assertThat(restored.history().partition(t, 0)).as("a format-1 snapshot's restated records (adr/0023)")
                .extracting(io.cairn.metadata.record.PartitionHistoryRecord::reason)
                .containsExactly(ChangeReason.UNKNOWN);
    }
}
