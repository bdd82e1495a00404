package io.cairn.broker.replica;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The soft state a partition leader keeps about its followers for one leader epoch: how far each has
 * fetched and when it was last caught up. Created when this node becomes leader at an epoch and dropped
 * with that epoch, so nothing of it survives a leadership change.
 *
 * <p>Thread-safe.
 */
final class LeaderState {

    /** How far a follower has got. */
    record FollowerProgress(long logEndOffset, long lastCaughtUpTimeMs, long lastFetchTimeMs) {
    }

    private final ReplicaRole.Leader role;
    private final Map<Integer, FollowerProgress> followers = new ConcurrentHashMap<>();
    /** The ISR proposed to the controller and not yet committed, or null. */
    private volatile List<Integer> pendingIsr;
    /** Why the last proposed ISR change was not made, or null when it was (or none was proposed). */
    private volatile String refusedIsrChange;

    LeaderState(ReplicaRole.Leader role, long nowMs) {
        this.role = role;
        for (int replica : role.replicas()) {
            // Every replica gets a fresh lease at the start of the epoch: no shrink right after failover.
            followers.put(replica, new FollowerProgress(-1, nowMs, -1));
        }
    }

    ReplicaRole.Leader role() {
        return role;
    }

    FollowerProgress progress(int replicaId) {
        return followers.get(replicaId);
    }

    Map<Integer, FollowerProgress> followers() {
        return followers;
    }

    void update(int replicaId, FollowerProgress progress) {
        followers.put(replicaId, progress);
    }

    List<Integer> pendingIsr() {
        return pendingIsr;
    }

    /** Claims the right to propose an ISR change; false when one is already in flight. */
    synchronized boolean beginIsrChange(List<Integer> proposed) {
        if (pendingIsr != null) {
            return false;
        }
        pendingIsr = List.copyOf(proposed);
        return true;
    }

    /** Ends the change in flight; {@code error} is null when the controller made it. */
    synchronized void endIsrChange(Throwable error) {
        refusedIsrChange = error == null ? null : "ISR change to " + pendingIsr + " refused: " + error;
        pendingIsr = null;
    }

    String refusedIsrChange() {
        return refusedIsrChange;
    }
}
