package io.cairn.broker.txn;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

/**
 * KIP-890 part 1, as the produce path needs it: are these partitions in the ongoing transaction of this producer
 * id and epoch? {@link TxnVerifier} asks the transactional id's coordinator.
 */
@FunctionalInterface
public interface TransactionVerifier {

    /** Answers per partition: NONE when it is in the transaction, else the coordinator's error. Never fails. */
    CompletableFuture<Map<TopicPartition, Errors>> verify(String transactionalId, long producerId, short producerEpoch,
                                                        Collection<TopicPartition> partitions);
}
