package io.cairn.storage;

import org.apache.kafka.common.record.TimestampType;

/**
 * The settings of one partition log, with Apache Kafka's topic-config semantics and defaults.
 * Immutable; a config change replaces the whole object ({@link PartitionLog#updateConfig}).
 *
 * @param segmentBytes          segment.bytes: roll when the active segment would exceed this
 * @param segmentMs             segment.ms: roll when the active segment's first batch is older than this
 * @param retentionMs           retention.ms: delete whole segments whose newest record is older; -1 = forever
 * @param retentionBytes        retention.bytes: delete oldest segments while the log is larger; -1 = unbounded
 * @param maxMessageBytes       max.message.bytes: the largest record batch accepted
 * @param indexIntervalBytes    index.interval.bytes: bytes between two offset-index entries
 * @param segmentIndexBytes     segment.index.bytes: size the offset and time index files are preallocated to
 * @param flushIntervalMessages flush.messages: fsync after this many messages (Long.MAX_VALUE = leave it to the OS)
 * @param flushIntervalMs       flush.ms: fsync when the last one is older than this (Long.MAX_VALUE = leave it to the OS)
 * @param compact               cleanup.policy contains "compact"
 * @param delete                cleanup.policy contains "delete" (time and size retention apply)
 * @param timestampType         message.timestamp.type
 * @param fileDeleteDelayMs     file.delete.delay.ms: how long a deleted segment's files stay readable
 * @param deleteRetentionMs     delete.retention.ms: how long compaction keeps a tombstone
 * @param minCleanableDirtyRatio min.cleanable.dirty.ratio: compact once this share of the closed log is uncleaned
 * @param timestampBeforeMaxMs  message.timestamp.before.max.ms: with CreateTime, refuse a record older than this
 * @param timestampAfterMaxMs   message.timestamp.after.max.ms: with CreateTime, refuse a batch dated further
 *                              ahead than this (a record from the far future would hold off time retention)
 */
public record LogConfig(
        int segmentBytes,
        long segmentMs,
        long retentionMs,
        long retentionBytes,
        int maxMessageBytes,
        int indexIntervalBytes,
        int segmentIndexBytes,
        long flushIntervalMessages,
        long flushIntervalMs,
        boolean compact,
        boolean delete,
        TimestampType timestampType,
        long fileDeleteDelayMs,
        long deleteRetentionMs,
        double minCleanableDirtyRatio,
        long timestampBeforeMaxMs,
        long timestampAfterMaxMs) {

    /** Kafka's delete.retention.ms and min.cleanable.dirty.ratio defaults. */
    public static final long DEFAULT_DELETE_RETENTION_MS = 24L * 60 * 60 * 1000;
    public static final double DEFAULT_MIN_CLEANABLE_DIRTY_RATIO = 0.5;
    /** Kafka 4's message.timestamp.before.max.ms and after.max.ms defaults. */
    public static final long DEFAULT_TIMESTAMP_BEFORE_MAX_MS = Long.MAX_VALUE;
    public static final long DEFAULT_TIMESTAMP_AFTER_MAX_MS = 60L * 60 * 1000;

    /** The settings with Kafka's timestamp bounds. */
    public LogConfig(int segmentBytes, long segmentMs, long retentionMs, long retentionBytes, int maxMessageBytes,
                     int indexIntervalBytes, int segmentIndexBytes, long flushIntervalMessages, long flushIntervalMs,
                     boolean compact, boolean delete, TimestampType timestampType, long fileDeleteDelayMs,
                     long deleteRetentionMs, double minCleanableDirtyRatio) {
        this(segmentBytes, segmentMs, retentionMs, retentionBytes, maxMessageBytes, indexIntervalBytes,
                segmentIndexBytes, flushIntervalMessages, flushIntervalMs, compact, delete, timestampType,
                fileDeleteDelayMs, deleteRetentionMs, minCleanableDirtyRatio, DEFAULT_TIMESTAMP_BEFORE_MAX_MS,
                DEFAULT_TIMESTAMP_AFTER_MAX_MS);
    }

    /** The settings without the compaction ones, which take Kafka's defaults. */
    public LogConfig(int segmentBytes, long segmentMs, long retentionMs, long retentionBytes, int maxMessageBytes,
                     int indexIntervalBytes, int segmentIndexBytes, long flushIntervalMessages, long flushIntervalMs,
                     boolean compact, boolean delete, TimestampType timestampType, long fileDeleteDelayMs) {
        this(segmentBytes, segmentMs, retentionMs, retentionBytes, maxMessageBytes, indexIntervalBytes,
                segmentIndexBytes, flushIntervalMessages, flushIntervalMs, compact, delete, timestampType,
                fileDeleteDelayMs, DEFAULT_DELETE_RETENTION_MS, DEFAULT_MIN_CLEANABLE_DIRTY_RATIO);
    }

    /** The same settings with other compaction settings. */
    public LogConfig withCompaction(boolean compact, long deleteRetentionMs, double minCleanableDirtyRatio) {
        return new LogConfig(segmentBytes, segmentMs, retentionMs, retentionBytes, maxMessageBytes, indexIntervalBytes,
                segmentIndexBytes, flushIntervalMessages, flushIntervalMs, compact, delete, timestampType,
                fileDeleteDelayMs, deleteRetentionMs, minCleanableDirtyRatio, timestampBeforeMaxMs,
                timestampAfterMaxMs);
    }

    /** The same settings with other timestamp bounds. */
    public LogConfig withTimestampBounds(long beforeMaxMs, long afterMaxMs) {
        return new LogConfig(segmentBytes, segmentMs, retentionMs, retentionBytes, maxMessageBytes, indexIntervalBytes,
                segmentIndexBytes, flushIntervalMessages, flushIntervalMs, compact, delete, timestampType,
                fileDeleteDelayMs, deleteRetentionMs, minCleanableDirtyRatio, beforeMaxMs, afterMaxMs);
    }

    /** Apache Kafka's defaults. */
    public static LogConfig defaults() {
        return new LogConfig(
                1024 * 1024 * 1024,
                7L * 24 * 60 * 60 * 1000,
                7L * 24 * 60 * 60 * 1000,
                -1L,
                1024 * 1024 + 12,
                4096,
                10 * 1024 * 1024,
                Long.MAX_VALUE,
                Long.MAX_VALUE,
                false,
                true,
                TimestampType.CREATE_TIME,
                60_000L);
    }
}
