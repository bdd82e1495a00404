package io.cairn.raft;

import java.util.function.Supplier;

import org.apache.kafka.common.utils.Time;

/** A clock tests move by hand. Thread-safe. */
final class ManualTime implements Time {
    private volatile long nanos = 1_000_000_000L;

    @Override
    public long milliseconds() {
        return nanos / 1_000_000;
    }

    @Override
    public long nanoseconds() {
        return nanos;
    }

    @Override
    public synchronized void sleep(long ms) {
        nanos += ms * 1_000_000;
    }

    @Override
    public void waitObject(Object obj, Supplier<Boolean> condition, long deadlineMs) {
        if (!condition.get()) {
            throw new UnsupportedOperationException("ManualTime does not wait");
        }
    }
}
