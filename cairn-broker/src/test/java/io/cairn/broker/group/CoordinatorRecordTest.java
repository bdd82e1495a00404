package io.cairn.broker.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.List;

import io.cairn.broker.coordinator.StringTooLongException;
import org.junit.jupiter.api.Test;

class CoordinatorRecordTest {

    private static final CoordinatorRecord.Group GROUP = new CoordinatorRecord.Group("g", new CoordinatorRecord.GroupValue(
            "consumer", 3, "range", "m1", 42L, List.of(new CoordinatorRecord.MemberValue("m1", "i1", "c", "/h",
            30_000, 10_000, new byte[] {1, 2}, new byte[] {3}))));

    private static CoordinatorRecord parse(byte[] key, byte[] value) {
        return CoordinatorRecord.parse(ByteBuffer.wrap(key), value == null ? null : ByteBuffer.wrap(value));
    }

    @Test
    void recordsReadBackAsWritten() {
        // given
        CoordinatorRecord.Offset offset = new CoordinatorRecord.Offset("g", "t", 3,
                new CoordinatorRecord.OffsetValue(7, 2, "meta", 99L));
        // when
        CoordinatorRecord.Group group = (CoordinatorRecord.Group) parse(GROUP.key(), GROUP.value());
        // then
        assertThat(parse(offset.key(), offset.value())).isEqualTo(offset);
        assertThat(group.group().members()).singleElement()
                .satisfies(m -> assertThat(m.memberId()).isEqualTo("m1"))
                .satisfies(m -> assertThat(m.subscription()).containsExactly(1, 2));
        assertThat(parse(GROUP.key(), null)).isEqualTo(new CoordinatorRecord.Group("g", null));
    }

    @Test
    void aLengthOrCountPastTheEndIsRefusedBeforeAnythingIsAllocated() {
        // given a group value claiming 2^31-1 members, and one whose subscription claims 2 GiB
        byte[] value = GROUP.value();
        int countAt = 2 + (2 + 8) + 4 + (2 + 5) + (2 + 2) + 8;
        byte[] manyMembers = value.clone();
        ByteBuffer.wrap(manyMembers).putInt(countAt, Integer.MAX_VALUE);
        int subscriptionAt = countAt + 4 + (2 + 2) + (2 + 2) + (2 + 1) + (2 + 2) + 4 + 4;
        byte[] hugeSubscription = value.clone();
        ByteBuffer.wrap(hugeSubscription).putInt(subscriptionAt, Integer.MAX_VALUE - 8);
        // then
        assertThatThrownBy(() -> parse(GROUP.key(), manyMembers)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("count of 2147483647");
        assertThatThrownBy(() -> parse(GROUP.key(), hugeSubscription)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("length of 2147483639");
        assertThatThrownBy(() -> parse(new byte[] {0, 0, 1, 0x7f, (byte) 0xff, 'g'}, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> parse(new byte[] {0, 0, 1}, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Truncated");
        assertThatThrownBy(() -> parse(GROUP.key(), java.util.Arrays.copyOf(value, value.length + 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("trailing");
    }

    @Test
    void aStringLongerThanTheFormatHoldsIsRefusedNotCut() {
        // given ids of 32,767 UTF-8 bytes (the most an int16 length holds) and of 32,768
        String longest = "x".repeat(Short.MAX_VALUE);
        String tooLong = "€".repeat(10_923); // 3 bytes each: 32,769 bytes in 10,923 chars
        // then
        assertThat(parse(new CoordinatorRecord.Group(longest, null).key(), null).groupId()).isEqualTo(longest);
        assertThatThrownBy(() -> new CoordinatorRecord.Group(tooLong, null).key())
                .isInstanceOf(StringTooLongException.class).hasMessageContaining("32769 bytes");
        assertThatThrownBy(() -> new CoordinatorRecord.Offset("g", "t", 0,
                new CoordinatorRecord.OffsetValue(1, -1, tooLong, 0L)).value())
                .isInstanceOf(StringTooLongException.class);
        assertThatThrownBy(() -> new CoordinatorRecord.Group("g", new CoordinatorRecord.GroupValue("consumer", 1,
                "range", tooLong, 0L, List.of())).value()).isInstanceOf(StringTooLongException.class);
    }
}
