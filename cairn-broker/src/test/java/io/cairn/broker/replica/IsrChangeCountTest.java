package io.cairn.broker.replica;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.record.BrokerFencingChange;
import io.cairn.metadata.record.ClusterIdRecord;
import io.cairn.metadata.record.MetadataBatch;
import io.cairn.metadata.record.MetadataRecord;
import io.cairn.metadata.record.PartitionChangeRecord;
import io.cairn.metadata.record.PartitionRecord;
import io.cairn.metadata.record.RegisterBrokerRecord;
import io.cairn.metadata.record.TopicRecord;
import io.cairn.storage.LogManager;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.server.util.KafkaScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ISR shrinks and expands are counted by the leader when a committed ISR of a partition it leads changes at the same
 * leader epoch; a new leader epoch or a follower's view counts nothing. Traffic counters go with the topic.
 */
class IsrChangeCountTest {

    private static final Uuid TOPIC_ID = Uuid.randomUuid();

    @TempDir
    Path dir;

    /** The node's timers (log and replica manager): Kafka's scheduler, on the wall clock as the rest of this test. */
    private KafkaScheduler timers;
    private LogManager logManager;
    private ReplicaManager replicas;
    private MetadataImage image = MetadataImage.EMPTY.apply(new MetadataBatch(1, 1, 1, List.of(
            new ClusterIdRecord("c", (short) 1),
            new RegisterBrokerRecord(1, "h", 9092, null, 1, false),
            new RegisterBrokerRecord(2, "h", 9093, null, 1, false),
            new BrokerFencingChange(1, 1, false),
            new BrokerFencingChange(2, 1, false))));
    private long offset = 1;

    @BeforeEach
    void startNode() {
        timers = new KafkaScheduler(1);
        timers.startup();
        logManager = new LogManager(dir, Time.SYSTEM, timers, 60_000);
        logManager.startup();
        replicas = LoneReplicas.start(logManager, timers, 30_000);
    }

    @AfterEach
    void stopNode() throws InterruptedException {
        replicas.shutdown();
        logManager.close();
        timers.shutdown();
    }

    @Test
    void committedIsrChangesAtOneLeaderEpochAreCounted() {
        // given: node 1 leads t-0 with ISR [1, 2]
        partition(1, List.of(1, 2));

        // when: the ISR shrinks, then expands, at the same leader epoch
        change(PartitionChangeRecord.NO_CHANGE, List.of(1));
        change(PartitionChangeRecord.NO_CHANGE, List.of(1, 2));

        // then
        assertThat(replicas.isrShrinks()).isEqualTo(1);
        assertThat(replicas.isrExpands()).isEqualTo(1);

        // when: node 2 is elected with a smaller ISR (a new leader epoch: not this leader's shrink), and node 1 is
        // added back to its ISR while node 1 follows
        change(2, List.of(2));
        change(PartitionChangeRecord.NO_CHANGE, List.of(2, 1));

        // then
        assertThat(replicas.isrShrinks()).isEqualTo(1);
        assertThat(replicas.isrExpands()).isEqualTo(1);
    }

    @Test
    void aDeletedTopicLosesItsTrafficCounters() {
        // given
        partition(1, List.of(1, 2));
        replicas.traffic().bytesIn("t", 10, 1);

        // when
        MetadataImage before = image;
        image = MetadataImage.EMPTY.apply(new MetadataBatch(++offset, 1, 1, List.of(
                new ClusterIdRecord("c", (short) 1),
                new RegisterBrokerRecord(1, "h", 9092, null, 1, false),
                new BrokerFencingChange(1, 1, false))));
        replicas.onImage(before, image);

        // then
        assertThat(replicas.traffic().get("t")).isNull();
    }

    private void partition(int leader, List<Integer> isr) {
        apply(new TopicRecord("t", TOPIC_ID), new PartitionRecord(TOPIC_ID, 0, List.of(1, 2), isr, leader, 0, 0));
    }

    private void change(int leader, List<Integer> isr) {
        int partitionEpoch = image.topic("t").orElseThrow().partitions().get(0).partitionEpoch();
        apply(new PartitionChangeRecord(TOPIC_ID, 0, partitionEpoch, leader, isr, null));
    }

    private void apply(MetadataRecord... records) {
        MetadataImage before = image;
        image = image.apply(new MetadataBatch(++offset, 1, 1, List.of(records)));
        replicas.onImage(before, image);
    }
}
