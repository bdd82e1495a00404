package io.cairn.broker.txn;

import java.util.Collections;
import java.util.Comparator;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

import org.apache.kafka.common.TopicPartition;

/**
 * What the coordinator knows about one transactional id: exactly what one {@code __transaction_state} record
 * holds, so that replaying the latest record of an id restores it.
 *
 * <p>Immutable and thread-safe.
 *
 * @param transactionalId        the producer's transactional.id
 * @param producerId             the producer id currently handed out for it
 * @param previousProducerId     the producer id before the last rotation (a new id after the epoch ran out), or
 *                               -1; lets a retried InitProducerId of the rotated producer be recognised (KIP-360)
 * @param producerEpoch          the current epoch; every operation must carry it, older ones are fenced
 * @param lastProducerEpoch      the epoch before the last InitProducerId bump when the producer asked for it
 *                               (KIP-360), else -1; lets a retried InitProducerId get the same answer
 * @param txnTimeoutMs           the producer's transaction.timeout.ms
 * @param state                  never a transient state (PREPARE_EPOCH_FENCE, DEAD)
 * @param topicPartitions        the partitions of the open (or preparing) transaction; empty otherwise
 * @param txnStartTimestamp      when the first partition was added to the transaction, -1 before any
 * @param txnLastUpdateTimestamp when this metadata last changed
 * @param nextProducerId         transaction version 2: the producer id a PREPARE state hands over when its epoch
 *                               bump would overflow (the COMPLETE state then holds it at epoch 0), else -1
 * @param transactionVersion     the transaction version the client used for the current (or last) transaction:
 *                               2 when EndTxn bumps the epoch (KIP-890 part 2), else 0 (Kafka's TV_0/TV_1)
 */
public record TransactionMetadata(String transactionalId, long producerId, long previousProducerId,
                                  short producerEpoch, short lastProducerEpoch, int txnTimeoutMs,
                                  TransactionState state, Set<TopicPartition> topicPartitions,
                                  long txnStartTimestamp, long txnLastUpdateTimestamp, long nextProducerId,
                                  byte transactionVersion) {

    /** Transaction version 2 (KIP-890 part 2): the epoch is bumped by every EndTxn. */
    public static final byte TV_2 = 2;

    /** No producer id: Kafka's -1. */
    public static final long NO_PRODUCER_ID = -1L;
    /** No producer epoch: Kafka's -1. */
    public static final short NO_PRODUCER_EPOCH = -1;

    /** Partitions in a stable order (topic, then partition), so records and responses are deterministic. */
    static final Comparator<TopicPartition> ORDER =
            Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition);

    public TransactionMetadata {
        Objects.requireNonNull(transactionalId, "transactionalId");
        Objects.requireNonNull(state, "state");
        if (transactionalId.isEmpty()) {
            throw new IllegalArgumentException("Empty transactional id");
        }
        if (!state.isStorable()) {
            throw new IllegalArgumentException("State " + state + " is transient and never stored");
        }
        if (producerId < 0) {
            throw new IllegalArgumentException("Illegal producer id " + producerId + " for " + transactionalId);
        }
        if (producerEpoch < 0) {
            throw new IllegalArgumentException("Illegal producer epoch " + producerEpoch + " for " + transactionalId);
        }
        TreeSet<TopicPartition> sorted = new TreeSet<>(ORDER);
        sorted.addAll(topicPartitions);
        if (!sorted.isEmpty() && (state == TransactionState.EMPTY || state == TransactionState.COMPLETE_COMMIT
                || state == TransactionState.COMPLETE_ABORT)) {
            throw new IllegalArgumentException("State " + state + " has no partitions, got " + sorted);
        }
        topicPartitions = Collections.unmodifiableSortedSet(sorted);
        if (nextProducerId != NO_PRODUCER_ID && !state.isPrepare()) {
            throw new IllegalArgumentException("Only a PREPARE state hands over a next producer id, not " + state);
        }
        if (transactionVersion < 0 || transactionVersion > TV_2) {
            throw new IllegalArgumentException("Unknown transaction version " + transactionVersion);
        }
    }

    /** The metadata of transaction version 0/1, as records of value version 0 hold it. */
    public TransactionMetadata(String transactionalId, long producerId, long previousProducerId,
                               short producerEpoch, short lastProducerEpoch, int txnTimeoutMs,
                               TransactionState state, Set<TopicPartition> topicPartitions,
                               long txnStartTimestamp, long txnLastUpdateTimestamp) {
        this(transactionalId, producerId, previousProducerId, producerEpoch, lastProducerEpoch, txnTimeoutMs, state,
                topicPartitions, txnStartTimestamp, txnLastUpdateTimestamp, NO_PRODUCER_ID, (byte) 0);
    }

    /** Whether the client's transaction is of version 2: EndTxn bumps the epoch, markers carry the bumped one. */
    public boolean bumpsEpochPerTransaction() {
        return transactionVersion >= TV_2;
    }

    /** Epochs at or above Short.MAX_VALUE - 1 are never handed out, so a producer can always be fenced. */
    public static boolean isEpochExhausted(short epoch) {
        return epoch >= Short.MAX_VALUE - 1;
    }

    public boolean isProducerEpochExhausted() {
        return isEpochExhausted(producerEpoch);
    }

    /** The next state; the next producer id is dropped (only a PREPARE state holds one), the version kept. */
    TransactionMetadata with(TransactionState newState, long newProducerId, long newPreviousProducerId,
                             short newEpoch, short newLastEpoch, int newTimeoutMs, Set<TopicPartition> partitions,
                             long newStartTimestamp, long nowMs) {
        return new TransactionMetadata(transactionalId, newProducerId, newPreviousProducerId, newEpoch, newLastEpoch,
                newTimeoutMs, newState, partitions, newStartTimestamp, nowMs, NO_PRODUCER_ID, transactionVersion);
    }

    /** The same metadata with another next producer id (a PREPARE state of transaction version 2). */
    TransactionMetadata withNextProducerId(long next) {
        return new TransactionMetadata(transactionalId, producerId, previousProducerId, producerEpoch,
                lastProducerEpoch, txnTimeoutMs, state, topicPartitions, txnStartTimestamp, txnLastUpdateTimestamp,
                next, transactionVersion);
    }

    /** The same metadata for a client of transaction version {@code version}. */
    TransactionMetadata withTransactionVersion(byte version) {
        return new TransactionMetadata(transactionalId, producerId, previousProducerId, producerEpoch,
                lastProducerEpoch, txnTimeoutMs, state, topicPartitions, txnStartTimestamp, txnLastUpdateTimestamp,
                nextProducerId, version);
    }

    /** The metadata of an id seen for the first time: epoch 0 of a fresh producer id, no transaction. */
    static TransactionMetadata fresh(String transactionalId, long producerId, int txnTimeoutMs, long nowMs) {
        return new TransactionMetadata(transactionalId, producerId, NO_PRODUCER_ID, (short) 0,
                NO_PRODUCER_EPOCH, txnTimeoutMs, TransactionState.EMPTY, Set.of(), -1L, nowMs);
    }
}
