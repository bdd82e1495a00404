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
            new RegisterBrokerRecord(1, "host", 9092, "rack-a", 4, false),
            new RegisterBrokerRecord(2, "host", 9093, null, 1, true),
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
            new PartitionReassignmentRecord(ID, 1, 5, List.of(3), List.of(3), 3, List.of(), List.of()));

    @Test
    void everyRecordTypeRoundTrips() {
        // given
        assertThat(ONE_OF_EACH).extracting(Object::getClass).containsAll(
                List.of(MetadataRecord.class.getPermittedSubclasses()));
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
        assertThat(new String(bytes, StandardCharsets.UTF_8)).startsWith("{\"v\":1,\"term\":3,\"leader\":2,")
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

    @Test
    void newerFormatVersionIsRefused() {
        // given
        byte[] bytes = "{\"v\":99,\"term\":1,\"leader\":1,\"records\":[]}".getBytes(StandardCharsets.UTF_8);
        // then
        assertThatThrownBy(() -> MetadataRecordSerde.deserialize(0, bytes))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("version 99");
    }
}
