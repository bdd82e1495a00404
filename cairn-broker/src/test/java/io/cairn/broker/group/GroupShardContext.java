package io.cairn.broker.group;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Supplier;

import org.apache.kafka.common.utils.MockTime;

/**
 * Drives one {@link GroupCoordinatorShard} the way the runtime does, on a manual clock: runs an operation,
 * "writes" and replays its records (through replayTransactional when the result belongs to a producer's
 * transaction), runs its onWritten callback, writes transaction markers, and fires timers as time advances.
 * The "log" keeps every record and marker in order, so that {@link #reload} replays what a new leader would.
 * Not thread-safe.
 */
final class GroupShardContext {

    final MockTime time = new MockTime(0, 1_000_000L, 1_000_000_000_000L);
    final FakeTimer timer = new FakeTimer();
    /** Every record written, plain or transactional, in order. */
    final List<CoordinatorRecord> log = new ArrayList<>();
    /** The partition's log as a loading shard reads it: records with their batch's producer, and markers. */
    final List<LogEntry> entries = new ArrayList<>();
    final GroupCoordinatorShard shard;
    /** The metadata image the shard's consumer groups see; tests replace it. */
    io.cairn.metadata.MetadataImage image = io.cairn.metadata.MetadataImage.EMPTY;

    GroupShardContext(GroupConfig config) {
        shard = new GroupCoordinatorShard(0, 1, time, timer, config, new Random(42), () -> image);
        shard.onLoaded();
    }

    <T> T run(Function<GroupCoordinatorShard, CoordinatorResult<T>> op) {
        return apply(op.apply(shard));
    }

    /** Runs {@code op} on another shard ({@link #reload}'s), replaying its records there only. */
    <T> T runOn(GroupCoordinatorShard other, Function<GroupCoordinatorShard, CoordinatorResult<T>> op) {
        CoordinatorResult<T> result = op.apply(other);
        result.records().forEach(other::replay);
        if (result.onWritten() != null) {
            result.onWritten().accept(null);
        }
        return result.response();
    }

    private <T> T apply(io.cairn.broker.coordinator.CoordinatorWrite<CoordinatorRecord, T> result) {
        io.cairn.broker.coordinator.CoordinatorWrite.TransactionalProducer producer = result.transactionalProducer();
        for (CoordinatorRecord record : result.records()) {
            log.add(record);
            LogEntry entry = producer == null ? new LogEntry.Plain(record)
                    : new LogEntry.Transactional(record, producer.producerId(), producer.producerEpoch());
            entries.add(entry);
            entry.replayInto(shard);
        }
        if (result.onWritten() != null) {
            result.onWritten().accept(null);
        }
        return result.response();
    }

    /** The transaction coordinator writes the commit or abort marker of {@code producerId} to the partition. */
    void endTransaction(long producerId, boolean commit) {
        LogEntry marker = new LogEntry.Marker(producerId, commit);
        entries.add(marker);
        marker.replayInto(shard);
    }

    /** One entry of the partition's log. */
    sealed interface LogEntry {
        void replayInto(GroupCoordinatorShard shard);

        record Plain(CoordinatorRecord record) implements LogEntry {
            @Override
            public void replayInto(GroupCoordinatorShard shard) {
                shard.replay(record);
            }
        }

        record Transactional(CoordinatorRecord record, long producerId, short producerEpoch) implements LogEntry {
            @Override
            public void replayInto(GroupCoordinatorShard shard) {
                shard.replayTransactional(record, producerId, producerEpoch);
            }
        }

        record Marker(long producerId, boolean commit) implements LogEntry {
            @Override
            public void replayInto(GroupCoordinatorShard shard) {
                shard.replayEndTransaction(producerId, commit);
            }
        }
    }

    /** Advances the clock, firing due timers in deadline order. */
    void advance(long ms) {
        long target = time.milliseconds() + ms;
        while (true) {
            FakeTimer.Task next = timer.tasks.stream().filter(t -> t.deadline <= target)
                    .min(Comparator.comparingLong(t -> t.deadline)).orElse(null);
            if (next == null) {
                break;
            }
            timer.tasks.remove(next);
            time.sleep(Math.max(0, next.deadline - time.milliseconds()));
            apply(next.operation.get());
        }
        time.sleep(target - time.milliseconds());
    }

    /** A replica of the shard rebuilt from everything written so far, as a new leader would load it. */
    GroupCoordinatorShard reload(GroupConfig config) {
        GroupCoordinatorShard loaded = new GroupCoordinatorShard(0, 1, time, new FakeTimer(), config, new Random(1),
                () -> image);
        entries.forEach(entry -> entry.replayInto(loaded));
        loaded.onLoaded();
        return loaded;
    }

    final class FakeTimer implements io.cairn.broker.coordinator.ShardTimer<CoordinatorRecord> {
        final class Task {
            final String key;
            final long deadline;
            final Supplier<? extends io.cairn.broker.coordinator.CoordinatorWrite<CoordinatorRecord, Void>> operation;

            Task(String key, long deadline,
                 Supplier<? extends io.cairn.broker.coordinator.CoordinatorWrite<CoordinatorRecord, Void>> operation) {
                this.key = key;
                this.deadline = deadline;
                this.operation = operation;
            }
        }

        final List<Task> tasks = new ArrayList<>();

        @Override
        public void schedule(String key, long delayMs,
                             Supplier<? extends io.cairn.broker.coordinator.CoordinatorWrite<CoordinatorRecord, Void>> operation) {
            cancel(key);
            tasks.add(new Task(key, time.milliseconds() + delayMs, operation));
        }

        @Override
        public void cancel(String key) {
            tasks.removeIf(t -> t.key.equals(key));
        }

        @Override
        public boolean isScheduled(String key) {
            return tasks.stream().anyMatch(t -> t.key.equals(key));
        }
    }
}
