package io.cairn.server.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class LedgerTest {

    private static Ledger.Name n(int producer, long sequence) {
        return new Ledger.Name(producer, sequence);
    }

    @Test
    void everyAcknowledgedRecordReadOnceInOrderIsClean() {
        // given: p0-1 was sent but never acknowledged, and read back anyway; p1's records interleave with p0's
        List<Ledger.Name> acked = List.of(n(0, 0), n(1, 0), n(0, 2), n(1, 1));
        List<Ledger.Name> read = List.of(n(0, 0), n(1, 0), n(0, 1), n(0, 2), n(1, 1));
        // when
        Ledger.Verdict verdict = Ledger.check(0, acked, read);
        // then
        assertThat(verdict.clean()).isTrue();
        assertThat(verdict.acked()).isEqualTo(4);
        assertThat(verdict.read()).isEqualTo(5);
    }

    @Test
    void aMissingAcknowledgedRecordIsLost() {
        Ledger.Verdict verdict = Ledger.check(2, List.of(n(0, 0), n(0, 1)), List.of(n(0, 0)));

        assertThat(verdict.lost()).isEqualTo(1);
        assertThat(verdict.clean()).isFalse();
        assertThat(verdict.examples()).containsExactly("p0-1 acknowledged on partition 2 but not read back");
    }

    @Test
    void everyExtraCopyIsADuplicateAcknowledgedOrNot() {
        Ledger.Verdict verdict = Ledger.check(0, List.of(n(0, 0)),
                List.of(n(0, 0), n(0, 0), n(0, 0), n(1, 5), n(1, 5)));

        assertThat(verdict.duplicated()).isEqualTo(3);
        assertThat(verdict.lost()).isZero();
        assertThat(verdict.examples()).contains("p0-0 read 3 times from partition 0", "p1-5 read 2 times from partition 0");
    }

    @Test
    void aProducersRecordReadBeforeOneItSentEarlierIsReordered() {
        Ledger.Verdict verdict = Ledger.check(1, List.of(n(0, 0), n(0, 3), n(0, 6)), List.of(n(0, 3), n(0, 0), n(0, 6)));

        assertThat(verdict.reordered()).isEqualTo(1);
        assertThat(verdict.examples()).containsExactly("p0-0 read after p0-3 on partition 1");
    }

    @Test
    void aRecordOfAnAbortedTransactionReadBackIsAViolation() {
        Ledger.Verdict verdict = Ledger.check(0, List.of(n(2, 0)), List.of(n(2, 10), n(2, 11)),
                List.of(n(2, 0), n(2, 11)));

        assertThat(verdict.abortedRead()).isEqualTo(1);
        assertThat(verdict.clean()).isFalse();
        assertThat(verdict.examples()).containsExactly("p2-11 of an aborted transaction read from partition 0");
    }

    @Test
    void verdictsAddUp() {
        Ledger.Verdict one = Ledger.check(0, List.of(n(0, 0)), List.of());
        Ledger.Verdict two = Ledger.check(1, List.of(n(0, 1)), List.of(n(0, 1), n(0, 1)));

        Ledger.Verdict sum = Ledger.Verdict.EMPTY.plus(one).plus(two);

        assertThat(sum.acked()).isEqualTo(2);
        assertThat(sum.lost()).isEqualTo(1);
        assertThat(sum.duplicated()).isEqualTo(1);
        assertThat(sum.examples()).hasSize(2);
    }

    @Test
    void namesRoundTripAndForeignRecordsAreRefused() {
        assertThat(Ledger.Name.parse(n(3, 42).toString())).isEqualTo(n(3, 42));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Ledger.Name.parse("hello"))
                .hasMessageContaining("not a chaos workload record");
    }
}
