package io.cairn.metadata.record;

import java.util.List;
import java.util.Objects;

import org.apache.kafka.common.Uuid;

/**
 * One step of a partition's history (docs/adr/0023): a decision that changed it, with the state it left the
 * partition in. The image keeps the last {@link io.cairn.metadata.DecisionHistory#LIMIT} of them per partition;
 * snapshots restate them as these records (a snapshot drops the log entries the history was built from), and
 * {@code cairn explain} receives them as these records.
 *
 * <p>Applying one appends it to the partition's history when its {@code seq} is past the last one there (so
 * restating a history twice changes nothing), and the partition exists; otherwise it is a no-op.
 *
 * @param seq          the change's number in this partition's history, from 1; older entries were dropped when the
 *                     first one kept has a seq above 1
 * @param offset       the metadata log offset of the batch that decided it
 * @param term         the Raft term of the controller that decided it
 * @param controllerId the node whose controller decided it
 * @param timeMs       when, on that controller's clock; -1 when unknown
 * @param reason       why
 */
public record PartitionHistoryRecord(Uuid topicId, int partition, long seq, long offset, int term, int controllerId,
                                     long timeMs, ChangeReason reason, int leader, int leaderEpoch,
                                     int partitionEpoch, List<Integer> isr, List<Integer> replicas,
                                     List<Integer> addingReplicas, List<Integer> removingReplicas)
        implements MetadataRecord, HistoryStep {
    public PartitionHistoryRecord {
        Objects.requireNonNull(topicId, "topicId");
        reason = reason == null ? ChangeReason.UNKNOWN : reason;
        isr = isr == null ? List.of() : List.copyOf(isr);
        replicas = replicas == null ? List.of() : List.copyOf(replicas);
        addingReplicas = addingReplicas == null ? List.of() : List.copyOf(addingReplicas);
        removingReplicas = removingReplicas == null ? List.of() : List.copyOf(removingReplicas);
    }
}
