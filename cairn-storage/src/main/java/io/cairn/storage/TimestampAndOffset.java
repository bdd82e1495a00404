package io.cairn.storage;

/**
 * A record's timestamp and offset, as ListOffsets answers them.
 *
 * @param leaderEpoch the partition leader epoch of the batch holding the record, or -1 if unknown
 */
public record TimestampAndOffset(long timestamp, long offset, int leaderEpoch) {
}
