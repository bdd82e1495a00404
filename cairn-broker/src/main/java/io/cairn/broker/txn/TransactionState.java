package io.cairn.broker.txn;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * The states of one transactional id, with Apache Kafka's ids (the byte stored in {@code __transaction_state}),
 * names (what DescribeTransactions and ListTransactions show) and valid transitions.
 *
 * <pre>
 * EMPTY ──add──▶ ONGOING ──EndTxn(commit)──▶ PREPARE_COMMIT ──markers──▶ COMPLETE_COMMIT
 *   ▲              │  └──EndTxn(abort), timeout──▶ PREPARE_ABORT ──markers──▶ COMPLETE_ABORT
 *   │              └──InitProducerId──▶ PREPARE_EPOCH_FENCE ──▶ PREPARE_ABORT
 *   └──InitProducerId── COMPLETE_*, EMPTY;   EMPTY, COMPLETE_* ──expiration──▶ DEAD
 *                       EMPTY, COMPLETE_* ──EndTxn(abort), transaction version 2──▶ PREPARE_ABORT
 * </pre>
 *
 * <p>PREPARE_EPOCH_FENCE and DEAD are transient, as in Kafka: they name an operation in flight (a fence whose
 * PREPARE_ABORT record is being written, an expiration whose tombstone is being written) and are never stored
 * in a record.
 *
 * <p>Immutable and thread-safe.
 */
public enum TransactionState {
    EMPTY((byte) 0, "Empty"),
    ONGOING((byte) 1, "Ongoing"),
    PREPARE_COMMIT((byte) 2, "PrepareCommit"),
    PREPARE_ABORT((byte) 3, "PrepareAbort"),
    COMPLETE_COMMIT((byte) 4, "CompleteCommit"),
    COMPLETE_ABORT((byte) 5, "CompleteAbort"),
    DEAD((byte) 6, "Dead"),
    PREPARE_EPOCH_FENCE((byte) 7, "PrepareEpochFence");

    private final byte id;
    private final String stateName;

    TransactionState(byte id, String stateName) {
        this.id = id;
        this.stateName = stateName;
    }

    /** The id stored in {@code __transaction_state} (Kafka's). */
    public byte id() {
        return id;
    }

    /** The name the admin APIs show, e.g. "PrepareCommit". */
    public String stateName() {
        return stateName;
    }

    /** The states this one may be entered from. */
    public Set<TransactionState> validPreviousStates() {
        return switch (this) {
            case EMPTY -> EnumSet.of(EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
            case ONGOING -> EnumSet.of(ONGOING, EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
            case PREPARE_COMMIT -> EnumSet.of(ONGOING);
            // Transaction version 2 aborts with no transaction open too (the client cannot know whether its
            // partitions were added implicitly), to bump the epoch.
            case PREPARE_ABORT -> EnumSet.of(ONGOING, PREPARE_EPOCH_FENCE, EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
            case COMPLETE_COMMIT -> EnumSet.of(PREPARE_COMMIT);
            case COMPLETE_ABORT -> EnumSet.of(PREPARE_ABORT);
            case DEAD -> EnumSet.of(EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
            case PREPARE_EPOCH_FENCE -> EnumSet.of(ONGOING);
        };
    }

    public boolean canTransitionTo(TransactionState next) {
        return next.validPreviousStates().contains(this);
    }

    /** Whether an idle transactional id in this state may expire (transactional.id.expiration.ms). */
    public boolean isExpirationAllowed() {
        return this == EMPTY || this == COMPLETE_COMMIT || this == COMPLETE_ABORT;
    }

    /** PREPARE_COMMIT or PREPARE_ABORT: the outcome is decided and markers are being written. */
    public boolean isPrepare() {
        return this == PREPARE_COMMIT || this == PREPARE_ABORT;
    }

    /** Whether records of {@code __transaction_state} may hold this state (the transient ones may not). */
    public boolean isStorable() {
        return this != DEAD && this != PREPARE_EPOCH_FENCE;
    }

    public static TransactionState fromId(byte id) {
        for (TransactionState s : values()) {
            if (s.id == id) {
                return s;
            }
        }
        throw new IllegalArgumentException("Unknown transaction state id " + id);
    }

    public static Optional<TransactionState> fromName(String name) {
        for (TransactionState s : values()) {
            if (s.stateName.equals(name)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
