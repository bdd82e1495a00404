package io.cairn.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.record.AccessControlEntryRecord;
import io.cairn.metadata.record.ClientQuotaRecord;
import io.cairn.metadata.record.ClusterIdRecord;
import io.cairn.metadata.record.MetadataBatch;
import io.cairn.metadata.record.RegisterBrokerRecord;
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
                    (byte) 3))));

    @Test
    void aSnapshotKeepsTheScramCredentialsAndEveryListenerOfABroker() {
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
    }
}
