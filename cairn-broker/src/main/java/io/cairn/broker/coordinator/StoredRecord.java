package io.cairn.broker.coordinator;

/**
 * A record a coordinator writes to its internal topic: a key naming what it is about (so that compaction keeps the
 * latest per key) and a value, null for a tombstone.
 */
public interface StoredRecord {

    byte[] key();

    /** The value, or null for a tombstone. */
    byte[] value();
}
