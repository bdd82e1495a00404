package io.cairn.broker.txn;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.cairn.broker.group.GroupConfig;
import io.cairn.broker.group.GroupCoordinatorRuntime;
import io.cairn.broker.replica.DelayedOperation;
import io.cairn.broker.replica.Partition;
import io.cairn.broker.replica.ReplicaManager;
import io.cairn.broker.replica.ReplicaRole;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.protocol.Errors;

/**
 * Writes transaction markers to partitions this node leads: what WriteTxnMarkers does on a partition leader, and
 * what the transaction coordinator does without a network hop for the partitions it leads itself. A marker in a
 * {@code __consumer_offsets} partition goes through the group coordinator (it also makes the producer's pending
 * offsets visible or drops them); any other partition appends it directly. Each answer comes once the high
 * watermark has passed the marker (acks=all), or at the timeout.
 *
 * <p>Thread-safe.
 */
public final class TxnMarkerWriter {

    private final ReplicaManager replicas;
    private final GroupCoordinatorRuntime groups;
    private final long timeoutMs;

    public TxnMarkerWriter(ReplicaManager replicas, GroupCoordinatorRuntime groups, long timeoutMs) {
        this.replicas = replicas;
        this.groups = groups;
        this.timeoutMs = timeoutMs;
    }

    /** Writes one producer's COMMIT or ABORT marker to each partition; the answer has an error per partition. */
    public CompletableFuture<Map<TopicPartition, Errors>> write(long producerId, short producerEpoch, boolean commit,
                                                             int coordinatorEpoch, byte transactionVersion,
                                                             Collection<TopicPartition> partitions) {
        Map<TopicPartition, CompletableFuture<Errors>> pending = new LinkedHashMap<>();
        for (TopicPartition tp : partitions) {
            pending.put(tp, writeOne(tp, producerId, producerEpoch, commit, coordinatorEpoch, transactionVersion)
                    .exceptionally(Errors::forException));
        }
        return CompletableFuture.allOf(pending.values().toArray(CompletableFuture[]::new)).thenApply(v -> {
            Map<TopicPartition, Errors> errors = new LinkedHashMap<>();
            pending.forEach((tp, f) -> errors.put(tp, f.join()));
            return errors;
        });
    }

    private CompletableFuture<Errors> writeOne(TopicPartition tp, long producerId, short producerEpoch,
                                               boolean commit, int coordinatorEpoch, byte transactionVersion) {
        try {
            if (tp.topic().equals(GroupConfig.OFFSETS_TOPIC)) {
                return groups.completeTransaction(tp.partition(), producerId, producerEpoch, coordinatorEpoch, commit,
                                transactionVersion)
                        .thenApply(v -> Errors.NONE);
            }
            Partition partition = replicas.partitionOrThrow(tp,
                    () -> new NotLeaderOrFollowerException("This node does not host " + tp));
            long required = partition.appendTransactionMarker(producerId, producerEpoch, commit, coordinatorEpoch,
                            transactionVersion)
                    .lastOffset() + 1;
            replicas.onAppended(tp);
            CompletableFuture<Errors> replicated = new CompletableFuture<>();
            DelayedOperation wait = new DelayedOperation() {
                @Override
                protected boolean canComplete() {
                    return partition.highWatermark() >= required || !(partition.role() instanceof ReplicaRole.Leader);
                }

                @Override
                protected void onComplete() {
                    if (!(partition.role() instanceof ReplicaRole.Leader)) {
                        replicated.complete(Errors.NOT_LEADER_OR_FOLLOWER);
                    } else {
                        replicated.complete(partition.highWatermark() >= required ? Errors.NONE
                                : Errors.REQUEST_TIMED_OUT);
                    }
                }
            };
            replicas.produceWaiters().tryCompleteElseWatch(wait, List.of(tp), timeoutMs);
            return replicated;
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(Errors.forException(e));
        }
    }
}
