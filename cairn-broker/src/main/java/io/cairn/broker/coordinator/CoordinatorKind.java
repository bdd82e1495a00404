package io.cairn.broker.coordinator;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * What distinguishes one coordinator from another for {@link CoordinatorRuntime}: its internal topic, how its
 * shards are made and how its stored records are read.
 *
 * @param <S> the shard type
 * @param <R> the record type
 */
public interface CoordinatorKind<S extends CoordinatorShard<R>, R extends StoredRecord> {

    /** The internal topic, e.g. {@code __consumer_offsets}. */
    String topic();

    /** The partition count to assume before the topic exists. */
    int defaultPartitions();

    /** How long a write may wait for the high watermark before it fails with a timeout. */
    long commitTimeoutMs();

    /**
     * A new, empty shard for {@code partition}, led here at {@code leaderEpoch} (the coordinator epoch), whose
     * timers are {@code timer}.
     */
    S newShard(int partition, int leaderEpoch, ShardTimer<R> timer);

    /**
     * Parses a stored record.
     *
     * @throws RuntimeException an unreadable record (it is skipped with a warning)
     */
    R parse(ByteBuffer key, ByteBuffer value);

    /**
     * Called on the event loop once {@code shard} is active (after {@link CoordinatorShard#onLoaded}).
     * {@code loadedCommitted} completes, on the event loop, once every record the shard loaded is committed at
     * this leader epoch; it never completes if the leadership moves first. A shard loads its log to the end, and
     * the records above the high watermark may still be lost (this node may lose the leadership before its
     * followers have them), so nothing that others act on may be done for them before that: a transaction's
     * markers, for one.
     */
    default void onActive(int partition, S shard, CompletableFuture<Void> loadedCommitted) {
    }
}
