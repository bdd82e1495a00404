package io.cairn.metadata.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.PartitionImage;
import io.cairn.metadata.record.ChangeReason;
import io.cairn.metadata.record.FeatureLevelRecord;
import io.cairn.metadata.record.MetadataBatch;
import io.cairn.metadata.record.MetadataRecordSerde;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;

/**
 * A journal written by the single-node release (metadata format level 1, serde v1; brokers registered
 * unfenced with no lease; and, as in the field report, partitions led by a node id that no longer exists) is
 * read as it is and upgraded by the first controller that activates on it - no wipe needed.
 */
class FormatUpgradeTest {

    private static List<MetadataBatch> levelOneJournal() throws IOException {
        try (InputStream in = FormatUpgradeTest.class.getResourceAsStream("/fixtures/metadata-level1-journal.jsonl")) {
            List<String> lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(l -> !l.isBlank()).toList();
            return java.util.stream.IntStream.range(0, lines.size()).mapToObj(i -> MetadataRecordSerde
                    .deserialize(i, lines.get(i).getBytes(StandardCharsets.UTF_8))).toList();
        }
    }

    @Test
    void levelOneJournalIsReadAndUpgradedOnActivation() throws IOException {
        // given a cluster whose log is the level-1 journal
        SimCluster cluster = new SimCluster(1, 1, 0, ControllerSettings.defaults(1), 0);
        cluster.raft.committed.addAll(levelOneJournal());
        cluster.queue.runDue();
        MetadataImage replayed = cluster.controllers.get(0).current();
        assertThat(replayed.metadataFormatFeatureLevel()).isEqualTo((short) 1);
        assertThat(replayed.topic("orders").orElseThrow().configs()).containsEntry("retention.ms", "60000");
        assertThat(replayed.history().broker(1)).as("format 1 did not say why").isNotEmpty()
                .allSatisfy(h -> assertThat(h.reason().description()).isEqualTo("unknown: written before format 2"));
        // when its controller activates (in a term after the journal's last, as a real log's terms only grow)
        cluster.raft.term = 2;
        cluster.raft.elect(0);
        cluster.queue.advance(100);
        // then the format is upgraded by a record, and the stale leaders are repaired or reported
        MetadataImage image = cluster.controllers.get(0).current();
        assertThat(cluster.raft.committed.get(4).records()).containsExactly(new FeatureLevelRecord((short) 2));
        assertThat(image.metadataFormatFeatureLevel()).isEqualTo(Controller.METADATA_FORMAT_LEVEL);
        var partitions = image.topic("orders").orElseThrow().partitions();
        assertThat(partitions.get(0).leader()).isEqualTo(1);
        PartitionImage p1 = partitions.get(1);
        assertThat(p1.leader()).as("leader 3 never registered: the live ISR member takes over").isEqualTo(1);
        assertThat(p1.isr()).containsExactly(1);
        assertThat(p1.leaderEpoch()).isEqualTo(3);
        Uuid orders = image.topic("orders").orElseThrow().id();
        assertThat(image.history().partition(orders, 1)).last().satisfies(h -> {
            assertThat(h.reason()).isEqualTo(ChangeReason.CONTROLLER_RECONCILE);
            assertThat(h.term()).as("the term the upgrading controller is active in").isEqualTo(cluster.raft.term);
            assertThat(h.leader()).isEqualTo(1);
        });
        assertThat(partitions.get(2).leader()).as("no live replica: offline").isEqualTo(-1);
        assertThat(cluster.controllers.get(0).offlinePartitions()).containsOnlyKeys("orders-2");
        assertThat(image.brokers().get(1).fenced()).as("a failover fences nobody").isFalse();
        assertThat(image.nextProducerId()).isEqualTo(1000);
        // and a second activation finds nothing left to do
        long end = cluster.raft.endOffset();
        cluster.raft.elect(0);
        cluster.queue.advance(100);
        assertThat(cluster.raft.endOffset()).isEqualTo(end);
    }
}
