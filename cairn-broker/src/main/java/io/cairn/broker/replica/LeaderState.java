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
    /**
     * The ISR proposed to the controller and not yet in this leader's role, or null: in flight, or made by the
     * controller (committed) while this node's image does not hold it yet.
     */
    private volatile List<Integer> pendingIsr;
    /** Whether the controller made {@link #pendingIsr}: it is committed, and waits only for this node's image. */
    private volatile boolean pendingIsrMade;
    /** Why the last proposed ISR change was not made, or null when it was (or none was proposed). */
    private volatile String refusedIsrChange;

    /**
     * This node's log end when it began leading at this epoch, in this process (Kafka's leader epoch start offset):
     * a follower joins the ISR only once it has reached it. The high watermark alone is not enough: a node
     * restarted from a crash recovers the high watermark of its last checkpoint, which may lie below records it
     * acknowledged before the crash, so a follower that reached only that old high watermark may lack them.
     */
    private final long epochStartOffset;

    LeaderState(ReplicaRole.Leader role, long nowMs, long epochStartOffset) {
        this.role = role;
        this.epochStartOffset = epochStartOffset;
        for (int replica : role.replicas()) {
            // Every replica gets a fresh lease at the start of the epoch: no shrink right after failover.
            followers.put(replica, new FollowerProgress(-1, nowMs, -1));
        }
    }

    ReplicaRole.Leader role() {
        return role;
    }

    long epochStartOffset() {
        return epochStartOffset;
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

    /** Whether an ISR change is proposed and not yet answered by the controller. */
    boolean isrChangeInFlight() {
        return pendingIsr != null && !pendingIsrMade;
    }

    /** Claims the right to propose an ISR change; false when one is in flight or made but not yet in the role. */
    synchronized boolean beginIsrChange(List<Integer> proposed) {
        if (pendingIsr != null) {
            return false;
        }
        pendingIsr = List.copyOf(proposed);
        pendingIsrMade = false;
        return true;
    }

    /**
     * The controller's answer to the change in flight; {@code error} is null when it made it. A refused change is
     * forgotten. A made one stays pending until the image that holds it replaces this state: the controller
     * answers before this node has applied its own change, and until then the high watermark must count the new
     * members (they are in the ISR that others read from the committed metadata) and no other change may start
     * from the old ISR.
     */
    synchronized void endIsrChange(Throwable error) {
        if (error == null) {
            refusedIsrChange = null;
            pendingIsrMade = pendingIsr != null;
        } else {
            refusedIsrChange = "ISR change to " + pendingIsr + " refused: " + error;
            pendingIsr = null;
            pendingIsrMade = false;
        }
    }

    /**
     * Hands the ISR change of this state over to {@code next}, which replaces it at the same leader and partition
     * epochs (an image that changed something else of the topic): the change is no less pending for that.
     */
    synchronized void carryIsrChangeTo(LeaderState next) {
        synchronized (next) {
            next.pendingIsr = pendingIsr;
            next.pendingIsrMade = pendingIsrMade;
            next.refusedIsrChange = refusedIsrChange;
        }
    }

    String refusedIsrChange() {
        return refusedIsrChange;
    }
}
