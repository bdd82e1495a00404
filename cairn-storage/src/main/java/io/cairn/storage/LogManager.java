package io.cairn.storage;

import java.nio.file.Path;
import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * All partition logs of one node under one data directory ({@code <dataDir>/<topic>-<partition>/}).
 * Opens existing logs at start (recovering them if the previous shutdown was unclean), creates and
 * deletes logs, and runs retention and time-based flushes on the given scheduler.
 *
 * <p>Thread-safe.
 */
public final class LogManager implements AutoCloseable {

    public LogManager(Path dataDir, Time time, ScheduledExecutorService scheduler, long retentionCheckIntervalMs) {
        throw new UnsupportedOperationException("not yet");
    }

    /** Loads every log found on disk. Logs whose directory names no valid partition are skipped with a warning. */
    public void startup() {
        throw new UnsupportedOperationException("not yet");
    }

    /**
     * The log of this partition, created with {@code config} if absent. If a log exists for the same
     * name but another topic id (the topic was deleted and re-created while this node was down), the
     * old one is deleted first.
     */
    public PartitionLog getOrCreate(TopicPartition topicPartition, Uuid topicId, LogConfig config) {
        throw new UnsupportedOperationException("not yet");
    }

    public Optional<PartitionLog> get(TopicPartition topicPartition) {
        throw new UnsupportedOperationException("not yet");
    }

    public Collection<PartitionLog> all() {
        throw new UnsupportedOperationException("not yet");
    }

    /** Deletes the partition's log and its directory, if present. */
    public void delete(TopicPartition topicPartition) {
        throw new UnsupportedOperationException("not yet");
    }

    public Path dataDir() {
        throw new UnsupportedOperationException("not yet");
    }

    /** Closes every log cleanly so that the next start needs no recovery. */
    @Override
    public void close() {
        throw new UnsupportedOperationException("not yet");
    }
}
