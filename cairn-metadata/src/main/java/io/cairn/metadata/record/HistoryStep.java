package io.cairn.metadata.record;

/**
 * One kept step of a partition's or a broker's history (docs/adr/0023): which decision it was and who made it.
 * Thread-safe (immutable values).
 */
public sealed interface HistoryStep permits PartitionHistoryRecord, BrokerHistoryRecord {
    /** The step's number in its subject's history, from 1; a first kept step above 1 means older ones were dropped. */
    long seq();

    /** The metadata log offset of the batch that decided it. */
    long offset();

    /** The Raft term of the controller that decided it. */
    int term();

    /** The node whose controller decided it. */
    int controllerId();

    /** When, on that controller's clock; -1 when unknown. */
    long timeMs();

    ChangeReason reason();
}
