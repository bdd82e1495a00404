package io.cairn.metadata.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.PartitionImage;
import io.cairn.metadata.record.BrokerFencingChange;
import io.cairn.metadata.record.ChangeReason;
import io.cairn.metadata.record.DecisionRecord;
import io.cairn.metadata.record.MetadataBatch;
import io.cairn.metadata.record.PartitionChangeRecord;
import io.cairn.metadata.record.PartitionRecord;
import io.cairn.metadata.record.RegisterBrokerRecord;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.junit.jupiter.api.Test;

/**
 * Every decision path of the controller writes why it decided into its records, and when, on the controller's
 * clock (simulated time: 3 controllers, 3 brokers).
 */
class ControllerDecisionReasonTest {

    private final SimCluster cluster = new SimCluster(7, 3, 3, ControllerSettings.defaults(0), 0);

    private MetadataImage image() {
        return cluster.target().current();
    }

    private void startAll() {
        cluster.raft.elect(0);
        cluster.brokers.values().forEach(SimCluster.SimBroker::start);
        cluster.queue.advance(6000);
    }

    private PartitionImage createOnePartitionLedBy(int broker) {
        CreateTopicsRequestData request = new CreateTopicsRequestData();
        request.topics().add(new CreatableTopic().setName("t").setNumPartitions(3).setReplicationFactor((short) 3));
        cluster.target().createTopics(request);
        cluster.queue.advance(100);
        return image().topic("t").orElseThrow().partitions().values().stream().filter(p -> p.leader() == broker)
                .findFirst().orElseThrow();
    }

    /** The decision records committed from {@code fromOffset} on. */
    private List<DecisionRecord> decisionsSince(long fromOffset) {
        return cluster.raft.committed.stream().filter(b -> b.offset() >= fromOffset)
                .map(MetadataBatch::records).flatMap(List::stream)
                .filter(DecisionRecord.class::isInstance).map(DecisionRecord.class::cast).toList();
    }

    @Test
    void registrationCreationAndUnfencingSayWhyAndWhen() {
        // when
        startAll();
        long createdAt = cluster.queue.now();
        createOnePartitionLedBy(1);
        // then
        List<DecisionRecord> all = decisionsSince(0);
        assertThat(all).filteredOn(RegisterBrokerRecord.class::isInstance).hasSize(3)
                .allSatisfy(r -> assertThat(r.reason()).isEqualTo(ChangeReason.BROKER_REGISTERED));
        assertThat(all).filteredOn(r -> r instanceof BrokerFencingChange f && !f.fenced()).hasSize(3)
                .allSatisfy(r -> assertThat(r.reason()).isEqualTo(ChangeReason.BROKER_UNFENCED));
        assertThat(all).filteredOn(PartitionRecord.class::isInstance).hasSize(3).allSatisfy(r -> {
            assertThat(r.reason()).isEqualTo(ChangeReason.CREATED);
            assertThat(r.timeMs()).as("the controller's clock when it appended").isEqualTo(createdAt);
        });
    }

    @Test
    void leaseExpiryFencesAndMovesLeadershipForThatReason() {
        // given
        startAll();
        PartitionImage led = createOnePartitionLedBy(1);
        long from = cluster.raft.endOffset() + 1;
        // when broker 1 dies silently
        cluster.brokers.get(1).crash();
        cluster.queue.advance(12_000);
        // then
        List<DecisionRecord> decisions = decisionsSince(from);
        assertThat(decisions).filteredOn(BrokerFencingChange.class::isInstance).singleElement()
                .satisfies(r -> assertThat(r.reason()).isEqualTo(ChangeReason.LEASE_EXPIRED));
        assertThat(decisions).filteredOn(r -> r instanceof PartitionChangeRecord c
                && c.partition() == led.partition()).singleElement()
                .satisfies(r -> assertThat(r.reason()).isEqualTo(ChangeReason.LEASE_EXPIRED));
    }

    @Test
    void aClosedHeartbeatConnectionFencesForThatReason() {
        // given
        startAll();
        createOnePartitionLedBy(1);
        long from = cluster.raft.endOffset() + 1;
        // when broker 1 is killed and its connection seen closed
        cluster.brokers.get(1).crash();
        cluster.queue.advance(cluster.maxDelayMs);
        cluster.target().heartbeatConnectionClosed(1, cluster.brokers.get(1).epoch);
        cluster.queue.advance(cluster.settings.connectionClosedGraceMs() + 100);
        // then
        assertThat(decisionsSince(from)).isNotEmpty()
                .allSatisfy(r -> assertThat(r.reason()).isEqualTo(ChangeReason.CONNECTION_CLOSED));
    }

    @Test
    void controlledShutdownSaysSo() {
        // given
        startAll();
        createOnePartitionLedBy(2);
        long from = cluster.raft.endOffset() + 1;
        // when
        cluster.brokers.get(2).shutDownGracefully();
        cluster.queue.advance(2500);
        // then
        assertThat(decisionsSince(from)).hasSizeGreaterThan(1)
                .allSatisfy(r -> assertThat(r.reason()).isEqualTo(ChangeReason.CONTROLLED_SHUTDOWN));
    }
}
