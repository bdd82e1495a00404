package io.cairn.metadata.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;

class MetadataRecordSerdeTest {

    private static final Uuid ID = Uuid.randomUuid();

    static final List<MetadataRecord> ONE_OF_EACH = List.of(
            new ClusterIdRecord("c1", (short) 1),
            new DelegationTokenRecord("tok", "User:a", "User:b", List.of("User:c"), 1, 3, 2),
            new RemoveDelegationTokenRecord("tok"),
            new RegisterBrokerRecord(1, "host", 9092, "rack-a", 4, false),
            new RegisterBrokerRecord(2, "host", 9093, null, 1, true),
            new RegisterBrokerRecord(3, "h3", 9092, null, 2, true, List.of(
                    new RegisterBrokerRecord.Endpoint("PLAINTEXT", "h3", 9092),
                    new RegisterBrokerRecord.Endpoint("SASL_SSL", "public.h3", 9094))),
            new BrokerFencingChange(1, 4, true),
            new TopicRecord("orders", ID),
            new PartitionRecord(ID, 0, List.of(1, 2), List.of(1), 1, 0, 0),
            new PartitionChangeRecord(ID, 0, 0, PartitionChangeRecord.NO_CHANGE, List.of(1, 2), null),
            new RemoveTopicRecord(ID),
            new ConfigRecord(ConfigRecord.ResourceType.TOPIC, "orders", "retention.ms", "1000"),
            new ConfigRecord(ConfigRecord.ResourceType.BROKER, "", "log.retention.ms", null),
            new ProducerIdsRecord(1, 1000),
            new FeatureLevelRecord((short) 2),
            new PartitionRecord(ID, 1, List.of(3, 1), List.of(1), 1, 2, 4, List.of(3), List.of(1)),
            new PartitionReassignmentRecord(ID, 1, 4, List.of(3, 1), null, PartitionChangeRecord.NO_CHANGE,
                    List.of(3), List.of(1)),
            new PartitionReassignmentRecord(ID, 1, 5, List.of(3), List.of(3), 3, List.of(), List.of()),
            new UserScramCredentialRecord("alice", "SCRAM-SHA-256", new byte[] {1, 2}, new byte[] {3},
                    new byte[] {4, 5, 6}, 8192),
            new RemoveUserScramCredentialRecord("alice", "SCRAM-SHA-512"),
            ClientQuotaRecord.set(java.util.Map.of("user", "alice", "client-id", "app"), "producer_byte_rate", 1024),
            new AccessControlEntryRecord(ID, (byte) 2, "orders-", (byte) 4, "User:alice", "*", (byte) 3, (byte) 3),
            new RemoveAccessControlEntryRecord(ID),
            new RegisterBrokerRecord(3, "host", 9094, null, 2, true, ChangeReason.BROKER_REGISTERED, 1_700_000_000_000L),
            new BrokerFencingChange(3, 2, true, ChangeReason.LEASE_EXPIRED, 1_700_000_001_000L),
            new PartitionRecord(ID, 2, List.of(1), List.of(1), 1, 0, 0, List.of(), List.of(), ChangeReason.CREATED, 5),
            new PartitionChangeRecord(ID, 2, 0, 2, List.of(2), null, ChangeReason.CONTROLLED_SHUTDOWN, 6),
            new PartitionReassignmentRecord(ID, 2, 1, List.of(2), List.of(2), 2, List.of(), List.of(),
                    ChangeReason.REASSIGNMENT_COMPLETED, 7),
            new PartitionHistoryRecord(ID, 2, 3, 40, 5, 2, 1_700_000_000_000L, ChangeReason.LEASE_EXPIRED, 2, 1, 3,
                    List.of(2), List.of(1, 2), List.of(), List.of()),
            new BrokerHistoryRecord(3, 1, 41, 5, 2, 8, ChangeReason.BROKER_REGISTERED,
                    BrokerHistoryRecord.Event.REGISTERED, 2, "host:9094"),
            new BrokerHistoryRecord(3, 2, 42, 5, 2, 9, ChangeReason.CONTROLLED_SHUTDOWN,
                    BrokerHistoryRecord.Event.FENCED, 2, null));

    @Test
    void delegationTokensEncodeTheirPrincipalsAndTimesNeverAnHmac() {
        // given
        DelegationTokenRecord token = new DelegationTokenRecord("tok-1", "User:alice", "User:bob",
                List.of("User:carol", "User:dave"), 1000, 3000, 2000);
        String encoded = "{\"type\":\"DelegationToken\",\"tokenId\":\"tok-1\",\"owner\":\"User:alice\","
                + "\"requester\":\"User:bob\",\"renewers\":[\"User:carol\",\"User:dave\"],\"issueTimestamp\":1000,"
                + "\"maxTimestamp\":3000,\"expiryTimestamp\":2000}";

        // when / then
        assertThat(new String(MetadataRecordSerde.serializeRecord(token), StandardCharsets.UTF_8)).isEqualTo(encoded);
        assertThat(MetadataRecordSerde.deserializeRecord(encoded.getBytes(StandardCharsets.UTF_8))).isEqualTo(token);
        assertThat(MetadataRecordSerde.deserializeRecord(MetadataRecordSerde.serializeRecord(
                new RemoveDelegationTokenRecord("tok-1")))).isEqualTo(new RemoveDelegationTokenRecord("tok-1"));
    }

    @Test
    void scramCredentialsEncodeTheirBytesInBase64AndNeverPrintThem() {
        // given
        UserScramCredentialRecord record = new UserScramCredentialRecord("alice", "SCRAM-SHA-256",
                new byte[] {1, 2, 3}, new byte[] {-1}, new byte[] {0}, 4096);
        String encoded = "{\"type\":\"UserScramCredential\",\"name\":\"alice\",\"mechanism\":\"SCRAM-SHA-256\","
                + "\"salt\":\"AQID\",\"storedKey\":\"/w==\",\"serverKey\":\"AA==\",\"iterations\":4096}";

        // when / then
        assertThat(new String(MetadataRecordSerde.serializeRecord(record), StandardCharsets.UTF_8))
                .isEqualTo(encoded);
        assertThat(MetadataRecordSerde.deserializeRecord(encoded.getBytes(StandardCharsets.UTF_8))).isEqualTo(record);
        assertThat(new String(MetadataRecordSerde.serializeRecord(new RemoveUserScramCredentialRecord("alice",
                "SCRAM-SHA-512")), StandardCharsets.UTF_8)).isEqualTo(
                "{\"type\":\"RemoveUserScramCredential\",\"name\":\"alice\",\"mechanism\":\"SCRAM-SHA-512\"}");
        assertThat(record.toString()).doesNotContain("AQID").doesNotContain("[B");
        assertThatThrownBy(() -> MetadataRecordSerde.deserializeRecord(encoded.replace("AQID", "not base64!")
                .getBytes(StandardCharsets.UTF_8))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void clientQuotasKeepDefaultEntitiesAndFractionalValues() {
        // given: the default client id of user alice, a request percentage of 12.5
        java.util.Map<String, String> entity = new java.util.HashMap<>();
        entity.put("user", "alice");
        entity.put("client-id", null);
        ClientQuotaRecord record = ClientQuotaRecord.set(entity, "request_percentage", 12.5);
        String encoded = "{\"type\":\"ClientQuota\",\"entity\":[\"client-id\",null,\"user\",\"alice\"],"
                + "\"key\":\"request_percentage\",\"value\":12.5,\"remove\":false}";

        // when / then
        assertThat(new String(MetadataRecordSerde.serializeRecord(record), StandardCharsets.UTF_8))
                .isEqualTo(encoded);
        assertThat(MetadataRecordSerde.deserializeRecord(encoded.getBytes(StandardCharsets.UTF_8))).isEqualTo(record);
        assertThat(MetadataRecordSerde.deserializeRecord(MetadataRecordSerde.serializeRecord(
                ClientQuotaRecord.remove(entity, "request_percentage")))).isEqualTo(
                ClientQuotaRecord.remove(entity, "request_percentage"));
        assertThatThrownBy(() -> MetadataRecordSerde.deserializeRecord(encoded.replace(",null,", ",")
                .getBytes(StandardCharsets.UTF_8))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void everyRecordTypeRoundTrips() {
        // given
        List<Class<?>> types = new java.util.ArrayList<>();
        for (Class<?> type : MetadataRecord.class.getPermittedSubclasses()) {
            types.addAll(type.isInterface() ? List.of(type.getPermittedSubclasses()) : List.of(type));
        }
        assertThat(ONE_OF_EACH).extracting(Object::getClass).containsAll(types);
        for (MetadataRecord record : ONE_OF_EACH) {
            // when
            MetadataRecord decoded = MetadataRecordSerde.deserializeRecord(MetadataRecordSerde.serializeRecord(record));
            // then
            assertThat(decoded).isEqualTo(record);
        }
    }

    @Test
    void batchKeepsTermLeaderAndRecordsAndIsDeterministic() {
        // given
        MetadataBatch batch = new MetadataBatch(7, 3, 2, ONE_OF_EACH);
        // when
        byte[] bytes = MetadataRecordSerde.serialize(batch);
        MetadataBatch decoded = MetadataRecordSerde.deserialize(7, bytes);
        // then
        assertThat(decoded).isEqualTo(batch);
        assertThat(MetadataRecordSerde.serialize(decoded)).isEqualTo(bytes);
        assertThat(new String(bytes, StandardCharsets.UTF_8)).startsWith("{\"v\":2,\"term\":3,\"leader\":2,")
                .contains("\"type\":\"Topic\"");
    }

    @Test
    void aPartitionWithoutReassignmentEncodesAsBefore() {
        String json = new String(MetadataRecordSerde.serializeRecord(
                new PartitionRecord(ID, 0, List.of(1, 2), List.of(1), 1, 0, 0)), StandardCharsets.UTF_8);
        assertThat(json).doesNotContain("addingReplicas").doesNotContain("removingReplicas");
        String old = "{\"type\":\"Partition\",\"topicId\":\"" + ID + "\",\"partition\":0,\"replicas\":[1,2],"
                + "\"isr\":[1],\"leader\":1,\"leaderEpoch\":0,\"partitionEpoch\":0}";
        assertThat(MetadataRecordSerde.deserializeRecord(old.getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(new PartitionRecord(ID, 0, List.of(1, 2), List.of(1), 1, 0, 0));
    }

    /** The on-disk encoding, byte for byte (these strings were written by the former Jackson-databind serde). */
    @Test
    void theEncodingIsPinned() {
        Uuid id = new Uuid(0x1234567890abcdefL, 0x0fedcba987654321L);
        List<MetadataRecord> records = List.of(
                new ClusterIdRecord("c1", (short) 1),
                new RegisterBrokerRecord(1, "host", 9092, "rack-a", 4, false),
                new RegisterBrokerRecord(2, "h\u00f4st\"\n", 9093, null, 1, true),
                new BrokerFencingChange(1, 4, true),
                new TopicRecord("orders", id),
                new PartitionRecord(id, 0, List.of(1, 2), List.of(1), 1, 0, 0),
                new PartitionChangeRecord(id, 0, 0, PartitionChangeRecord.NO_CHANGE, List.of(1, 2), null),
                new RemoveTopicRecord(id),
                new ConfigRecord(ConfigRecord.ResourceType.TOPIC, "orders", "retention.ms", "1000"),
                new ConfigRecord(ConfigRecord.ResourceType.BROKER, "", "log.retention.ms", null),
                new ProducerIdsRecord(1, 1000),
                new ProducerIdsRecord(1, Long.MAX_VALUE),
                new FeatureLevelRecord((short) 2),
                new PartitionRecord(id, 1, List.of(3, 1), List.of(1), 1, 2, 4, List.of(3), List.of(1)),
                new PartitionReassignmentRecord(id, 1, 4, List.of(3, 1), null, PartitionChangeRecord.NO_CHANGE,
                        List.of(3), List.of(1)),
                new PartitionReassignmentRecord(id, 1, 5, List.of(3), List.of(3), 3, List.of(), List.of()));
        List<String> encoded = List.of(
                "{\"type\":\"ClusterId\",\"clusterId\":\"c1\",\"metadataFormatFeatureLevel\":1}",
                "{\"type\":\"RegisterBroker\",\"brokerId\":1,\"host\":\"host\",\"port\":9092,\"rack\":\"rack-a\",\"brokerEpoch\":4,\"fenced\":false}",
                "{\"type\":\"RegisterBroker\",\"brokerId\":2,\"host\":\"h\u00f4st\\\"\\n\",\"port\":9093,\"rack\":null,\"brokerEpoch\":1,\"fenced\":true}",
                "{\"type\":\"BrokerFencingChange\",\"brokerId\":1,\"brokerEpoch\":4,\"fenced\":true}",
                "{\"type\":\"Topic\",\"name\":\"orders\",\"topicId\":\"EjRWeJCrze8P7cuph2VDIQ\"}",
                "{\"type\":\"Partition\",\"topicId\":\"EjRWeJCrze8P7cuph2VDIQ\",\"partition\":0,\"replicas\":[1,2],\"isr\":[1],\"leader\":1,\"leaderEpoch\":0,\"partitionEpoch\":0}",
                "{\"type\":\"PartitionChange\",\"topicId\":\"EjRWeJCrze8P7cuph2VDIQ\",\"partition\":0,\"partitionEpoch\":0,\"leader\":-2,\"isr\":[1,2],\"replicas\":null}",
                "{\"type\":\"RemoveTopic\",\"topicId\":\"EjRWeJCrze8P7cuph2VDIQ\"}",
                "{\"type\":\"Config\",\"resourceType\":\"TOPIC\",\"resourceName\":\"orders\",\"key\":\"retention.ms\",\"value\":\"1000\"}",
                "{\"type\":\"Config\",\"resourceType\":\"BROKER\",\"resourceName\":\"\",\"key\":\"log.retention.ms\",\"value\":null}",
                "{\"type\":\"ProducerIds\",\"brokerId\":1,\"nextProducerId\":1000}",
                "{\"type\":\"ProducerIds\",\"brokerId\":1,\"nextProducerId\":9223372036854775807}",
                "{\"type\":\"FeatureLevel\",\"metadataFormatFeatureLevel\":2}",
                "{\"type\":\"Partition\",\"topicId\":\"EjRWeJCrze8P7cuph2VDIQ\",\"partition\":1,\"replicas\":[3,1],\"isr\":[1],\"leader\":1,\"leaderEpoch\":2,\"partitionEpoch\":4,\"addingReplicas\":[3],\"removingReplicas\":[1]}",
                "{\"type\":\"PartitionReassignment\",\"topicId\":\"EjRWeJCrze8P7cuph2VDIQ\",\"partition\":1,\"partitionEpoch\":4,\"replicas\":[3,1],\"isr\":null,\"leader\":-2,\"addingReplicas\":[3],\"removingReplicas\":[1]}",
                "{\"type\":\"PartitionReassignment\",\"topicId\":\"EjRWeJCrze8P7cuph2VDIQ\",\"partition\":1,\"partitionEpoch\":5,\"replicas\":[3],\"isr\":[3],\"leader\":3,\"addingReplicas\":[],\"removingReplicas\":[]}");
        for (int i = 0; i < records.size(); i++) {
            assertThat(new String(MetadataRecordSerde.serializeRecord(records.get(i)), StandardCharsets.UTF_8))
                    .isEqualTo(encoded.get(i));
            assertThat(MetadataRecordSerde.deserializeRecord(encoded.get(i).getBytes(StandardCharsets.UTF_8)))
                    .isEqualTo(records.get(i));
        }
        String batch = "{\"v\":2,\"term\":3,\"leader\":-1,\"records\":[" + String.join(",", encoded) + "]}";
        assertThat(new String(MetadataRecordSerde.serialize(new MetadataBatch(7, 3, -1, records)),
                StandardCharsets.UTF_8)).isEqualTo(batch);
        assertThat(MetadataRecordSerde.deserialize(7, batch.getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(new MetadataBatch(7, 3, -1, records));
    }

    /** Format 2: a decision says why and when, after the record's other fields. */
    @Test
    void decisionsCarryTheirReasonAndTime() {
        // given
        BrokerFencingChange fenced = new BrokerFencingChange(1, 4, true, ChangeReason.LEASE_EXPIRED, 1_700_000_000_000L);
        String encoded = "{\"type\":\"BrokerFencingChange\",\"brokerId\":1,\"brokerEpoch\":4,\"fenced\":true,"
                + "\"reason\":\"LEASE_EXPIRED\",\"time\":1700000000000}";
        // then
        assertThat(new String(MetadataRecordSerde.serializeRecord(fenced), StandardCharsets.UTF_8)).isEqualTo(encoded);
        assertThat(MetadataRecordSerde.deserializeRecord(encoded.getBytes(StandardCharsets.UTF_8))).isEqualTo(fenced);
        assertThat(MetadataRecordSerde.deserializeRecord(encoded.replace("LEASE_EXPIRED", "SOME_FUTURE_REASON")
                .getBytes(StandardCharsets.UTF_8))).as("a reason this node does not know")
                .isEqualTo(new BrokerFencingChange(1, 4, true, ChangeReason.UNKNOWN, 1_700_000_000_000L));
    }

    /** A batch written by format 1 is read; its decisions say that their reason is unknown. */
    @Test
    void formatOneBatchesAreReadWithUnknownReasons() {
        // given: a format-1 batch, as the previous release wrote it
        String batch = "{\"v\":1,\"term\":3,\"leader\":2,\"records\":["
                + "{\"type\":\"Topic\",\"name\":\"orders\",\"topicId\":\"EjRWeJCrze8P7cuph2VDIQ\"},"
                + "{\"type\":\"Partition\",\"topicId\":\"EjRWeJCrze8P7cuph2VDIQ\",\"partition\":0,\"replicas\":[1,2],"
                + "\"isr\":[1],\"leader\":1,\"leaderEpoch\":0,\"partitionEpoch\":0},"
                + "{\"type\":\"BrokerFencingChange\",\"brokerId\":1,\"brokerEpoch\":4,\"fenced\":true},"
                + "{\"type\":\"PartitionChange\",\"topicId\":\"EjRWeJCrze8P7cuph2VDIQ\",\"partition\":0,"
                + "\"partitionEpoch\":0,\"leader\":2,\"isr\":[2],\"replicas\":null}]}";
        Uuid id = new Uuid(0x1234567890abcdefL, 0x0fedcba987654321L);
        // when
        MetadataBatch read = MetadataRecordSerde.deserialize(7, batch.getBytes(StandardCharsets.UTF_8));
        // then
        assertThat(read.records()).containsExactly(
                new TopicRecord("orders", id),
                new PartitionRecord(id, 0, List.of(1, 2), List.of(1), 1, 0, 0, List.of(), List.of(),
                        ChangeReason.UNKNOWN, -1),
                new BrokerFencingChange(1, 4, true, ChangeReason.UNKNOWN, -1),
                new PartitionChangeRecord(id, 0, 0, 2, List.of(2), null, ChangeReason.UNKNOWN, -1));
        assertThat(ChangeReason.UNKNOWN.description()).isEqualTo("unknown: written before format 2");
        assertThat(new String(MetadataRecordSerde.serialize(read), StandardCharsets.UTF_8))
                .as("written back as format 2").startsWith("{\"v\":2,");
    }

    @Test
    void readersIgnoreUnknownFieldsAndTakeFieldsInAnyOrder() {
        String json = "{\"topicId\":\"" + ID + "\",\"future\":{\"a\":[1,{\"b\":2}]},\"name\":\"t\","
                + "\"type\":\"Topic\"}";
        assertThat(MetadataRecordSerde.deserializeRecord(json.getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(new TopicRecord("t", ID));
        String batch = "{\"v\":1,\"extra\":[1,2],\"term\":2,\"leader\":1,\"records\":[" + json + "]}";
        assertThat(MetadataRecordSerde.deserialize(5, batch.getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(new MetadataBatch(5, 2, 1, List.of(new TopicRecord("t", ID))));
    }

    @Test
    void aRegistrationWithEndpointsReadsBackAndOneWithoutHasNone() {
        // given: a registration as a node with two listeners writes it, and one as nodes before endpoints wrote it
        RegisterBrokerRecord withEndpoints = new RegisterBrokerRecord(3, "h3", 9092, null, 2, true, List.of(
                new RegisterBrokerRecord.Endpoint("PLAINTEXT", "h3", 9092),
                new RegisterBrokerRecord.Endpoint("SSL", "h3", 9093)));
        String old = "{\"type\":\"RegisterBroker\",\"brokerId\":1,\"host\":\"host\",\"port\":9092,\"rack\":null,"
                + "\"brokerEpoch\":4,\"fenced\":false}";
        // when
        MetadataRecord roundTripped = MetadataRecordSerde.deserializeRecord(
                MetadataRecordSerde.serializeRecord(withEndpoints));
        MetadataRecord fromOld = MetadataRecordSerde.deserializeRecord(old.getBytes(StandardCharsets.UTF_8));
        // then
        assertThat(roundTripped).isEqualTo(withEndpoints);
        assertThat(fromOld).isEqualTo(new RegisterBrokerRecord(1, "host", 9092, null, 4, false));
        assertThat(((RegisterBrokerRecord) fromOld).endpoints()).isEmpty();
        // and: an endpoint without its listener's name is refused, not half read
        String bad = "{\"type\":\"RegisterBroker\",\"brokerId\":1,\"host\":\"h\",\"port\":1,\"brokerEpoch\":1,"
                + "\"fenced\":true,\"endpoints\":[{\"host\":\"h\",\"port\":1}]}";
        assertThatThrownBy(() -> MetadataRecordSerde.deserializeRecord(bad.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void malformedInputIsRefused() {
        for (String bad : List.of("{\"type\":\"NoSuchType\"}", "{\"name\":\"t\"}", "[1]",
                "{\"type\":\"Topic\",\"name\":\"t\"}", "{\"type\":\"Partition\",\"topicId\":\"" + ID
                        + "\",\"replicas\":[\"x\"],\"isr\":[]}", "{\"type\":")) {
            assertThatThrownBy(() -> MetadataRecordSerde.deserializeRecord(bad.getBytes(StandardCharsets.UTF_8)))
                    .as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> MetadataRecordSerde.deserialize(3, "{\"v\":1,\"term\":1}".getBytes(
                StandardCharsets.UTF_8))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("offset 3");
    }

    @Test
    void newerFormatVersionIsRefused() {
        // given
        byte[] bytes = "{\"v\":99,\"term\":1,\"leader\":1,\"records\":[]}".getBytes(StandardCharsets.UTF_8);
        // then
        assertThatThrownBy(() -> MetadataRecordSerde.deserialize(0, bytes))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("version 99");
    }

    @Test
    void formatOneIsWrittenWithoutReasonsAndReadByANodeThatReadsOnlyIt() {
        // given a decision and a registration naming its metadata versions (docs/adr/0028)
        MetadataFormat.Range versions = new MetadataFormat.Range((short) 1, (short) 3);
        MetadataBatch batch = new MetadataBatch(5, 2, 1, List.of(
                new BrokerFencingChange(1, 4, true, ChangeReason.LEASE_EXPIRED, 1_700_000_000_000L),
                new RegisterBrokerRecord(2, "h", 9092, null, 3, true, ChangeReason.BROKER_REGISTERED, 7, List.of(),
                        versions)));
        // when written in format 1 and read by a node capped at format 1
        byte[] bytes = MetadataRecordSerde.serialize(batch, 1);
        MetadataBatch read = MetadataRecordSerde.deserialize(5, bytes, 1);
        // then no reason nor time is written; the optional metadata versions are (older readers ignore them)
        String json = new String(bytes, StandardCharsets.UTF_8);
        assertThat(json).startsWith("{\"v\":1,").doesNotContain("reason").doesNotContain("\"time\"")
                .contains("\"metadataVersions\":[1,3]");
        assertThat(read.records().get(0)).isEqualTo(new BrokerFencingChange(1, 4, true, ChangeReason.UNKNOWN, -1));
        assertThat(((RegisterBrokerRecord) read.records().get(1)).metadataVersions()).isEqualTo(versions);
        // and a format-2 batch is refused by that node as the previous release refuses it
        assertThatThrownBy(() -> MetadataRecordSerde.deserialize(5, MetadataRecordSerde.serialize(batch), 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unsupported metadata batch format version 2 (this node reads up to 1)");
        // and format 1 has no history records
        assertThatThrownBy(() -> MetadataRecordSerde.serialize(new MetadataBatch(5, 2, 1, List.of(
                new BrokerHistoryRecord(1, 1, 0, 1, 1, 5, ChangeReason.BROKER_REGISTERED,
                        BrokerHistoryRecord.Event.REGISTERED, 1, "h:1"))), 1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
