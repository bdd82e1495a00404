package io.cairn.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import io.cairn.metadata.record.BrokerFencingChange;
import io.cairn.metadata.record.BrokerHistoryRecord;
import io.cairn.metadata.record.ChangeReason;
import io.cairn.metadata.record.ClusterIdRecord;
import io.cairn.metadata.record.MetadataBatch;
import io.cairn.metadata.record.MetadataRecord;
import io.cairn.metadata.record.PartitionChangeRecord;
import io.cairn.metadata.record.PartitionHistoryRecord;
import io.cairn.metadata.record.PartitionRecord;
import io.cairn.metadata.record.RegisterBrokerRecord;
import io.cairn.metadata.record.RemoveTopicRecord;
import io.cairn.metadata.record.TopicRecord;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;

/** What the image remembers of the controller's decisions, and for how long. */
class DecisionHistoryTest {

    private static final Uuid T = new Uuid(7, 7);

    /** Two brokers and topic t-0 created on them, in batches at offsets 0..2 of term 4, decided by node 2. */
    private static MetadataImage cluster() {
        MetadataImage image = MetadataImage.EMPTY.apply(new MetadataBatch(0, 4, 2, List.of(
                new ClusterIdRecord("c", (short) 2),
                new RegisterBrokerRecord(1, "h1", 9092, null, 1, false, ChangeReason.BROKER_REGISTERED, 100),
                new RegisterBrokerRecord(2, "h2", 9092, null, 1, false, ChangeReason.BROKER_REGISTERED, 100))));
        return image.apply(new MetadataBatch(1, 4, 2, List.of(new TopicRecord("t", T),
                new PartitionRecord(T, 0, List.of(1, 2), List.of(1, 2), 1, 0, 0, List.of(), List.of(),
                        ChangeReason.CREATED, 200))));
    }

    @Test
    void eachDecisionIsRememberedWithTheStateItLeftAndWhoDecidedIt() {
        // when broker 1's lease expires: fenced, and its partition moves to broker 2
        MetadataImage image = cluster().apply(new MetadataBatch(2, 5, 3, List.of(
                new BrokerFencingChange(1, 1, true, ChangeReason.LEASE_EXPIRED, 300),
                new PartitionChangeRecord(T, 0, 0, 2, List.of(2), null, ChangeReason.LEASE_EXPIRED, 300))));
        // then
        List<PartitionHistoryRecord> partition = image.history().partition(T, 0);
        assertThat(partition).hasSize(2);
        assertThat(partition.get(0).reason()).isEqualTo(ChangeReason.CREATED);
        assertThat(partition.get(1)).isEqualTo(new PartitionHistoryRecord(T, 0, 2, 2, 5, 3, 300,
                ChangeReason.LEASE_EXPIRED, 2, 1, 1, List.of(2), List.of(1, 2), List.of(), List.of()));
        assertThat(image.history().broker(1)).extracting(BrokerHistoryRecord::event, BrokerHistoryRecord::reason)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(BrokerHistoryRecord.Event.REGISTERED,
                                ChangeReason.BROKER_REGISTERED),
                        org.assertj.core.groups.Tuple.tuple(BrokerHistoryRecord.Event.FENCED,
                                ChangeReason.LEASE_EXPIRED));
        assertThat(DecisionHistory.dropped(partition)).isZero();
    }

    @Test
    void restatementsAndNoOpsAddNothing() {
        // when a stale change (wrong partition epoch) and a restated fencing state are applied
        MetadataImage image = cluster().apply(new MetadataBatch(2, 5, 3, List.of(
                new PartitionChangeRecord(T, 0, 9, 2, List.of(2), null, ChangeReason.LEASE_EXPIRED, 300),
                new BrokerFencingChange(2, 1, false),
                new BrokerFencingChange(2, 1, false, ChangeReason.BROKER_UNFENCED, 300))));
        // then
        assertThat(image.history().partition(T, 0)).hasSize(1);
        assertThat(image.history().broker(2)).hasSize(1);
    }

    @Test
    void onlyTheLastHundredAreKeptAndTheDroppedOnesAreCounted() {
        // given
        MetadataImage image = cluster();
        // when 150 ISR changes follow the creation
        for (int i = 0; i < 150; i++) {
            List<Integer> isr = i % 2 == 0 ? List.of(1) : List.of(1, 2);
            image = image.apply(new MetadataBatch(2 + i, 4, 2, List.of(new PartitionChangeRecord(T, 0, i,
                    PartitionChangeRecord.NO_CHANGE, isr, null, ChangeReason.ISR_SHRINK, 1000 + i))));
        }
        // then
        List<PartitionHistoryRecord> kept = image.history().partition(T, 0);
        assertThat(kept).hasSize(DecisionHistory.LIMIT);
        assertThat(kept.get(0).seq()).isEqualTo(52);
        assertThat(kept.get(kept.size() - 1).seq()).isEqualTo(151);
        assertThat(DecisionHistory.dropped(kept)).isEqualTo(51);
    }

    @Test
    void restatingAHistoryIsIdempotentAndADeletedTopicTakesItsHistoryAlong() {
        // given
        MetadataImage image = cluster();
        List<MetadataRecord> restated = new ArrayList<>(image.history().partition(T, 0));
        restated.addAll(image.history().broker(1));
        // when
        MetadataImage again = image.apply(new MetadataBatch(2, 4, 2, restated));
        MetadataImage deleted = again.apply(new MetadataBatch(3, 4, 2, List.of(new RemoveTopicRecord(T))));
        // then
        assertThat(again.history()).isEqualTo(image.history());
        assertThat(deleted.history().partition(T, 0)).isEmpty();
        assertThat(deleted.history().broker(1)).hasSize(1);
    }

    @Test
    void aLargeTopicsHistoriesAreFoundAcrossItsPartitions() {
        // given a topic of 200 partitions, created in one batch
        List<MetadataRecord> records = new ArrayList<>();
        Uuid big = new Uuid(8, 8);
        records.add(new TopicRecord("big", big));
        for (int p = 0; p < 200; p++) {
            records.add(new PartitionRecord(big, p, List.of(1, 2), List.of(1, 2), 1, 0, 0, List.of(), List.of(),
                    ChangeReason.CREATED, 200));
        }
        MetadataImage created = cluster().apply(new MetadataBatch(2, 4, 2, records));
        // when partition 130 changes
        MetadataImage changed = created.apply(new MetadataBatch(3, 4, 2, List.of(new PartitionChangeRecord(big, 130,
                0, 2, List.of(2), null, ChangeReason.PREFERRED_LEADER_ELECTION, 300))));
        // then
        assertThat(changed.history().topic(big)).hasSize(200).containsKeys(0, 63, 64, 199);
        assertThat(changed.history().partition(big, 130)).hasSize(2);
        assertThat(changed.history().partition(big, 131)).hasSize(1);
        assertThat(created.history().partition(big, 130)).as("the older image is unchanged").hasSize(1);
    }
}
