package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.audit.Invariant;
import io.cairn.metadata.audit.Violation;
import io.cairn.metadata.record.BrokerFencingChange;
import io.cairn.metadata.record.ClusterIdRecord;
import io.cairn.metadata.record.MetadataBatch;
import io.cairn.metadata.record.MetadataRecord;
import io.cairn.metadata.record.PartitionRecord;
import io.cairn.metadata.record.RegisterBrokerRecord;
import io.cairn.metadata.record.TopicRecord;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;

/** What node 2 answers on its probes, from its gate, its Raft member, its audit and its image. */
class NodeHealthTest {

    private static final Uuid TOPIC = Uuid.randomUuid();

    private final AtomicBoolean caughtUp = new AtomicBoolean(true);
    private final AtomicBoolean raftStuck = new AtomicBoolean(false);
    private final List<Violation> violations = new ArrayList<>();
    private final AtomicReference<MetadataImage> image = new AtomicReference<>(image(
            new PartitionRecord(TOPIC, 0, List.of(1, 2, 3), List.of(1, 2, 3), 1, 0, 0)));
    private final NodeHealth health = new NodeHealth(2, image::get, caughtUp::get, raftStuck::get,
            () -> violations);

    @Test
    void aCaughtUpUnfencedNodeInEveryIsrIsReadyAndLive() {
        assertThat(health.readiness()).isEqualTo(new NodeHealth.Verdict(true, "ready"));
        assertThat(health.liveness()).isEqualTo(new NodeHealth.Verdict(true, "live"));
    }

    @Test
    void aNodeStillCatchingUpWithTheMetadataIsNotReady() {
        caughtUp.set(false);

        assertThat(health.readiness().ok()).isFalse();
        assertThat(health.readiness().reason()).contains("catching up");
        assertThat(health.liveness().ok()).as("catching up is no reason to restart").isTrue();
    }

    @Test
    void anUnregisteredOrFencedNodeIsNotReady() {
        image.set(MetadataImage.EMPTY.apply(new MetadataBatch(1, 1, 1,
                List.of(new ClusterIdRecord("c", (short) 1)))));
        assertThat(health.readiness().reason()).isEqualTo("not registered in its metadata image");

        image.set(image(new BrokerFencingChange(2, 1, true)));
        assertThat(health.readiness()).isEqualTo(new NodeHealth.Verdict(false, "registered but fenced"));
    }

    @Test
    void aNodeOutOfTheIsrOfAPartitionItReplicatesIsNotReadyUntilItRejoins() {
        // given: node 2 restarted and is not yet back in partition 0's ISR; partition 1 is offline; partition 2
        // is not its
        image.set(image(
                new PartitionRecord(TOPIC, 0, List.of(1, 2, 3), List.of(1, 3), 1, 1, 1),
                new PartitionRecord(TOPIC, 1, List.of(2, 3), List.of(3), -1, 1, 1),
                new PartitionRecord(TOPIC, 2, List.of(1, 3), List.of(1), 1, 1, 1)));

        // then
        assertThat(health.readiness()).isEqualTo(new NodeHealth.Verdict(false,
                "not yet in the ISR of 1 partition(s) it replicates: t-0"));

        // when it rejoins
        image.set(image(new PartitionRecord(TOPIC, 0, List.of(1, 2, 3), List.of(1, 2, 3), 1, 1, 2)));

        // then
        assertThat(health.readiness().ok()).isTrue();
    }

    @Test
    void onlyTheAuditsInvariantsAboutTheNodeItselfMakeItUnready() {
        violations.add(new Violation(Invariant.LEADER_IN_ISR, "t-0", "leader 1 not in ISR [3]"));
        assertThat(health.readiness().ok()).as("the cluster's metadata is cairn audit's verdict").isTrue();

        violations.add(new Violation(Invariant.IMAGE_CAUGHT_UP, "node 2", "image 5 behind committed 900"));
        assertThat(health.readiness()).isEqualTo(new NodeHealth.Verdict(false,
                "audit: image_caught_up broken by node 2: image 5 behind committed 900"));
    }

    @Test
    void aStuckRaftMemberFailsTheLivenessProbe() {
        raftStuck.set(true);

        assertThat(health.liveness().ok()).isFalse();
        assertThat(health.liveness().reason()).contains("stuck");
    }

    /** Brokers 1-3 registered and unfenced, topic t, then {@code more}. */
    private static MetadataImage image(MetadataRecord... more) {
        List<MetadataRecord> records = new ArrayList<>(List.of(
                new ClusterIdRecord("c", (short) 1),
                new RegisterBrokerRecord(1, "h", 9092, null, 1, false),
                new RegisterBrokerRecord(2, "h", 9093, null, 1, false),
                new RegisterBrokerRecord(3, "h", 9094, null, 1, false),
                new TopicRecord("t", TOPIC)));
        records.addAll(List.of(more));
        return MetadataImage.EMPTY.apply(new MetadataBatch(1, 1, 1, records));
    }
}
