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
 */
public record TransactionMetadata(String transactionalId, long producerId, long previousProducerId,
                                  short producerEpoch, short lastProducerEpoch, int txnTimeoutMs,
                                  TransactionState state, Set<TopicPartition> topicPartitions,
                                  long txnStartTimestamp, long txnLastUpdateTimestamp) {

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
    }

    /** Epochs at or above Short.MAX_VALUE - 1 are never handed out, so a producer can always be fenced. */
    public static boolean isEpochExhausted(short epoch) {
        return epoch >= Short.MAX_VALUE - 1;
    }

    public boolean isProducerEpochExhausted() {
        return isEpochExhausted(producerEpoch);
    }

    TransactionMetadata with(TransactionState newState, long newProducerId, long newPreviousProducerId,
                             short newEpoch, short newLastEpoch, int newTimeoutMs, Set<TopicPartition> partitions,
                             long newStartTimestamp, long nowMs) {
        return new TransactionMetadata(transactionalId, newProducerId, newPreviousProducerId, newEpoch, newLastEpoch,
                newTimeoutMs, newState, partitions, newStartTimestamp, nowMs);
    }

    /** The metadata of an id seen for the first time: epoch 0 of a fresh producer id, no transaction. */
    static TransactionMetadata fresh(String transactionalId, long producerId, int txnTimeoutMs, long nowMs) {
        return new TransactionMetadata(transactionalId, producerId, NO_PRODUCER_ID, (short) 0,
                NO_PRODUCER_EPOCH, txnTimeoutMs, TransactionState.EMPTY, Set.of(), -1L, nowMs);
    }
}
