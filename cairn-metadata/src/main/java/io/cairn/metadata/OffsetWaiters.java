package io.cairn.metadata;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * Futures waiting for a metadata offset to be reached by something that advances through the offsets in
 * order (the published image, or a listener that has acted on it).
 *
 * <p>Thread-safe. Futures are completed on the thread that calls {@link #advanceTo}, outside the lock.
 */
public final class OffsetWaiters {

    private volatile long reached;
    private final TreeMap<Long, List<CompletableFuture<Void>>> waiting = new TreeMap<>();

    public OffsetWaiters(long reached) {
        this.reached = reached;
    }

    /** Completes once {@link #advanceTo} has passed {@code offset}; at once if it already has. */
    public CompletableFuture<Void> when(long offset) {
        synchronized (this) {
            if (reached < offset) {
                CompletableFuture<Void> f = new CompletableFuture<>();
                waiting.computeIfAbsent(offset, o -> new ArrayList<>()).add(f);
                return f;
            }
        }
        return CompletableFuture.completedFuture(null);
    }

    /** The offset most recently passed to {@link #advanceTo}. */
    public long reached() {
        return reached;
    }

    /** Records that {@code offset} is reached and completes every future waiting for it or an earlier one. */
    public void advanceTo(long offset) {
        List<CompletableFuture<Void>> ready = new ArrayList<>();
        synchronized (this) {
            reached = Math.max(reached, offset);
            Map<Long, List<CompletableFuture<Void>>> done = waiting.headMap(reached, true);
            done.values().forEach(ready::addAll);
            done.clear();
        }
        ready.forEach(f -> f.complete(null));
    }
}
