package io.cairn.broker.group;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Supplier;

import org.apache.kafka.common.utils.Time;

/**
 * Drives one {@link GroupCoordinatorShard} the way the runtime does, on a manual clock: runs an operation,
 * "writes" and replays its records, runs its onWritten callback, and fires timers as time advances.
 * Not thread-safe.
 */
final class GroupShardContext {

    final ManualTime time = new ManualTime();
    final FakeTimer timer = new FakeTimer();
    final List<CoordinatorRecord> log = new ArrayList<>();
    final GroupCoordinatorShard shard;

    GroupShardContext(GroupConfig config) {
        shard = new GroupCoordinatorShard(0, 1, time, timer, config, new Random(42));
        shard.onLoaded();
    }

    <T> T run(Function<GroupCoordinatorShard, CoordinatorResult<T>> op) {
        return apply(op.apply(shard));
    }

    private <T> T apply(io.cairn.broker.coordinator.CoordinatorWrite<CoordinatorRecord, T> result) {
        for (CoordinatorRecord record : result.records()) {
            log.add(record);
            shard.replay(record);
        }
        if (result.onWritten() != null) {
            result.onWritten().accept(null);
        }
        return result.response();
    }

    /** Advances the clock, firing due timers in deadline order. */
    void advance(long ms) {
        long target = time.now + ms;
        while (true) {
            FakeTimer.Task next = timer.tasks.stream().filter(t -> t.deadline <= target)
                    .min(Comparator.comparingLong(t -> t.deadline)).orElse(null);
            if (next == null) {
                break;
            }
            timer.tasks.remove(next);
            time.now = Math.max(time.now, next.deadline);
            apply(next.operation.get());
        }
        time.now = target;
    }

    /** A replica of the shard rebuilt from everything written so far, as a new leader would load it. */
    GroupCoordinatorShard reload(GroupConfig config) {
        GroupCoordinatorShard loaded = new GroupCoordinatorShard(0, 1, time, new FakeTimer(), config, new Random(1));
        log.forEach(loaded::replay);
        loaded.onLoaded();
        return loaded;
    }

    static final class ManualTime implements Time {
        long now = 1_000_000;

        @Override
        public long milliseconds() {
            return now;
        }

        @Override
        public long nanoseconds() {
            return now * 1_000_000;
        }

        @Override
        public void sleep(long ms) {
            now += ms;
        }

        @Override
        public void waitObject(Object obj, Supplier<Boolean> condition, long deadlineMs) {
            throw new UnsupportedOperationException();
        }
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
            tasks.add(new Task(key, time.now + delayMs, operation));
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
