package io.cairn.metadata.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;

import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.record.ChangeReason;
import io.cairn.metadata.record.FeatureLevelRecord;
import io.cairn.metadata.record.MetadataBatch;
import io.cairn.metadata.record.MetadataFormat;
import io.cairn.metadata.record.MetadataRecordSerde;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.UpdateFeaturesRequestData;
import org.apache.kafka.common.message.UpdateFeaturesResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/**
 * A rolling upgrade across metadata batch format 2 on simulated time (docs/adr/0028): 3 controllers and 3 brokers
 * of the release before it (reading format 1 only, registering no metadata versions) are upgraded one at a time;
 * the cluster keeps writing format 1 while an old broker is registered, refuses to raise the level past it, and
 * writes format 2 once raised.
 */
class MetadataVersionGateTest {

    private final SimCluster cluster = new SimCluster(7, 3, 3,
            ControllerSettings.defaults(0).withBrokerConfig(ControllerSettings.METADATA_FORMAT_MAX, "1"), 0);

    private MetadataImage image() {
        return cluster.target().current();
    }

    /** The previous release's cluster: bootstrapped by a controller that reads format 1, old brokers. */
    private void startOldCluster() {
        cluster.brokers.values().forEach(b -> b.metadataVersions = null);
        cluster.raft.elect(0);
        cluster.brokers.values().forEach(SimCluster.SimBroker::start);
        cluster.queue.advance(6000);
        assertThat(image().unfencedBrokers()).hasSize(3);
        assertThat(image().metadataFormatFeatureLevel()).isEqualTo(MetadataFormat.LEASES);
    }

    private void upgradeController(int node) {
        cluster.settings = ControllerSettings.defaults(0);
        cluster.restartController(node);
        cluster.queue.advance(1000);
    }

    private void upgradeBroker(int id, MetadataFormat.Range versions) {
        SimCluster.SimBroker broker = cluster.brokers.get(id);
        broker.crash();
        broker.metadataVersions = versions;
        broker.start();
        cluster.queue.advance(6000);
    }

    private UpdateFeaturesResponseData raiseTo(short level) {
        UpdateFeaturesRequestData request = new UpdateFeaturesRequestData();
        request.featureUpdates().add(new UpdateFeaturesRequestData.FeatureUpdateKey()
                .setFeature(MetadataFormat.FEATURE_NAME).setMaxVersionLevel(level));
        CompletableFuture<UpdateFeaturesResponseData> response = cluster.target().updateFeatures(request);
        cluster.queue.advance(1000);
        return response.join();
    }

    private void createTopic(String name) {
        CreateTopicsRequestData request = new CreateTopicsRequestData();
        request.topics().add(new CreatableTopic().setName(name).setNumPartitions(3).setReplicationFactor((short) 3));
        cluster.target().createTopics(request);
        cluster.queue.advance(1000);
    }

    /** Every batch appended from {@code from} on, serialized as written, is read by a node that reads format 1. */
    private void assertReadableByOldNodes(long from) {
        for (MetadataBatch batch : cluster.raft.committed.subList((int) from, cluster.raft.committed.size())) {
            int format = cluster.raft.formats.get(batch.offset());
            assertThat(format).as("format of batch %s", batch.offset()).isEqualTo(1);
            MetadataRecordSerde.deserialize(batch.offset(), MetadataRecordSerde.serialize(batch, format), 1);
        }
    }

    @Test
    void oldBrokerKeepsTheClusterAtFormatOneAndTheRaiseWaitsForItsUpgrade() {
        // given a cluster of the previous release
        startOldCluster();
        // when the controllers are upgraded and a new one is active, and brokers 0 and 1 are upgraded
        upgradeController(1);
        upgradeController(2);
        cluster.raft.elect(1);
        cluster.queue.advance(1000);
        long upgradedFrom = cluster.raft.endOffset();
        MetadataFormat.Range latest = new MetadataFormat.Range(MetadataFormat.MIN, MetadataFormat.LATEST);
        upgradeBroker(0, latest);
        upgradeBroker(1, latest);
        createTopic("t");
        // then the level stays at 2 and every batch is format 1, which broker 2 reads
        assertThat(image().metadataFormatFeatureLevel()).isEqualTo(MetadataFormat.LEASES);
        assertThat(image().topic("t")).isPresent();
        assertReadableByOldNodes(upgradedFrom);
        assertThat(image().brokers().get(0).supportedMetadataVersions()).isEqualTo(latest);
        assertThat(image().brokers().get(2).metadataVersions()).as("registered by the previous release").isNull();

        // when the level is raised while broker 2 is still old
        UpdateFeaturesResponseData refused = raiseTo(MetadataFormat.DECISION_REASONS);
        // then it is refused, naming the broker
        assertThat(refused.errorCode()).isEqualTo(Errors.INVALID_UPDATE_VERSION.code());
        assertThat(refused.errorMessage()).isEqualTo("Invalid update version 3 for feature cairn.metadata.version. "
                + "Broker 2 only supports versions 1-2.");
        assertThat(image().metadataFormatFeatureLevel()).isEqualTo(MetadataFormat.LEASES);
        assertReadableByOldNodes(upgradedFrom);

        // when broker 2 is upgraded too (its controller node 0 as well) and the level is raised
        upgradeController(0);
        upgradeBroker(2, latest);
        UpdateFeaturesResponseData raised = raiseTo(MetadataFormat.DECISION_REASONS);
        // then the level is 3 and what follows is written in format 2, with its reasons
        assertThat(raised.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(image().metadataFormatFeatureLevel()).isEqualTo(MetadataFormat.DECISION_REASONS);
        createTopic("u");
        int raise = cluster.raft.committed.size() - 1;
        while (!cluster.raft.committed.get(raise).records().contains(new FeatureLevelRecord((short) 3))) {
            raise--;
        }
        assertThat(cluster.raft.formats.get((long) raise)).as("the raise itself, at the level before").isEqualTo(1);
        assertThat(cluster.raft.committed.subList(raise + 1, cluster.raft.committed.size())).isNotEmpty()
                .allSatisfy(b -> assertThat(cluster.raft.formats.get(b.offset())).isEqualTo(2));
        assertThat(image().history().partition(image().topic("u").orElseThrow().id(), 0)).last()
                .satisfies(h -> assertThat(h.reason()).isEqualTo(ChangeReason.CREATED));
        // and a raise to the level it is at is a no-op, a downgrade is refused
        assertThat(raiseTo(MetadataFormat.DECISION_REASONS).errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(raiseTo(MetadataFormat.LEASES).errorMessage()).startsWith(
                "Invalid update version 2 for feature cairn.metadata.version. Can't downgrade");
    }

    @Test
    void brokerThatDoesNotSupportTheFinalizedLevelCannotRegister() {
        // given a new cluster, which starts at the newest level
        cluster.settings = ControllerSettings.defaults(0);
        for (int n = 0; n < 3; n++) {
            cluster.restartController(n);
        }
        cluster.raft.elect(0);
        cluster.brokers.values().forEach(SimCluster.SimBroker::start);
        cluster.queue.advance(6000);
        assertThat(image().metadataFormatFeatureLevel()).isEqualTo(MetadataFormat.LATEST);
        long epoch = image().brokers().get(2).epoch();
        // when broker 2 comes back as a node of the previous release
        upgradeBroker(2, null);
        cluster.queue.advance(10_000); // past its old incarnation's lease: DUPLICATE_BROKER_REGISTRATION until then
        // then its registration is refused with UNSUPPORTED_VERSION and nothing is written for it
        assertThat(cluster.brokers.get(2).lastRegistrationError).isEqualTo(Errors.UNSUPPORTED_VERSION.code());
        assertThat(image().brokers().get(2).epoch()).isEqualTo(epoch);
    }
}
