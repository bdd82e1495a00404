package io.cairn.broker.txn;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

/**
 * KIP-890, as the produce and transactional offset commit paths need it: are these partitions in the ongoing
 * transaction of this producer id and epoch (part 1, clients of transaction version 1, which add partitions
 * themselves), or add them to it (part 2, clients of version 2, whose first write to a partition adds it)?
 * {@link TxnVerifier} asks the transactional id's coordinator.
 */
@FunctionalInterface
public interface TransactionVerifier {

    /**
     * Answers per partition: NONE when it is in the transaction (added, with {@code add}), else the coordinator's
     * error. Never fails.
     */
    CompletableFuture<Map<TopicPartition, Errors>> verify(String transactionalId, long producerId, short producerEpoch,
                                                        Collection<TopicPartition> partitions, boolean add);
}
