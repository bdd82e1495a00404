package io.cairn.broker.txn;

import static io.cairn.broker.txn.TransactionState.COMPLETE_ABORT;
import static io.cairn.broker.txn.TransactionState.COMPLETE_COMMIT;
import static io.cairn.broker.txn.TransactionState.DEAD;
import static io.cairn.broker.txn.TransactionState.EMPTY;
import static io.cairn.broker.txn.TransactionState.ONGOING;
import static io.cairn.broker.txn.TransactionState.PREPARE_ABORT;
import static io.cairn.broker.txn.TransactionState.PREPARE_COMMIT;
import static io.cairn.broker.txn.TransactionState.PREPARE_EPOCH_FENCE;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TransactionStateTest {

    @Test
    void transitionsAreKafkas() {
        assertThat(ONGOING.canTransitionTo(PREPARE_COMMIT)).isTrue();
        assertThat(ONGOING.canTransitionTo(PREPARE_EPOCH_FENCE)).isTrue();
        assertThat(PREPARE_EPOCH_FENCE.canTransitionTo(PREPARE_ABORT)).isTrue();
        assertThat(PREPARE_COMMIT.canTransitionTo(COMPLETE_COMMIT)).isTrue();
        assertThat(COMPLETE_ABORT.canTransitionTo(ONGOING)).isTrue();
        assertThat(COMPLETE_COMMIT.canTransitionTo(DEAD)).isTrue();

        assertThat(PREPARE_COMMIT.canTransitionTo(PREPARE_ABORT)).isFalse();
        assertThat(PREPARE_ABORT.canTransitionTo(COMPLETE_COMMIT)).isFalse();
        assertThat(PREPARE_COMMIT.canTransitionTo(COMPLETE_ABORT)).isFalse();
        assertThat(EMPTY.canTransitionTo(PREPARE_COMMIT)).isFalse();
        assertThat(ONGOING.canTransitionTo(DEAD)).isFalse();
        assertThat(PREPARE_EPOCH_FENCE.canTransitionTo(PREPARE_COMMIT)).isFalse();
    }

    @Test
    void idsAndNamesAreKafkas() {
        assertThat(TransactionState.fromId((byte) 7)).isEqualTo(PREPARE_EPOCH_FENCE);
        assertThat(TransactionState.fromName("CompleteCommit")).contains(COMPLETE_COMMIT);
        assertThat(TransactionState.fromName("Nope")).isEmpty();
        for (TransactionState s : TransactionState.values()) {
            assertThat(TransactionState.fromId(s.id())).isEqualTo(s);
        }
    }

    @Test
    void onlyIdleStatesExpire() {
        assertThat(EMPTY.isExpirationAllowed()).isTrue();
        assertThat(COMPLETE_ABORT.isExpirationAllowed()).isTrue();
        assertThat(ONGOING.isExpirationAllowed()).isFalse();
        assertThat(PREPARE_COMMIT.isExpirationAllowed()).isFalse();
    }
}
