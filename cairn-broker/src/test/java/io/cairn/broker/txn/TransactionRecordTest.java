package io.cairn.broker.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class TransactionRecordTest {

    private static final TransactionMetadata ONGOING = new TransactionMetadata("txn-é", 42L, 7L, (short) 3,
            (short) 2, 60_000, TransactionState.ONGOING,
            Set.of(new TopicPartition("b", 1), new TopicPartition("a", 0), new TopicPartition("b", 0)), 1_000L,
            2_000L);

    @Test
    void roundTripsAValue() {
        // given
        TransactionRecord record = TransactionRecord.of(ONGOING);

        // when
        TransactionRecord parsed = TransactionRecord.parse(ByteBuffer.wrap(record.key()),
                ByteBuffer.wrap(record.value()));

        // then
        assertThat(parsed).isEqualTo(record);
        assertThat(parsed.metadata().topicPartitions()).containsExactly(new TopicPartition("a", 0),
                new TopicPartition("b", 0), new TopicPartition("b", 1));
    }

    @Test
    void transactionVersion2MetadataIsWrittenAsValueVersion1AndVersion1MetadataStaysAtVersion0() {
        // given a version 2 transaction handing over to a fresh producer id, and a version 1 one
        TransactionMetadata v2 = new TransactionMetadata("t", 42L, -1L, Short.MAX_VALUE, (short) (Short.MAX_VALUE - 1),
                60_000, TransactionState.PREPARE_COMMIT, Set.of(new TopicPartition("a", 0)), 1_000L, 2_000L, 77L,
                TransactionMetadata.TV_2);
        TransactionRecord record = TransactionRecord.of(v2);

        // when read back
        TransactionRecord parsed = TransactionRecord.parse(ByteBuffer.wrap(record.key()),
                ByteBuffer.wrap(record.value()));

        // then everything survives, under value version 1; version 1 metadata keeps the format older nodes read
        assertThat(parsed).isEqualTo(record);
        assertThat(ByteBuffer.wrap(record.value()).getShort()).isEqualTo(TransactionRecord.VALUE_VERSION_TV2);
        assertThat(ByteBuffer.wrap(TransactionRecord.of(ONGOING).value()).getShort())
                .isEqualTo(TransactionRecord.VALUE_VERSION);
    }

    @Test
    void roundTripsATombstone() {
        TransactionRecord tombstone = TransactionRecord.tombstone("gone");

        TransactionRecord parsed = TransactionRecord.parse(ByteBuffer.wrap(tombstone.key()), null);

        assertThat(tombstone.value()).isNull();
        assertThat(parsed).isEqualTo(tombstone);
        assertThat(parsed.isTombstone()).isTrue();
    }

    @Test
    void keyIsVersionThenId() {
        assertThat(TransactionRecord.tombstone("ab").key()).containsExactly(0, 0, 0, 2, 'a', 'b');
    }

    @Test
    void rejectsUnknownVersions() {
        byte[] key = TransactionRecord.of(ONGOING).key();
        key[1] = 1;
        byte[] value = TransactionRecord.of(ONGOING).value();
        byte[] goodKey = TransactionRecord.of(ONGOING).key();
        value[1] = 9;

        assertThatThrownBy(() -> TransactionRecord.parse(ByteBuffer.wrap(key), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key version 1");
        assertThatThrownBy(() -> TransactionRecord.parse(ByteBuffer.wrap(goodKey), ByteBuffer.wrap(value)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("value version 9");
    }

    @Test
    void rejectsEveryTruncationAndTrailingBytes() {
        byte[] key = TransactionRecord.of(ONGOING).key();
        byte[] value = TransactionRecord.of(ONGOING).value();
        for (int n = 0; n < key.length; n++) {
            byte[] cut = Arrays.copyOf(key, n);
            assertThatThrownBy(() -> TransactionRecord.parse(ByteBuffer.wrap(cut), null))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        for (int n = 0; n < value.length; n++) {
            byte[] cut = Arrays.copyOf(value, n);
            assertThatThrownBy(() -> TransactionRecord.parse(ByteBuffer.wrap(key), ByteBuffer.wrap(cut)))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        byte[] longer = Arrays.copyOf(value, value.length + 1);
        assertThatThrownBy(() -> TransactionRecord.parse(ByteBuffer.wrap(key), ByteBuffer.wrap(longer)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("trailing");
    }

    @Test
    void rejectsStatesNoCoordinatorWrites() {
        byte[] key = TransactionRecord.of(ONGOING).key();
        byte[] value = TransactionRecord.of(ONGOING).value();
        int stateOffset = 2 + 8 + 8 + 2 + 2 + 4;
        for (byte state : new byte[] {TransactionState.DEAD.id(), TransactionState.PREPARE_EPOCH_FENCE.id(), 8, -1}) {
            byte[] bad = value.clone();
            bad[stateOffset] = state;
            assertThatThrownBy(() -> TransactionRecord.parse(ByteBuffer.wrap(key), ByteBuffer.wrap(bad)))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void rejectsNegativeCountsAndPartitionsOfAnIdleId() {
        byte[] key = TransactionRecord.of(ONGOING).key();
        byte[] value = TransactionRecord.of(ONGOING).value();
        int countOffset = 2 + 8 + 8 + 2 + 2 + 4 + 1 + 8 + 8;
        byte[] negative = value.clone();
        ByteBuffer.wrap(negative).putInt(countOffset, -1);
        byte[] emptyWithPartitions = value.clone();
        emptyWithPartitions[countOffset - 17] = TransactionState.EMPTY.id();

        assertThatThrownBy(() -> TransactionRecord.parse(ByteBuffer.wrap(key), ByteBuffer.wrap(negative)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Negative topic count");
        assertThatThrownBy(() -> TransactionRecord.parse(ByteBuffer.wrap(key),
                ByteBuffer.wrap(emptyWithPartitions))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has no partitions");
    }

    @Test
    void parseDoesNotMoveTheCallersBuffers() {
        ByteBuffer key = ByteBuffer.wrap(TransactionRecord.of(ONGOING).key());
        ByteBuffer value = ByteBuffer.wrap(TransactionRecord.of(ONGOING).value());

        TransactionRecord.parse(key, value);

        assertThat(key.position()).isZero();
        assertThat(value.position()).isZero();
    }

    @Property(tries = 500)
    void everyRecordRoundTrips(@ForAll("records") TransactionRecord record) {
        byte[] value = record.value();

        TransactionRecord parsed = TransactionRecord.parse(ByteBuffer.wrap(record.key()),
                value == null ? null : ByteBuffer.wrap(value));

        assertThat(parsed).isEqualTo(record);
    }

    @Property(tries = 500)
    void garbageIsRejectedOrParsedNeverAnythingElse(@ForAll byte[] key, @ForAll byte[] value) {
        try {
            TransactionRecord parsed = TransactionRecord.parse(ByteBuffer.wrap(key), ByteBuffer.wrap(value));
            assertThat(parsed.key()).isEqualTo(key);
            assertThat(TransactionRecord.parse(ByteBuffer.wrap(parsed.key()), ByteBuffer.wrap(parsed.value())))
                    .isEqualTo(parsed);
        } catch (IllegalArgumentException expected) {
            // malformed input is refused with a clear exception, never another kind
        }
    }

    @Provide
    Arbitrary<TransactionRecord> records() {
        Arbitrary<String> ids = Arbitraries.strings().ofMinLength(1).ofMaxLength(40);
        Arbitrary<TransactionState> states = Arbitraries.of(TransactionState.values())
                .filter(TransactionState::isStorable);
        Arbitrary<List<TopicPartition>> partitions = Combinators.combine(
                        Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(10),
                        Arbitraries.integers().between(0, 1000))
                .as(TopicPartition::new).list().ofMaxSize(8);
        Arbitrary<TransactionRecord> values = Combinators.combine(ids, Arbitraries.longs().between(0, Long.MAX_VALUE),
                        Arbitraries.longs().between(-1, Long.MAX_VALUE), Arbitraries.shorts().between((short) 0,
                                Short.MAX_VALUE), Arbitraries.shorts(), Arbitraries.integers(), states, partitions)
                .as((id, pid, prev, epoch, last, timeout, state, tps) -> {
                    boolean idle = state == TransactionState.EMPTY || state.name().startsWith("COMPLETE");
                    return TransactionRecord.of(new TransactionMetadata(id, pid, prev, epoch, last, timeout, state,
                            idle ? Set.of() : new HashSet<>(tps), pid ^ 7, pid ^ 11));
                });
        return Arbitraries.oneOf(values, ids.map(TransactionRecord::tombstone));
    }
}
