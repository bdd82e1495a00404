package io.cairn.broker.coordinator;

/**
 * The state machine of one internal-topic partition led by this node, driven by {@link CoordinatorRuntime}: it is
 * rebuilt by replaying the partition's records, then serves operations that return {@link CoordinatorWrite}s.
 * Replay is the only mutator of durable state.
 *
 * <p>Confined to the runtime's event loop.
 *
 * @param <R> the record type of its partition
 */
public interface CoordinatorShard<R extends StoredRecord> {

    /** Applies one plain record: written by this shard, or read back while loading. */
    void replay(R record);

    /**
     * Applies a record written in a producer's transaction; it takes effect only when the transaction commits
     * ({@link #replayEndTransaction}). The default applies it at once, for shards whose topic has no transactional
     * writes.
     */
    default void replayTransactional(R record, long producerId, short producerEpoch) {
        replay(record);
    }

    /** A commit or abort marker of {@code producerId} was written to (or read back from) this partition. */
    default void replayEndTransaction(long producerId, boolean commit) {
    }

    /** The partition's log has been replayed up to its high watermark; the shard now serves requests. */
    void onLoaded();

    /** This node no longer leads the partition; parked requests should learn it. */
    void onUnloaded();

    /** What was loaded, for the load log line, e.g. "12 groups, 340 offsets". */
    String loadSummary();
}
