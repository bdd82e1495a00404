package io.cairn.storage;

/**
 * An aborted transaction of one producer in one partition, as the aborted-transaction index keeps it and as
 * a {@code read_committed} fetch lists it: its data lies in [{@code firstOffset}, {@code lastOffset}), the
 * abort marker is at {@code lastOffset}. {@code lastStableOffset} is the partition's last stable offset right
 * after the abort (it lets a search stop early, as Kafka's index does).
 *
 * <p>Immutable.
 */
public record AbortedTxn(long producerId, long firstOffset, long lastOffset, long lastStableOffset) {
}
