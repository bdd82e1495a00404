package io.cairn.broker.txn;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * The one place where the shard's errors meet request versions. The shard answers PRODUCER_FENCED, as Kafka's
 * coordinator does; clients of request versions from before KIP-588 only know INVALID_PRODUCER_EPOCH for it
 * (InitProducerId up to v3, AddPartitionsToTxn, AddOffsetsToTxn and EndTxn up to v1), and Kafka's handlers
 * translate it for them. Handlers call {@link #forVersion} on every error the shard gives.
 *
 * <p>Stateless and thread-safe.
 */
public final class TxnErrors {

    private TxnErrors() {
    }

    /** The same answer for every partition, in the order given. */
    public static Map<TopicPartition, Errors> sameForAll(Collection<TopicPartition> partitions, Errors error) {
        Map<TopicPartition, Errors> answers = new LinkedHashMap<>();
        partitions.forEach(tp -> answers.put(tp, error));
        return answers;
    }

    public static Errors forVersion(ApiKeys api, short version, Errors error) {
        if (error != Errors.PRODUCER_FENCED) {
            return error;
        }
        int lastOldVersion = switch (api) {
            case INIT_PRODUCER_ID -> 3;
            case ADD_PARTITIONS_TO_TXN, ADD_OFFSETS_TO_TXN, END_TXN -> 1;
            default -> -1;
        };
        return version <= lastOldVersion ? Errors.INVALID_PRODUCER_EPOCH : error;
    }
}
