package io.cairn.metadata.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import io.cairn.metadata.Fixtures;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.PartitionId;
import io.cairn.metadata.record.BrokerFencingChange;
import io.cairn.metadata.record.PartitionChangeRecord;
import io.cairn.metadata.record.PartitionRecord;
import io.cairn.metadata.record.RegisterBrokerRecord;
import io.cairn.metadata.record.TopicRecord;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;

/** Each invariant of {@link InvariantAudit} broken on purpose, and a healthy image that breaks none. */
class InvariantAuditTest {

    private static final Uuid TOPIC = Uuid.fromString("AAAAAAAAAAAAAAAAAAAAAQ");

    /** Brokers 1..3 and topic "t" with partition 0 on [1, 2, 3] as the record says. */
    private static MetadataImage withPartition(int leader, List<Integer> isr, int leaderEpoch, int partitionEpoch) {
        return Fixtures.applyAll(Fixtures.withBrokers(3), List.of(new TopicRecord("t", TOPIC),
                new PartitionRecord(TOPIC, 0, List.of(1, 2, 3), isr, leader, leaderEpoch, partitionEpoch)));
    }

    private static List<Invariant> broken(List<Violation> violations) {
        return violations.stream().map(Violation::invariant).toList();
    }

    @Test
    void aHealthyImageBreaksNothing() {
        // given
        MetadataImage before = withPartition(1, List.of(1, 2, 3), 0, 0);
        // when: an ordinary leader change
        MetadataImage after = Fixtures.applyAll(before,
                List.of(new PartitionChangeRecord(TOPIC, 0, 0, 2, List.of(2, 3), null)));
        // then
        assertThat(InvariantAudit.checkImage(MetadataImage.EMPTY, before)).isEmpty();
        assertThat(InvariantAudit.checkImage(before, after)).isEmpty();
        assertThat(InvariantAudit.checkLocalRoles(2, after, Map.of(new PartitionId(TOPIC, 0),
                new LocalRole(true, after.topic("t").orElseThrow().partitions().get(0).leaderEpoch())))).isEmpty();
        assertThat(InvariantAudit.checkCaughtUp(2, 10, 60, 50)).isEmpty();
    }

    @Test
    void anOfflinePartitionIsNoViolation() {
        // given: no leader, the ISR keeps its last member (what the controller writes for an offline partition)
        MetadataImage image = withPartition(-1, List.of(3), 4, 7);
        // then
        assertThat(InvariantAudit.checkImage(MetadataImage.EMPTY, image)).isEmpty();
    }

    @Test
    void aLeaderOutsideTheIsrIsReported() {
        // given
        MetadataImage image = withPartition(1, List.of(2, 3), 0, 0);
        // when
        List<Violation> violations = InvariantAudit.checkImage(MetadataImage.EMPTY, image);
        // then
        assertThat(broken(violations)).containsExactly(Invariant.LEADER_IN_ISR);
        assertThat(violations.get(0).subject()).isEqualTo("t-0");
        assertThat(violations.get(0).evidence()).contains("leader 1", "ISR [2, 3]");
    }

    @Test
    void aFencedLeaderIsReported() {
        // given: broker 1 is fenced by a record that (wrongly) leaves its leadership in place
        MetadataImage before = withPartition(1, List.of(1, 2), 0, 0);
        MetadataImage after = Fixtures.applyAll(before, List.of(new BrokerFencingChange(1, 1, true)));
        // when
        List<Violation> violations = InvariantAudit.checkImage(before, after);
        // then
        assertThat(broken(violations)).containsExactly(Invariant.LEADER_LIVE);
        assertThat(violations.get(0).evidence()).contains("fenced");
    }

    @Test
    void anUnregisteredLeaderIsReported() {
        // when
        List<Violation> violations = InvariantAudit.checkImage(MetadataImage.EMPTY,
                withPartition(9, List.of(9, 1), 0, 0));
        // then
        assertThat(broken(violations)).containsExactly(Invariant.LEADER_LIVE);
        assertThat(violations.get(0).evidence()).contains("not a registered broker");
    }

    @Test
    void aPartitionEpochGoingBackIsReported() {
        // given: two images of the same partition, the later with lower epochs
        MetadataImage before = withPartition(1, List.of(1, 2), 5, 9);
        MetadataImage after = withPartition(1, List.of(1, 2), 3, 9);
        // when
        List<Violation> violations = InvariantAudit.checkImage(before, after);
        // then
        assertThat(broken(violations)).containsExactly(Invariant.EPOCHS_GROW);
        assertThat(violations.get(0).evidence()).contains("leader epoch 5 -> 3");
        assertThat(broken(InvariantAudit.checkImage(withPartition(1, List.of(1, 2), 5, 9),
                withPartition(1, List.of(1, 2), 5, 8)))).containsExactly(Invariant.EPOCHS_GROW);
    }

    @Test
    void aBrokerEpochGoingBackIsReported() {
        // given
        MetadataImage before = Fixtures.applyAll(Fixtures.withBrokers(1),
                List.of(new RegisterBrokerRecord(1, "localhost", 9091, null, 7, false)));
        MetadataImage after = Fixtures.applyAll(Fixtures.withBrokers(1), List.of());
        // when
        List<Violation> violations = InvariantAudit.checkImage(before, after);
        // then
        assertThat(broken(violations)).containsExactly(Invariant.EPOCHS_GROW);
        assertThat(violations.get(0).subject()).isEqualTo("broker 1");
    }

    @Test
    void twoBrokersOnOneEndpointAreReported() {
        // given: broker 4 registers on broker 1's host and port
        MetadataImage image = Fixtures.applyAll(Fixtures.withBrokers(3),
                List.of(new RegisterBrokerRecord(4, "localhost", 9091, null, 1, false)));
        // when
        List<Violation> violations = InvariantAudit.checkImage(MetadataImage.EMPTY, image);
        // then
        assertThat(broken(violations)).containsExactly(Invariant.SINGLE_REGISTRATION);
        assertThat(violations.get(0).subject()).isEqualTo("endpoint localhost:9091");
        assertThat(violations.get(0).evidence()).contains("1 (epoch 1)", "4 (epoch 1)");
    }

    @Test
    void aNodeLeadingWhatTheImageGivesAnotherIsReported() {
        // given: the image names broker 2 leader at leader epoch 3
        MetadataImage image = withPartition(2, List.of(1, 2), 3, 3);
        PartitionId p = new PartitionId(TOPIC, 0);
        // then: node 1 acting as leader, node 2 as follower, node 2 leading at an old epoch are violations
        assertThat(broken(InvariantAudit.checkLocalRoles(1, image, Map.of(p, new LocalRole(true, 3)))))
                .containsExactly(Invariant.LOCAL_LEADER_MATCHES_IMAGE);
        assertThat(broken(InvariantAudit.checkLocalRoles(2, image, Map.of(p, new LocalRole(false, 3)))))
                .containsExactly(Invariant.LOCAL_LEADER_MATCHES_IMAGE);
        List<Violation> stale = InvariantAudit.checkLocalRoles(2, image, Map.of(p, new LocalRole(true, 2)));
        assertThat(broken(stale)).containsExactly(Invariant.LOCAL_LEADER_MATCHES_IMAGE);
        assertThat(stale.get(0).evidence()).contains("acts as leader at leader epoch 2", "leader 2 at leader epoch 3");
        // and: leading a partition the image does not hold
        assertThat(broken(InvariantAudit.checkLocalRoles(2, image,
                Map.of(new PartitionId(Uuid.randomUuid(), 0), new LocalRole(true, 0)))))
                .containsExactly(Invariant.LOCAL_LEADER_MATCHES_IMAGE);
        // but: following it, or leading it at the image's epoch, is fine
        assertThat(InvariantAudit.checkLocalRoles(1, image, Map.of(p, new LocalRole(false, 3)))).isEmpty();
        assertThat(InvariantAudit.checkLocalRoles(2, image, Map.of(p, new LocalRole(true, 3)))).isEmpty();
    }

    @Test
    void aLeaderKeepingAReplicaOutOfTheIsrWithoutAReasonIsReported() {
        // given: node 2 leads at leader epoch 3 with ISR {2}; it states no reason for replica 1
        MetadataImage image = withPartition(2, List.of(2), 3, 3);
        PartitionId p = new PartitionId(TOPIC, 0);
        // when
        List<Violation> violations = InvariantAudit.checkLocalRoles(2, image,
                Map.of(p, new LocalRole(true, 3, Map.of(1, "fetched to 10 (high watermark 10)"))));
        // then
        assertThat(broken(violations)).containsExactly(Invariant.REPLICAS_IN_ISR_OR_LAGGING);
        assertThat(violations.get(0).subject()).isEqualTo("t-0 replica 1");
        assertThat(violations.get(0).evidence()).contains("leader 2", "ISR [2]", "fetched to 10");
        // but: a leader with a reason for every replica outside the ISR passes
        assertThat(InvariantAudit.checkLocalRoles(2, image, Map.of(p, new LocalRole(true, 3)))).isEmpty();
    }

    @Test
    void anImageBehindTheCommittedOffsetIsReported() {
        // when
        var violation = InvariantAudit.checkCaughtUp(2, 10, 100, 50);
        // then
        assertThat(violation).hasValueSatisfying(v -> {
            assertThat(v.invariant()).isEqualTo(Invariant.IMAGE_CAUGHT_UP);
            assertThat(v.subject()).isEqualTo("node 2");
            assertThat(v.evidence()).contains("90 entries behind committed offset 100");
        });
        assertThat(InvariantAudit.checkCaughtUp(2, 10, -1, 50)).isEmpty();
    }
}
