package io.cairn.broker.replica;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An operation parked until something happens (new data for a long-polling fetch, follower progress for
 * acks=all) or its deadline passes. It completes exactly once, whichever comes first.
 *
 * <p>Thread-safe: {@link #tryComplete} and {@link #forceComplete} may race from any threads.
 */
public abstract class DelayedOperation {

    /**
     * The operations this thread is checking. A follower fetch's check reads the log, which may advance the
     * high watermark, which re-checks the operations watching the partition, among them this very fetch: without
     * this guard that recursed until StackOverflowError. The nested check of an operation already being checked
     * on this thread answers "not yet"; the outer check decides.
     */
    private static final ThreadLocal<java.util.Set<DelayedOperation>> CHECKING =
            ThreadLocal.withInitial(java.util.HashSet::new);

    private final AtomicBoolean completed = new AtomicBoolean();
    /** Runs once after {@link #onComplete}: the owner's clean-up (unwatch, cancel the timeout). */
    private final CompletableFuture<Void> done = new CompletableFuture<>();

    /** Checks whether the operation can complete now and, if so, completes it. Returns whether it is done. */
    public final boolean tryComplete() {
        if (completed.get()) {
            return true;
        }
        java.util.Set<DelayedOperation> checking = CHECKING.get();
        if (!checking.add(this)) {
            return false;
        }
        try {
            return canComplete() && forceComplete();
        } finally {
            checking.remove(this);
        }
    }

    /** Completes the operation now, if nobody did; returns whether this call did. */
    public final boolean forceComplete() {
        if (completed.compareAndSet(false, true)) {
            try {
                onComplete();
            } finally {
                done.complete(null);
            }
            return true;
        }
        return false;
    }

    /** Runs {@code cleanUp} once the operation has completed (at once if it has). */
    final void whenCompleted(Runnable cleanUp) {
        done.thenRun(cleanUp);
    }

    public final boolean isCompleted() {
        return completed.get();
    }

    /** Whether the condition the operation waits for holds. Must be cheap and must not block. */
    protected abstract boolean canComplete();

    /** Builds and delivers the result; called exactly once. */
    protected abstract void onComplete();
}
