package io.cairn.broker.txn;

import org.apache.kafka.common.protocol.Errors;

/**
 * InitProducerId's answer: the producer id and epoch to use, or an error with -1 and -1.
 *
 * <p>Immutable and thread-safe.
 */
public record InitProducerIdResponse(Errors error, long producerId, short producerEpoch) {

    public static InitProducerIdResponse error(Errors error) {
        return new InitProducerIdResponse(error, TransactionMetadata.NO_PRODUCER_ID,
                TransactionMetadata.NO_PRODUCER_EPOCH);
    }
}
