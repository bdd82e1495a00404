package io.cairn.metadata.record;

/**
 * A record that carries a controller's decision about leadership or a broker's state, with why and when it was
 * decided (format 2). The deciding controller's node and Raft term are the batch's ({@link MetadataBatch}).
 *
 * <p>{@link #reason()} is null when the record restates state instead of deciding a change (a snapshot's
 * content); such a record adds nothing to the history ({@link io.cairn.metadata.DecisionHistory}).
 */
public sealed interface DecisionRecord extends MetadataRecord permits PartitionRecord, PartitionChangeRecord,
        PartitionReassignmentRecord, RegisterBrokerRecord, BrokerFencingChange {

    /** Why the change was decided; null for a record that restates state. */
    ChangeReason reason();

    /** When, in milliseconds since the epoch on the deciding controller's clock; -1 when unknown. */
    long timeMs();

    /** This record decided at {@code timeMs} (the controller stamps every record when it appends the batch). */
    DecisionRecord decidedAt(long timeMs);

    /** This record as read from a format-1 batch: {@link ChangeReason#UNKNOWN}, no time. */
    DecisionRecord fromFormat1();
}
