package io.cairn.metadata.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;

import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.PartitionId;
import io.cairn.metadata.PartitionImage;
import io.cairn.metadata.TopicImage;
import io.cairn.metadata.record.MetadataRecord;
import io.cairn.metadata.record.PartitionChangeRecord;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.junit.jupiter.api.Test;

/**
 * A broker that reports a partition offline in its heartbeats (its log cannot be loaded) is moved off that
 * partition as fencing would move it, for that partition only (simulated time, 3 controllers, 3 brokers, no
 * message loss).
 */
class ControllerOfflineReplicaTest {

    private final SimCluster cluster = new SimCluster(7, 3, 3, ControllerSettings.defaults(0), 0);

    private MetadataImage image() {
        return cluster.target().current();
    }

    private void startAll() {
        cluster.raft.elect(0);
        cluster.brokers.values().forEach(SimCluster.SimBroker::start);
        cluster.queue.advance(6000);
    }

    private TopicImage createTopic(String name, int rf) {
        CreateTopicsRequestData request = new CreateTopicsRequestData();
        request.topics().add(new CreatableTopic().setName(name).setNumPartitions(3)
                .setReplicationFactor((short) rf));
        cluster.target().createTopics(request);
        cluster.queue.advance(100);
        return image().topic(name).orElseThrow();
    }

    private static PartitionImage ledBy(TopicImage topic, int broker) {
        return topic.partitions().values().stream().filter(p -> p.leader() == broker).findFirst().orElseThrow();
    }

    private PartitionImage now(TopicImage topic, int partition) {
        return image().topic(topic.id()).orElseThrow().partitions().get(partition);
    }

    /** The records committed after {@code offset}. */
    private List<MetadataRecord> recordsAfter(long offset) {
        return cluster.raft.committed.subList((int) offset + 1, cluster.raft.committed.size()).stream()
                .flatMap(b -> b.records().stream()).toList();
    }

    @Test
    void aReportedPartitionGetsAnotherLeaderFromTheIsrInOneChangeAndARepeatWritesNothing() {
        // given broker 1 leading a partition of three in-sync replicas, and in the ISR of the others
        startAll();
        TopicImage topic = createTopic("t", 3);
        PartitionImage led = ledBy(topic, 1);
        long end = cluster.raft.endOffset();

        // when its heartbeats report that partition offline
        cluster.brokers.get(1).offline = Set.of(new PartitionId(topic.id(), led.partition()));
        cluster.queue.advance(SimCluster.HEARTBEAT_INTERVAL_MS + 500);

        // then one change: another ISR member leads, broker 1 left the ISR, the leader epoch moved on
        assertThat(recordsAfter(end)).singleElement().isInstanceOf(PartitionChangeRecord.class);
        PartitionImage after = now(topic, led.partition());
        assertThat(after.leader()).isNotIn(1, -1);
        assertThat(after.isr()).containsExactlyInAnyOrderElementsOf(
                led.isr().stream().filter(b -> b != 1).toList());
        assertThat(after.leaderEpoch()).isEqualTo(led.leaderEpoch() + 1);
        // and its other partitions are untouched
        for (PartitionImage other : topic.partitions().values()) {
            if (other.partition() != led.partition()) {
                assertThat(now(topic, other.partition())).isEqualTo(other);
            }
        }

        // when the report is repeated for a minute (rebalance checks included)
        long changed = cluster.raft.endOffset();
        cluster.queue.advance(600_000);

        // then nothing more is written and broker 1 does not lead it again
        assertThat(cluster.raft.endOffset()).isEqualTo(changed);
        assertThat(now(topic, led.partition()).leader()).isNotEqualTo(1);
    }

    @Test
    void theLastIsrMemberStaysInTheIsrWithoutLeaderAndLeadsAgainOnceItNoLongerReportsIt() {
        // given broker 1 the only replica of a partition
        startAll();
        TopicImage topic = createTopic("single", 1);
        PartitionImage led = ledBy(topic, 1);
        long end = cluster.raft.endOffset();

        // when it reports it offline
        SimCluster.SimBroker broker = cluster.brokers.get(1);
        broker.offline = Set.of(new PartitionId(topic.id(), led.partition()));
        cluster.queue.advance(SimCluster.HEARTBEAT_INTERVAL_MS + 500);

        // then it keeps its claim (ISR [1]) but leads no more
        assertThat(recordsAfter(end)).singleElement().isInstanceOf(PartitionChangeRecord.class);
        assertThat(now(topic, led.partition()).leader()).isEqualTo(-1);
        assertThat(now(topic, led.partition()).isr()).containsExactly(1);
        assertThat(cluster.target().offlinePartitions()).as("the admin view says why")
                .hasEntrySatisfying("single-" + led.partition(), why -> assertThat(why)
                        .contains("reports the partition's log offline"));
        long offline = cluster.raft.endOffset();
        cluster.queue.advance(60_000);
        assertThat(cluster.raft.endOffset()).as("a repeated report writes nothing").isEqualTo(offline);

        // when its log is back (it reports nothing)
        broker.offline = Set.of();
        cluster.queue.advance(SimCluster.HEARTBEAT_INTERVAL_MS + 500);

        // then it leads again
        assertThat(now(topic, led.partition()).leader()).isEqualTo(1);
        assertThat(now(topic, led.partition()).isr()).containsExactly(1);
    }

    @Test
    void aNewControllerDoesNotElectABrokerIntoAPartitionItReportsOfflineBeforeHearingFromIt() {
        // given a partition without leader whose last ISR member, broker 1, reports it offline
        startAll();
        TopicImage topic = createTopic("single", 1);
        PartitionImage led = ledBy(topic, 1);
        cluster.brokers.get(1).offline = Set.of(new PartitionId(topic.id(), led.partition()));
        cluster.queue.advance(SimCluster.HEARTBEAT_INTERVAL_MS + 500);
        assertThat(now(topic, led.partition()).leader()).isEqualTo(-1);
        long before = cluster.raft.endOffset();

        // when another controller takes over, knowing nothing of the report until broker 1's next heartbeat
        cluster.raft.elect(1);
        cluster.queue.advance(30_000);

        // then the partition was never given to broker 1 (the report reached the new controller again)
        assertThat(recordsAfter(before)).noneMatch(r -> r instanceof PartitionChangeRecord c
                && c.topicId().equals(topic.id()) && c.partition() == led.partition());
        assertThat(now(topic, led.partition()).leader()).isEqualTo(-1);

        // and once broker 1 reports nothing offline, the new controller lets it lead
        cluster.brokers.get(1).offline = Set.of();
        cluster.queue.advance(SimCluster.HEARTBEAT_INTERVAL_MS + 500);
        assertThat(now(topic, led.partition()).leader()).isEqualTo(1);
    }

    @Test
    void aRestartedBrokerThatStillReportsThePartitionIsNotElectedWhenUnfenced() {
        // given broker 1 the only replica of a partition, stopped
        startAll();
        TopicImage topic = createTopic("single", 1);
        PartitionImage led = ledBy(topic, 1);
        SimCluster.SimBroker broker = cluster.brokers.get(1);
        broker.crash();
        cluster.queue.advance(15_000);
        assertThat(now(topic, led.partition()).leader()).as("fenced: offline").isEqualTo(-1);

        // when it restarts with that partition's log damaged
        broker.start();
        broker.offline = Set.of(new PartitionId(topic.id(), led.partition()));
        cluster.queue.advance(10_000);

        // then it is unfenced but does not lead that partition
        assertThat(image().brokers().get(1).fenced()).isFalse();
        assertThat(now(topic, led.partition()).leader()).isEqualTo(-1);
        assertThat(now(topic, led.partition()).isr()).containsExactly(1);
    }
}
