package io.cairn.broker.txn;

import org.apache.kafka.common.protocol.Errors;

/**
 * EndTxn's answer. On success (also a retried EndTxn of a completed transaction) it names the producer id and
 * epoch the producer holds, as EndTxn v5 reports them; on error both are -1, as Kafka answers.
 *
 * <p>Immutable and thread-safe.
 */
public record EndTxnResponse(Errors error, long producerId, short producerEpoch) {

    public static EndTxnResponse error(Errors error) {
        return new EndTxnResponse(error, TransactionMetadata.NO_PRODUCER_ID,
                TransactionMetadata.NO_PRODUCER_EPOCH);
    }
}
