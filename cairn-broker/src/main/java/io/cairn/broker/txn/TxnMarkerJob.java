package io.cairn.broker.txn;

import java.util.Collections;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.requests.TransactionResult;

/**
 * Transaction markers the runtime must write (WriteTxnMarkers to each partition's leader) once the PREPARE
 * record that decided them is committed; when every partition has its marker, the runtime calls
 * {@link TransactionCoordinatorShard#onMarkersWritten} with the same id, producer id and epoch. An empty
 * partition set means there is nothing to write: call onMarkersWritten straight away.
 *
 * <p>Immutable and thread-safe.
 *
 * @param coordinatorEpoch   the leader epoch of the {@code __transaction_state} partition that decided; partition
 *                           leaders refuse markers of an older coordinator epoch
 * @param transactionVersion the client's transaction version (WriteTxnMarkers v2): at 2 the marker's epoch was
 *                           bumped for it, and partition leaders refuse one that is not above the producer's epoch
 *                           there (unless it repeats a marker already written)
 */
public record TxnMarkerJob(String transactionalId, long producerId, short producerEpoch, TransactionResult result,
                           int coordinatorEpoch, Set<TopicPartition> partitions, byte transactionVersion) {

    /** A job of transaction version 0/1. */
    public TxnMarkerJob(String transactionalId, long producerId, short producerEpoch, TransactionResult result,
                        int coordinatorEpoch, Set<TopicPartition> partitions) {
        this(transactionalId, producerId, producerEpoch, result, coordinatorEpoch, partitions, (byte) 0);
    }

    public TxnMarkerJob {
        Objects.requireNonNull(transactionalId, "transactionalId");
        Objects.requireNonNull(result, "result");
        TreeSet<TopicPartition> sorted = new TreeSet<>(TransactionMetadata.ORDER);
        sorted.addAll(partitions);
        partitions = Collections.unmodifiableSortedSet(sorted);
    }

    public boolean commit() {
        return result == TransactionResult.COMMIT;
    }
}
