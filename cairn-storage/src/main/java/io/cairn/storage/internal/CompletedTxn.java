package io.cairn.storage.internal;

/**
 * A transaction ended by a marker: the producer's data in this partition starts at {@code firstOffset} (the
 * marker's own offset when the producer wrote nothing here) and the marker is at {@code lastOffset}.
 *
 * <p>Immutable.
 */
public record CompletedTxn(long producerId, long firstOffset, long lastOffset, boolean aborted) {
}
