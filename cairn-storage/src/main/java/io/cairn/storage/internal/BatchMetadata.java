package io.cairn.storage.internal;

/**
 * Where one idempotent producer batch landed: its sequence range and the offsets it was given.
 * Immutable.
 */
public record BatchMetadata(int firstSequence, int lastSequence, long firstOffset, long lastOffset) {
}
