package io.cairn.metadata.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import io.cairn.metadata.Fixtures;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.PartitionImage;
import io.cairn.metadata.record.BrokerFencingChange;
import io.cairn.metadata.record.ChangeReason;
import io.cairn.metadata.record.ConfigRecord;
import io.cairn.metadata.record.MetadataRecord;
import io.cairn.metadata.record.PartitionChangeRecord;
import io.cairn.metadata.record.PartitionRecord;
import io.cairn.metadata.record.RegisterBrokerRecord;
import io.cairn.metadata.record.TopicRecord;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;

class ReplicationControlTest {

    private static final Uuid T = Uuid.fromString("AAAAAAAAAAAAAAAAAAAAAQ");
    private static final Uuid U = Uuid.fromString("AAAAAAAAAAAAAAAAAAAAAg");
    private static final ControllerSettings SETTINGS = ControllerSettings.defaults(1);

    /** Brokers 1..3; topic t: p0 [1,2,3] led by 1, p1 [2,3,1] led by 2, p2 [1] led by 1. */
    private static MetadataImage cluster() {
        return Fixtures.applyAll(Fixtures.withBrokers(3), List.of(
                new TopicRecord("t", T),
                new PartitionRecord(T, 0, List.of(1, 2, 3), List.of(1, 2, 3), 1, 0, 0),
                new PartitionRecord(T, 1, List.of(2, 3, 1), List.of(2, 3, 1), 2, 0, 0),
                new PartitionRecord(T, 2, List.of(1), List.of(1), 1, 0, 0)));
    }

    private static PartitionImage partition(MetadataImage image, int p) {
        return image.topic("t").orElseThrow().partitions().get(p);
    }

    @Test
    void fencingIsOneBatchThatRemovesTheBrokerFromEveryIsrAndElectsFromTheRest() {
        // given
        MetadataImage image = cluster();
        // when
        List<MetadataRecord> records = ReplicationControl.fenceBroker(image, SETTINGS, 1, ChangeReason.LEASE_EXPIRED);
        MetadataImage after = Fixtures.applyAll(image, records);
        // then
        assertThat(records.get(0)).isEqualTo(new BrokerFencingChange(1, 1, true, ChangeReason.LEASE_EXPIRED));
        assertThat(records).as("every change of the batch says why").allSatisfy(r ->
                assertThat(((io.cairn.metadata.record.DecisionRecord) r).reason()).isEqualTo(ChangeReason.LEASE_EXPIRED));
        assertThat(after.brokers().get(1).fenced()).isTrue();
        PartitionImage p0 = partition(after, 0);
        assertThat(p0.leader()).isEqualTo(2);
        assertThat(p0.isr()).containsExactly(2, 3);
        assertThat(p0.leaderEpoch()).isEqualTo(1);
        assertThat(p0.partitionEpoch()).isEqualTo(1);
        PartitionImage p1 = partition(after, 1);
        assertThat(p1.leader()).isEqualTo(2);
        assertThat(p1.leaderEpoch()).as("a follower leaving does not change the leader epoch").isZero();
        assertThat(p1.isr()).containsExactly(2, 3);
        PartitionImage p2 = partition(after, 2);
        assertThat(p2.leader()).as("no other ISR member: offline").isEqualTo(-1);
        assertThat(p2.isr()).as("the last ISR member keeps its claim").containsExactly(1);
        assertThat(ReplicationControl.offlineReason(after, p2)).hasValueSatisfying(r -> assertThat(r)
                .contains("1 fenced"));
    }

    @Test
    void unfencingReelectsTheOfflinePartitionsItIsInTheIsrOf() {
        // given broker 1 fenced
        MetadataImage fenced = Fixtures.applyAll(cluster(), ReplicationControl.fenceBroker(cluster(), SETTINGS, 1, ChangeReason.LEASE_EXPIRED));
        // when
        List<MetadataRecord> records = ReplicationControl.unfenceBroker(fenced, SETTINGS, 1);
        MetadataImage after = Fixtures.applyAll(fenced, records);
        // then: p2 is back; p0 keeps its new leader (no election for a healthy partition)
        assertThat(partition(after, 2).leader()).isEqualTo(1);
        assertThat(partition(after, 0).leader()).isEqualTo(2);
        assertThat(records).hasSize(2);
    }

    @Test
    void healthyIdleClusterNeedsNoRecords() {
        // given
        MetadataImage image = cluster();
        // then
        assertThat(ReplicationControl.reconcile(image, SETTINGS).records()).isEmpty();
        assertThat(ReplicationControl.reconcile(image, SETTINGS).offline()).isEmpty();
        assertThat(ReplicationControl.rebalance(image)).isEmpty();
        assertThat(ReplicationControl.fenceBroker(Fixtures.applyAll(image,
                List.of(new BrokerFencingChange(3, 1, true))), SETTINGS, 3, ChangeReason.LEASE_EXPIRED)).as("already fenced").isEmpty();
    }

    @Test
    void reconciliationRepairsLeadersOnBrokersThatNeverRegistered() {
        // given the stale state from the field: leaders on node ids that no longer exist
        MetadataImage image = Fixtures.applyAll(Fixtures.withBrokers(2), List.of(
                new TopicRecord("t", T),
                new PartitionRecord(T, 0, List.of(7, 1), List.of(7, 1), 7, 3, 5),
                new PartitionRecord(T, 1, List.of(7, 8), List.of(7, 8), 7, 3, 5),
                new PartitionRecord(T, 2, List.of(2, 1), List.of(2, 1), 2, 0, 0)));
        // when
        ReplicationControl.Reconciliation r = ReplicationControl.reconcile(image, SETTINGS);
        MetadataImage after = Fixtures.applyAll(image, r.records());
        // then
        assertThat(partition(after, 0).leader()).isEqualTo(1);
        assertThat(partition(after, 0).isr()).containsExactly(1);
        assertThat(partition(after, 0).leaderEpoch()).isEqualTo(4);
        assertThat(partition(after, 1).leader()).isEqualTo(-1);
        assertThat(r.offline()).containsOnlyKeys("t-1");
        assertThat(r.offline().get("t-1")).contains("7 never registered", "8 never registered");
        assertThat(partition(after, 2)).isEqualTo(partition(image, 2));
        assertThat(ReplicationControl.reconcile(after, SETTINGS).records()).as("idempotent").isEmpty();
    }

    @Test
    void uncleanElectionOnlyWhereTheTopicEnablesIt() {
        // given two topics whose only ISR member (broker 1) is fenced; broker 2 is a live replica of both
        MetadataImage image = Fixtures.applyAll(Fixtures.withBrokers(2), List.of(
                new TopicRecord("t", T),
                new PartitionRecord(T, 0, List.of(1, 2), List.of(1), 1, 0, 0),
                new TopicRecord("u", U),
                new ConfigRecord(ConfigRecord.ResourceType.TOPIC, "u", "unclean.leader.election.enable", "true"),
                new PartitionRecord(U, 0, List.of(1, 2), List.of(1), 1, 0, 0)));
        // when
        MetadataImage after = Fixtures.applyAll(image, ReplicationControl.fenceBroker(image, SETTINGS, 1, ChangeReason.LEASE_EXPIRED));
        // then
        assertThat(partition(after, 0).leader()).isEqualTo(-1);
        PartitionImage u0 = after.topic("u").orElseThrow().partitions().get(0);
        assertThat(u0.leader()).isEqualTo(2);
        assertThat(u0.isr()).containsExactly(2);
    }

    @Test
    void rebalanceMovesLeadershipBackToLivePreferredReplicasInTheIsr() {
        // given broker 1 was fenced and is back, in the ISR of p0 again (a leader expanded it)
        MetadataImage image = Fixtures.applyAll(cluster(), List.of(
                new PartitionChangeRecord(T, 0, 0, 2, List.of(2, 3, 1), null),
                new PartitionChangeRecord(T, 1, 0, 3, List.of(3), null)));
        // when
        List<MetadataRecord> moves = ReplicationControl.rebalance(image);
        MetadataImage after = Fixtures.applyAll(image, moves);
        // then: p0 back to 1; p1's preferred replica (2) is not in its ISR, so it stays
        assertThat(partition(after, 0).leader()).isEqualTo(1);
        assertThat(partition(after, 1).leader()).isEqualTo(3);
        assertThat(moves).hasSize(1);
        assertThat(ReplicationControl.rebalance(after)).isEmpty();
    }

    @Test
    void everyLeadershipPathSaysWhyInTheRecordsItWrites() {
        // given broker 1 fenced by lease expiry: t-0 led by 2, t-2 offline
        MetadataImage fenced = Fixtures.applyAll(cluster(),
                ReplicationControl.fenceBroker(cluster(), SETTINGS, 1, ChangeReason.LEASE_EXPIRED));
        // when it registers again (a new incarnation), and is then unfenced
        RegisterBrokerRecord again = new RegisterBrokerRecord(1, "localhost", 9091, null, 2, true,
                ChangeReason.BROKER_REGISTERED, -1);
        MetadataImage registered = fenced.apply(fenced.offset() + 1, again);
        assertThat(ReplicationControl.afterRegistration(registered, SETTINGS, 1)).as("it leads nothing").isEmpty();
        List<MetadataRecord> unfence = ReplicationControl.unfenceBroker(registered, SETTINGS, 1);
        MetadataImage unfenced = Fixtures.applyAll(registered, unfence);
        // then
        assertThat(reasons(unfence)).containsOnly(ChangeReason.BROKER_UNFENCED).hasSize(2);
        assertThat(unfenced.history().partition(T, 2)).extracting(h -> h.reason()).containsExactly(
                ChangeReason.LEASE_EXPIRED, ChangeReason.BROKER_UNFENCED);
        // when broker 1 rejoins t-0's ISR, the rebalance moves leadership back
        MetadataImage rejoined = Fixtures.applyAll(unfenced, List.of(new PartitionChangeRecord(T, 0,
                partition(unfenced, 0).partitionEpoch(), PartitionChangeRecord.NO_CHANGE, List.of(2, 3, 1), null,
                ChangeReason.ISR_EXPAND)));
        assertThat(reasons(ReplicationControl.rebalance(rejoined))).containsExactly(ChangeReason.AUTO_LEADER_REBALANCE);
        // when broker 2 reports t-1 offline, the leadership of t-1 moves away for that reason
        OfflineReplicas report = OfflineReplicas.of(java.util.Map.of(2, java.util.Set.of(
                new io.cairn.metadata.PartitionId(T, 1))), java.util.Set.of());
        assertThat(reasons(ReplicationControl.afterOfflineReport(rejoined, SETTINGS, report, 2)))
                .containsExactly(ChangeReason.OFFLINE_REPORT);
        // when a new controller finds a leader that is fenced
        MetadataImage stale = Fixtures.applyAll(cluster(), List.of(new BrokerFencingChange(2, 1, true)));
        assertThat(reasons(ReplicationControl.reconcile(stale, SETTINGS).records()))
                .containsOnly(ChangeReason.CONTROLLER_RECONCILE).isNotEmpty();
    }

    private static List<ChangeReason> reasons(List<MetadataRecord> records) {
        return records.stream().map(r -> ((io.cairn.metadata.record.DecisionRecord) r).reason()).toList();
    }
}
