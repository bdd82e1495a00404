package io.cairn.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import io.cairn.metadata.record.BrokerFencingChange;
import io.cairn.metadata.record.ClusterIdRecord;
import io.cairn.metadata.record.ConfigRecord;
import io.cairn.metadata.record.MetadataBatch;
import io.cairn.metadata.record.MetadataRecord;
import io.cairn.metadata.record.MetadataRecordSerde;
import io.cairn.metadata.record.PartitionChangeRecord;
import io.cairn.metadata.record.PartitionRecord;
import io.cairn.metadata.record.ProducerIdsRecord;
import io.cairn.metadata.record.RegisterBrokerRecord;
import io.cairn.metadata.record.RemoveTopicRecord;
import io.cairn.metadata.record.TopicRecord;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.kafka.common.Uuid;

/** Deterministic apply: the same record sequence gives equal images, also after a serde round trip. */
class MetadataImagePropertiesTest {

    private static final List<Uuid> IDS = List.of(new Uuid(0, 1), new Uuid(0, 2), new Uuid(0, 3));
    private static final List<String> NAMES = List.of("a", "b", "c");

    @Property(tries = 200)
    void applyingTheSameRecordsTwiceGivesEqualImages(@ForAll("records") List<MetadataRecord> records) {
        // when
        MetadataImage first = replay(records);
        MetadataImage second = replay(records);
        // then
        assertThat(second).isEqualTo(first);
        assertThat(second.hashCode()).isEqualTo(first.hashCode());
    }

    @Property(tries = 200)
    void replayAfterSerdeRoundTripGivesTheSameImage(@ForAll("records") List<MetadataRecord> records) {
        // given
        byte[] bytes = MetadataRecordSerde.serialize(new MetadataBatch(0, 3, 1, records));
        // when
        MetadataBatch decoded = MetadataRecordSerde.deserialize(0, bytes);
        // then
        assertThat(decoded.records()).isEqualTo(records);
        assertThat(MetadataRecordSerde.serialize(decoded)).isEqualTo(bytes);
        assertThat(MetadataImage.EMPTY.apply(decoded)).isEqualTo(MetadataImage.EMPTY.apply(
                new MetadataBatch(0, 3, 1, records)));
    }

    private static MetadataImage replay(List<MetadataRecord> records) {
        MetadataImage image = MetadataImage.EMPTY;
        long offset = 0;
        for (MetadataRecord r : records) {
            image = image.apply(offset++, r);
        }
        return image;
    }

    @Provide
    Arbitrary<List<MetadataRecord>> records() {
        Arbitrary<Integer> broker = Arbitraries.integers().between(1, 3);
        Arbitrary<Uuid> id = Arbitraries.of(IDS);
        Arbitrary<List<Integer>> replicas = broker.list().ofMinSize(1).ofMaxSize(3).uniqueElements();
        Arbitrary<Integer> epoch = Arbitraries.integers().between(0, 3);
        Arbitrary<MetadataRecord> record = Arbitraries.oneOf(
                Arbitraries.strings().alpha().ofLength(4).map(s -> new ClusterIdRecord(s, (short) 1)),
                Combinators.combine(broker, Arbitraries.longs().between(0, 3), Arbitraries.of(true, false),
                        Arbitraries.of("r1", "r2")).as((b, e, f, r) -> new RegisterBrokerRecord(b, "h" + b, 9092,
                        r, e, f)),
                Combinators.combine(broker, Arbitraries.longs().between(0, 3), Arbitraries.of(true, false))
                        .as(BrokerFencingChange::new),
                Combinators.combine(Arbitraries.of(NAMES), id).as(TopicRecord::new),
                Combinators.combine(id, Arbitraries.integers().between(0, 2), replicas, epoch)
                        .as((t, p, r, e) -> new PartitionRecord(t, p, r, r, r.get(0), e, e)),
                Combinators.combine(id, Arbitraries.integers().between(0, 2), epoch, broker, replicas)
                        .as((t, p, e, l, isr) -> new PartitionChangeRecord(t, p, e, l, isr, null)),
                id.map(RemoveTopicRecord::new),
                Combinators.combine(Arbitraries.of(ConfigRecord.ResourceType.values()), Arbitraries.of("a", "b", ""),
                        Arbitraries.of("retention.ms", "segment.bytes"), Arbitraries.of("1", "2", null))
                        .as(ConfigRecord::new),
                Combinators.combine(broker, Arbitraries.longs().between(0, 5000)).as(ProducerIdsRecord::new));
        return record.list().ofMaxSize(40).map(ArrayList::new);
    }
}
