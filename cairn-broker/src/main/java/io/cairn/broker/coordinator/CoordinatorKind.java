package io.cairn.broker.coordinator;

import java.nio.ByteBuffer;

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

    /** Called on the event loop once {@code shard} is active (after {@link CoordinatorShard#onLoaded}). */
    default void onActive(int partition, S shard) {
    }
}
