package io.cairn.metadata.record;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class ChangeReasonTest {

    @Test
    void anIsrChangeIsAShrinkAnExpansionOrBoth() {
        assertThat(ChangeReason.isrChange(List.of(1, 2, 3), List.of(1, 3))).isEqualTo(ChangeReason.ISR_SHRINK);
        assertThat(ChangeReason.isrChange(List.of(1), List.of(1, 2))).isEqualTo(ChangeReason.ISR_EXPAND);
        assertThat(ChangeReason.isrChange(List.of(1, 2), List.of(1, 3))).isEqualTo(ChangeReason.ISR_CHANGE);
    }

    @Test
    void aNameThisNodeDoesNotKnowReadsAsUnknown() {
        assertThat(ChangeReason.forName("LEASE_EXPIRED")).isEqualTo(ChangeReason.LEASE_EXPIRED);
        assertThat(ChangeReason.forName("A_REASON_FROM_A_LATER_RELEASE")).isEqualTo(ChangeReason.UNKNOWN);
        assertThat(ChangeReason.values()).allSatisfy(r -> assertThat(r.description()).isNotBlank());
    }
}
