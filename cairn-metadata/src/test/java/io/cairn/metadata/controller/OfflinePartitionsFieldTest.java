package io.cairn.metadata.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;

import io.cairn.metadata.PartitionId;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.BrokerHeartbeatRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.protocol.types.RawTaggedField;
import org.junit.jupiter.api.Test;

class OfflinePartitionsFieldTest {

    private static final Uuid TOPIC_A = new Uuid(1, 2);
    private static final Uuid TOPIC_B = new Uuid(3, 4);

    private static BrokerHeartbeatRequestData overTheWire(BrokerHeartbeatRequestData request, short version) {
        ObjectSerializationCache cache = new ObjectSerializationCache();
        ByteBuffer buffer = ByteBuffer.allocate(request.size(cache, version));
        request.write(new ByteBufferAccessor(buffer), cache, version);
        buffer.flip();
        return new BrokerHeartbeatRequestData(new ByteBufferAccessor(buffer), version);
    }

    @Test
    void theReportCrossesTheWireAtEveryVersionBesideKafkasOwnFields() {
        for (short version = ApiKeys.BROKER_HEARTBEAT.oldestVersion();
             version <= ApiKeys.BROKER_HEARTBEAT.latestVersion(); version++) {
            // given a heartbeat with Kafka's tagged fields set where the version has them, and the report
            Set<PartitionId> offline = Set.of(new PartitionId(TOPIC_A, 0), new PartitionId(TOPIC_A, 300),
                    new PartitionId(TOPIC_B, 7));
            BrokerHeartbeatRequestData request = new BrokerHeartbeatRequestData().setBrokerId(2).setBrokerEpoch(9)
                    .setCurrentMetadataOffset(42);
            if (version >= 1) {
                request.setOfflineLogDirs(List.of(new Uuid(5, 6)));
            }
            OfflinePartitionsField.write(request, offline);

            // when it is serialised and read back (as forwarding and the controller's listener do)
            BrokerHeartbeatRequestData read = overTheWire(request, version);

            // then the report is intact, kept as an unknown tag (kafka-clients has no field of its own there)
            assertThat(OfflinePartitionsField.read(read)).as("version " + version).isEqualTo(offline);
            assertThat(read.unknownTaggedFields()).extracting(RawTaggedField::tag)
                    .containsExactly(OfflinePartitionsField.TAG);
            assertThat(read.brokerEpoch()).isEqualTo(9);
            assertThat(read.currentMetadataOffset()).isEqualTo(42);
            if (version >= 1) {
                assertThat(read.offlineLogDirs()).containsExactly(new Uuid(5, 6));
            }
        }
    }

    @Test
    void noFieldAndAnEmptyReportBothReportNothingAndWritingReplaces() {
        // given
        BrokerHeartbeatRequestData request = new BrokerHeartbeatRequestData();
        // then
        assertThat(OfflinePartitionsField.read(request)).isEmpty();
        // when written twice
        OfflinePartitionsField.write(request, Set.of(new PartitionId(TOPIC_A, 1)));
        OfflinePartitionsField.write(request, Set.of());
        // then the last report counts, once
        assertThat(request.unknownTaggedFields()).hasSize(1);
        assertThat(OfflinePartitionsField.read(overTheWire(request, (short) 0))).isEmpty();
    }

    @Test
    void aMalformedFieldIsRefused() {
        BrokerHeartbeatRequestData truncated = new BrokerHeartbeatRequestData();
        truncated.unknownTaggedFields().add(new RawTaggedField(OfflinePartitionsField.TAG, new byte[] {0, 1, 5}));
        BrokerHeartbeatRequestData future = new BrokerHeartbeatRequestData();
        future.unknownTaggedFields().add(new RawTaggedField(OfflinePartitionsField.TAG, new byte[] {9, 0}));

        assertThatThrownBy(() -> OfflinePartitionsField.read(truncated)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> OfflinePartitionsField.read(future)).isInstanceOf(IllegalArgumentException.class);
    }
}
