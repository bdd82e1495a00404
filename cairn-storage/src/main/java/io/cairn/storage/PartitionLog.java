package io.cairn.storage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.utils.Time;

/**
 * The log of one partition: a directory of segments named by base offset, each holding record batches
 * exactly as the producer sent them with offsets assigned, plus sparse offset and time indexes.
 *
 * <p>Threading: appends, truncation, retention and config changes are serialized by this object;
 * reads may run concurrently with them and with each other without blocking on appends.
 */
public final class PartitionLog implements AutoCloseable {

    /**
     * Opens (creating if needed) the log in {@code dir}, recovering segments past the recovery point
     * when the last shutdown was not clean: every batch's CRC is checked, a torn or corrupt tail is
     * truncated, indexes are rebuilt and producer state is rebuilt from the log.
     */
    public static PartitionLog open(Path dir, TopicPartition topicPartition, Uuid topicId, LogConfig config,
                                    Time time) throws IOException {
        throw new UnsupportedOperationException("not yet");
    }

    /**
     * Validates and appends the batches of one produce request to this partition, as its leader.
     * Only magic v2 batches are accepted. Each batch's CRC is checked, offsets are assigned by
     * rewriting the base offset, the partition leader epoch is stamped, and for LogAppendTime logs
     * the max timestamp is set. Idempotent producers' batches are checked against producer state:
     * a retried duplicate returns its original offsets with {@code duplicate=true}.
     *
     * @throws org.apache.kafka.common.errors.CorruptRecordException        bad CRC or malformed batch
     * @throws org.apache.kafka.common.errors.RecordTooLargeException       batch over max.message.bytes
     * @throws org.apache.kafka.common.errors.RecordBatchTooLargeException  batch over segment.bytes
     * @throws org.apache.kafka.common.errors.UnsupportedForMessageFormatException magic below 2
     * @throws org.apache.kafka.common.errors.InvalidRecordException        e.g. a keyless record in a compacted log
     * @throws org.apache.kafka.common.errors.OutOfOrderSequenceException   sequence gap for a known producer
     * @throws org.apache.kafka.common.errors.InvalidProducerEpochException epoch older than the producer's current
     * @throws org.apache.kafka.common.errors.KafkaStorageException         I/O failure
     */
    public AppendResult appendAsLeader(MemoryRecords records, int leaderEpoch) {
        throw new UnsupportedOperationException("not yet");
    }

    /**
     * Reads whole batches starting with the one that contains {@code startOffset}.
     *
     * @param maxBytes           at most this many bytes, except that when {@code minOneBatch} is set the
     *                           first batch is returned whole even if larger
     * @param maxOffsetExclusive batches whose base offset is at or past this are not returned (the high
     *                           watermark for consumers, the log end offset for replicas)
     * @throws org.apache.kafka.common.errors.OffsetOutOfRangeException startOffset below the log start
     *         offset or above the log end offset
     */
    public ReadResult read(long startOffset, int maxBytes, long maxOffsetExclusive, boolean minOneBatch) {
        throw new UnsupportedOperationException("not yet");
    }

    /** The first offset still in the log. */
    public long logStartOffset() {
        throw new UnsupportedOperationException("not yet");
    }

    /** The offset the next appended record will get. */
    public long logEndOffset() {
        throw new UnsupportedOperationException("not yet");
    }

    /** The first record whose timestamp is at or after {@code timestamp}, if any. */
    public Optional<TimestampAndOffset> offsetForTimestamp(long timestamp) {
        throw new UnsupportedOperationException("not yet");
    }

    /** The record with the largest timestamp (the earliest such offset), if the log is not empty. */
    public Optional<TimestampAndOffset> maxTimestamp() {
        throw new UnsupportedOperationException("not yet");
    }

    /**
     * Moves the log start offset forward to {@code offset} (DeleteRecords) and deletes segments wholly
     * below it. Returns the new log start offset. Never moves it backwards.
     *
     * @throws org.apache.kafka.common.errors.OffsetOutOfRangeException offset above the log end offset
     */
    public long deleteRecordsBefore(long offset) {
        throw new UnsupportedOperationException("not yet");
    }

    /**
     * Rolls the active segment if segment.ms has passed, and deletes segments by retention.ms and
     * retention.bytes (when cleanup.policy has delete). Called periodically by {@link LogManager}.
     * Never deletes the active segment's data past the high watermark argument.
     *
     * @return the number of segments deleted
     */
    public int enforceRetention(long highWatermark) {
        throw new UnsupportedOperationException("not yet");
    }

    /** Replaces this log's settings; takes effect for the next append and the next retention pass. */
    public void updateConfig(LogConfig config) {
        throw new UnsupportedOperationException("not yet");
    }

    public LogConfig config() {
        throw new UnsupportedOperationException("not yet");
    }

    /** Flushes segment and index data to disk and advances the recovery point to the log end offset. */
    public void flush() {
        throw new UnsupportedOperationException("not yet");
    }

    /** Total bytes of all segments. */
    public long sizeInBytes() {
        throw new UnsupportedOperationException("not yet");
    }

    public TopicPartition topicPartition() {
        throw new UnsupportedOperationException("not yet");
    }

    public Uuid topicId() {
        throw new UnsupportedOperationException("not yet");
    }

    public Path dir() {
        throw new UnsupportedOperationException("not yet");
    }

    /** Flushes and closes files; marks this log as cleanly shut down. */
    @Override
    public void close() {
        throw new UnsupportedOperationException("not yet");
    }

    /** Closes the log and removes its directory. */
    public void delete() {
        throw new UnsupportedOperationException("not yet");
    }
}
