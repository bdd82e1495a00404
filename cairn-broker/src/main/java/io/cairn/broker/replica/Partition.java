package io.cairn.broker.replica;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.IntPredicate;

import io.cairn.storage.AppendOrigin;
import io.cairn.storage.AppendResult;
import io.cairn.storage.EpochEndOffset;
import io.cairn.storage.PartitionLog;
import io.cairn.storage.ReadResult;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.FencedLeaderEpochException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.UnknownLeaderEpochException;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One partition hosted on this node: its log, its role, and its high watermark.
 *
 * <p>As leader it tracks how far each follower has fetched, advances the high watermark to the lowest
 * log end offset in the ISR, and proposes ISR changes to the controller: it drops a follower that has not
 * caught up for replica.lag.time.max.ms and adds back one that has reached the high watermark. The ISR
 * changes only when the committed metadata says so.
 *
 * <p>Thread-safe: the role is replaced through a volatile write by the metadata thread; appends are
 * serialized by the log; the high watermark only moves forward (under this object's lock).
 */
public final class Partition {

    private static final Logger log = LoggerFactory.getLogger(Partition.class);

    /** What a partition needs from its node. */
    /**
     * @param isrEligible whether a broker may join an ISR now: registered and not fenced in this node's
     *                    metadata (a fenced or shutting-down broker is refused by the controller, and proposing
     *                    it on every fetch would hold the high watermark for it and flood the controller)
     */
    public record Settings(int nodeId, Time time, IsrChanger isrChanger, long replicaLagTimeMaxMs,
                           IntPredicate isrEligible) {
    }

    private final TopicPartition topicPartition;
    private final Uuid topicId;
    private final PartitionLog partitionLog;
    private final Settings settings;
    private volatile ReplicaRole role;
    private volatile LeaderState leaderState;
    private volatile int minInsyncReplicas;
    private volatile long highWatermark;
    private final Runnable onHighWatermarkAdvanced;

    Partition(TopicPartition topicPartition, Uuid topicId, PartitionLog partitionLog, ReplicaRole role,
              int minInsyncReplicas, Settings settings, long checkpointedHighWatermark) {
        this(topicPartition, topicId, partitionLog, role, minInsyncReplicas, settings, checkpointedHighWatermark,
                () -> { });
    }

    /**
     * @param onHighWatermarkAdvanced told (on the thread that advanced it) each time the high watermark moves
     *                                forward; it must not call back into this partition synchronously
     */
    Partition(TopicPartition topicPartition, Uuid topicId, PartitionLog partitionLog, ReplicaRole role,
              int minInsyncReplicas, Settings settings, long checkpointedHighWatermark,
              Runnable onHighWatermarkAdvanced) {
        this.onHighWatermarkAdvanced = onHighWatermarkAdvanced;
        this.topicPartition = topicPartition;
        this.topicId = topicId;
        this.partitionLog = partitionLog;
        this.settings = settings;
        this.minInsyncReplicas = minInsyncReplicas;
        long logEnd = partitionLog.logEndOffset();
        this.highWatermark = checkpointedHighWatermark >= 0
                ? Math.max(partitionLog.logStartOffset(), Math.min(checkpointedHighWatermark, logEnd))
                : partitionLog.logStartOffset();
        becomeRole(role, minInsyncReplicas);
    }

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    public Uuid topicId() {
        return topicId;
    }

    public PartitionLog log() {
        return partitionLog;
    }

    public ReplicaRole role() {
        return role;
    }

    public long highWatermark() {
        return highWatermark;
    }

    /** The leader epoch this replica leads at now, or -1 when it does not lead. */
    public int leaderEpochIfLeader() {
        return role instanceof ReplicaRole.Leader leader ? leader.leaderEpoch() : -1;
    }

    /**
     * Whether a write this replica appended as leader at {@code leaderEpoch}, ending before {@code endOffset}, is
     * committed: it still leads at that epoch and its high watermark has passed the write. A replica that lost the
     * leadership meanwhile (a paused old leader) may see its high watermark pass the offset as a follower, over the
     * new leader's records after truncating its own: that is not this write committed.
     */
    public boolean committedAsLeader(int leaderEpoch, long endOffset) {
        return leaderEpoch >= 0 && leaderEpochIfLeader() == leaderEpoch && highWatermark >= endOffset;
    }

    public int minInsyncReplicas() {
        return minInsyncReplicas;
    }

    /** A new min.insync.replicas (a dynamic broker config changed); the role stays. */
    void setMinInsyncReplicas(int newMinInsyncReplicas) {
        this.minInsyncReplicas = newMinInsyncReplicas;
    }

    /** Takes the role the committed metadata gives; a new leader epoch starts fresh follower tracking. */
    synchronized void becomeRole(ReplicaRole newRole, int newMinInsyncReplicas) {
        this.minInsyncReplicas = newMinInsyncReplicas;
        this.role = newRole;
        if (newRole instanceof ReplicaRole.Leader leader) {
            LeaderState current = leaderState;
            if (current == null || current.role().leaderEpoch() != leader.leaderEpoch()) {
                // Records from here on belong to the new epoch; followers truncate to this boundary.
                partitionLog.assignEpochStartOffset(leader.leaderEpoch(), partitionLog.logEndOffset());
                leaderState = new LeaderState(leader, settings.time().milliseconds(), partitionLog.logEndOffset());
            } else {
                LeaderState updated = new LeaderState(leader, settings.time().milliseconds(),
                        current.epochStartOffset());
                current.followers().forEach(updated::update);
                if (leader.partitionEpoch() == current.role().partitionEpoch()) {
                    current.carryIsrChangeTo(updated);
                }
                leaderState = updated;
            }
            maybeAdvanceHighWatermark();
        } else {
            leaderState = null;
        }
    }

    /**
     * Appends a producer's batches as leader.
     *
     * @param requiredAcks -1 requires the ISR to have at least min.insync.replicas members
     */
    public AppendResult appendAsLeader(MemoryRecords records, short requiredAcks) {
        return appendAsLeader(records, requiredAcks, null);
    }

    /**
     * As above, for a produce request under a transactional id: see
     * {@link PartitionLog#appendAsLeader(MemoryRecords, int, AppendOrigin, PartitionLog.Verification)}.
     */
    public AppendResult appendAsLeader(MemoryRecords records, short requiredAcks,
                                       PartitionLog.Verification verification) {
        ReplicaRole.Leader leader = requireLeader(Optional.empty());
        if (requiredAcks == -1) {
            requireMinInsync();
        }
        AppendResult result = partitionLog.appendAsLeader(records, leader.leaderEpoch(), AppendOrigin.CLIENT,
                verification);
        maybeAdvanceHighWatermark();
        return result;
    }

    /** As leader: see {@link PartitionLog#startTransactionVerification}. */
    public Object startTransactionVerification(long producerId, short producerEpoch, boolean bumpsEpoch) {
        requireLeader(Optional.empty());
        return partitionLog.startTransactionVerification(producerId, producerEpoch, bumpsEpoch);
    }

    /**
     * Appends a coordinator's records to its internal-topic partition as leader, with acks=-1's
     * min.insync.replicas check; transactional batches carry no sequence numbers.
     */
    public AppendResult appendAsCoordinator(MemoryRecords records) {
        ReplicaRole.Leader leader = requireLeader(Optional.empty());
        requireMinInsync();
        AppendResult result = partitionLog.appendAsLeader(records, leader.leaderEpoch(), AppendOrigin.COORDINATOR);
        maybeAdvanceHighWatermark();
        return result;
    }

    private void requireMinInsync() {
        List<Integer> inSync = effectiveIsr();
        if (inSync.size() < minInsyncReplicas) {
            throw new NotEnoughReplicasException("The in-sync replicas of " + topicPartition + " " + inSync
                    + " are fewer than min.insync.replicas=" + minInsyncReplicas);
        }
    }

    /**
     * Writes a transaction coordinator's commit or abort marker for a producer, as leader, with acks=-1's
     * min.insync.replicas check (the caller waits for the high watermark to pass it, as for acks=-1).
     *
     * @see io.cairn.storage.PartitionLog#appendTransactionMarker
     */
    public AppendResult appendTransactionMarker(long producerId, short producerEpoch, boolean commit,
                                                int coordinatorEpoch, byte transactionVersion) {
        ReplicaRole.Leader leader = requireLeader(Optional.empty());
        requireMinInsync();
        AppendResult result = partitionLog.appendTransactionMarker(producerId, producerEpoch, commit, coordinatorEpoch,
                leader.leaderEpoch(), transactionVersion);
        maybeAdvanceHighWatermark();
        return result;
    }

    /** Reads for a consumer: only below the high watermark. */
    public ReadResult readAsConsumer(long fetchOffset, int maxBytes, Optional<Integer> currentLeaderEpoch,
                                     boolean minOneBatch) {
        return readAsConsumer(fetchOffset, maxBytes, currentLeaderEpoch, minOneBatch, IsolationLevel.READ_UNCOMMITTED);
    }

    /**
     * Reads for a consumer up to the high watermark ({@code read_uncommitted}) or the last stable offset
     * ({@code read_committed}).
     */
    public ReadResult readAsConsumer(long fetchOffset, int maxBytes, Optional<Integer> currentLeaderEpoch,
                                     boolean minOneBatch, IsolationLevel isolation) {
        requireLeader(currentLeaderEpoch);
        long upTo = isolation == IsolationLevel.READ_COMMITTED ? lastStableOffset() : highWatermark;
        if (fetchOffset >= upTo && fetchOffset <= partitionLog.logEndOffset()) {
            return new ReadResult(MemoryRecords.EMPTY, partitionLog.logStartOffset(), partitionLog.logEndOffset());
        }
        return partitionLog.read(fetchOffset, maxBytes, upTo, minOneBatch);
    }

    /** The last stable offset: the high watermark, or below it the first offset of an unfinished transaction. */
    public long lastStableOffset() {
        return partitionLog.lastStableOffset(highWatermark);
    }

    /**
     * Reads for a follower, up to the log end offset, and records that the follower has everything below
     * {@code fetchOffset}: that may advance the high watermark and bring the follower back into the ISR.
     */
    public ReadResult readAsFollower(int replicaId, long fetchOffset, int maxBytes,
                                     Optional<Integer> currentLeaderEpoch) {
        requireLeader(currentLeaderEpoch);
        updateFollowerFetchState(replicaId, fetchOffset);
        if (fetchOffset == partitionLog.logEndOffset()) {
            return new ReadResult(MemoryRecords.EMPTY, partitionLog.logStartOffset(), partitionLog.logEndOffset());
        }
        return partitionLog.read(fetchOffset, maxBytes, partitionLog.logEndOffset(), true);
    }

    /**
     * As leader: whether a follower that last fetched {@code lastFetchedEpoch} and now fetches at
     * {@code fetchOffset} has diverged from this log, i.e. that epoch ends earlier here (or is unknown
     * here). If so, the answer is where the follower must truncate to: the largest epoch at or below its
     * own that this leader knows, and where it ends (KIP-320/KIP-595 diverging epoch).
     */
    public Optional<EpochEndOffset> divergence(int currentLeaderEpoch, int lastFetchedEpoch, long fetchOffset) {
        if (lastFetchedEpoch < 0) {
            return Optional.empty();
        }
        requireLeader(Optional.of(currentLeaderEpoch));
        EpochEndOffset end = partitionLog.endOffsetForEpoch(lastFetchedEpoch);
        if (end.isUndefined() || end.epoch() != lastFetchedEpoch || end.endOffset() < fetchOffset) {
            return Optional.of(end.isUndefined() ? new EpochEndOffset(-1, highWatermark) : end);
        }
        return Optional.empty();
    }

    /** A follower's fetch at {@code fetchOffset} says it has every record below it. */
    void updateFollowerFetchState(int replicaId, long fetchOffset) {
        LeaderState state = leaderState;
        if (state == null || !state.role().replicas().contains(replicaId)) {
            return;
        }
        long now = settings.time().milliseconds();
        LeaderState.FollowerProgress previous = state.progress(replicaId);
        boolean caughtUp = fetchOffset >= partitionLog.logEndOffset();
        long lastCaughtUp = caughtUp ? now : previous == null ? -1 : previous.lastCaughtUpTimeMs();
        state.update(replicaId, new LeaderState.FollowerProgress(fetchOffset, lastCaughtUp, now));
        maybeAdvanceHighWatermark();
        maybeExpandIsr(state, replicaId, fetchOffset);
    }

    /**
     * The committed ISR less the followers that have not caught up for replica.lag.time.max.ms. Normally the
     * same as the committed ISR, because such followers are dropped through AlterPartition; when the
     * controller cannot be reached (no metadata quorum) it keeps acks=all from waiting on replicas that are
     * gone: the write is refused with NOT_ENOUGH_REPLICAS instead.
     */
    List<Integer> effectiveIsr() {
        LeaderState state = leaderState;
        if (state == null) {
            return List.of();
        }
        long now = settings.time().milliseconds();
        List<Integer> inSync = new ArrayList<>();
        for (int replica : state.role().isr()) {
            LeaderState.FollowerProgress progress = state.progress(replica);
            if (replica == settings.nodeId() || progress == null
                    || now - progress.lastCaughtUpTimeMs() <= settings.replicaLagTimeMaxMs()) {
                inSync.add(replica);
            }
        }
        return inSync;
    }

    /**
     * Checks whether a follower has left the ISR in all but name (not caught up for
     * replica.lag.time.max.ms) and, if so, asks the controller to drop it. Called periodically.
     */
    public void maybeShrinkIsr() {
        LeaderState state = leaderState;
        if (state == null) {
            return;
        }
        long now = settings.time().milliseconds();
        List<Integer> isr = state.role().isr();
        List<Integer> lagging = new ArrayList<>();
        for (int replica : isr) {
            if (replica == settings.nodeId()) {
                continue;
            }
            LeaderState.FollowerProgress progress = state.progress(replica);
            if (progress != null && now - progress.lastCaughtUpTimeMs() > settings.replicaLagTimeMaxMs()) {
                lagging.add(replica);
            }
        }
        if (!lagging.isEmpty()) {
            List<Integer> shrunk = new ArrayList<>(isr);
            shrunk.removeAll(lagging);
            if (proposeIsr(state, shrunk)) {
                log.info("[node {}] {}: followers {} are not caught up for {} ms; shrinking the ISR to {}",
                        settings.nodeId(), topicPartition, lagging, settings.replicaLagTimeMaxMs(), shrunk);
            }
        }
    }

    private void maybeExpandIsr(LeaderState state, int replicaId, long followerEnd) {
        List<Integer> isr = state.role().isr();
        if (isr.contains(replicaId) || followerEnd < highWatermark || followerEnd < state.epochStartOffset()
                || !settings.isrEligible().test(replicaId)) {
            return;
        }
        List<Integer> expanded = new ArrayList<>(isr);
        expanded.add(replicaId);
        if (proposeIsr(state, expanded)) {
            log.info("[node {}] {}: follower {} caught up to {}; expanding the ISR to {}", settings.nodeId(),
                    topicPartition, replicaId, followerEnd, expanded);
        }
    }

    /**
     * The assigned replicas outside the ISR that this leader has no reason to keep out, each with its evidence:
     * a replica is kept out for a reason when it may not join (fenced, shutting down, not registered), has not
     * fetched within replica.lag.time.max.ms, is behind the high watermark or the start of this leader's epoch, or
     * an ISR change is in flight or was refused. Anything else is an ISR expansion that should have happened.
     * Empty unless this node leads.
     */
    public Map<Integer, String> unexplainedOutOfIsr() {
        LeaderState state = leaderState;
        if (state == null || state.isrChangeInFlight() || state.refusedIsrChange() != null) {
            return Map.of();
        }
        long now = settings.time().milliseconds();
        long hw = highWatermark;
        Map<Integer, String> unexplained = new TreeMap<>();
        for (int replica : state.role().replicas()) {
            LeaderState.FollowerProgress progress = state.progress(replica);
            if (state.role().isr().contains(replica) || !settings.isrEligible().test(replica) || progress == null
                    || progress.lastFetchTimeMs() < 0
                    || now - progress.lastFetchTimeMs() > settings.replicaLagTimeMaxMs()
                    || progress.logEndOffset() < Math.max(hw, state.epochStartOffset())) {
                continue;
            }
            unexplained.put(replica, "fetched to " + progress.logEndOffset() + " (high watermark " + hw
                    + ", leader epoch start " + state.epochStartOffset() + ") "
                    + (now - progress.lastFetchTimeMs()) + " ms ago, eligible, no ISR change in flight or refused");
        }
        return unexplained;
    }

    /** Proposes the change unless one is in flight; returns whether it was proposed. */
    private boolean proposeIsr(LeaderState state, List<Integer> newIsr) {
        if (!state.beginIsrChange(newIsr)) {
            return false;
        }
        ReplicaRole.Leader leader = state.role();
        settings.isrChanger()
                .proposeIsr(topicId, topicPartition, leader.leaderEpoch(), leader.partitionEpoch(), newIsr)
                .whenComplete((ignored, error) -> {
                    // to the state of the same epochs now: an image of another change may have replaced it
                    LeaderState current = leaderState;
                    if (current != null && current.role().leaderEpoch() == leader.leaderEpoch()
                            && current.role().partitionEpoch() == leader.partitionEpoch()) {
                        current.endIsrChange(error);
                    }
                    if (error != null) {
                        log.debug("[node {}] {}: ISR change to {} not made: {}", settings.nodeId(), topicPartition,
                                newIsr, error.toString());
                    }
                });
        return true;
    }

    /**
     * Checks that this node leads the partition and, when the client names the leader epoch it knows,
     * that it matches ours.
     */
    public ReplicaRole.Leader requireLeader(Optional<Integer> currentLeaderEpoch) {
        ReplicaRole current = role;
        if (currentLeaderEpoch.isPresent() && currentLeaderEpoch.get() >= 0) {
            int clientEpoch = currentLeaderEpoch.get();
            if (clientEpoch < current.leaderEpoch()) {
                throw new FencedLeaderEpochException("Leader epoch " + clientEpoch + " of " + topicPartition
                        + " is older than " + current.leaderEpoch());
            }
            if (clientEpoch > current.leaderEpoch()) {
                throw new UnknownLeaderEpochException("Leader epoch " + clientEpoch + " of " + topicPartition
                        + " is newer than " + current.leaderEpoch());
            }
        }
        if (current instanceof ReplicaRole.Leader leader) {
            return leader;
        }
        throw new NotLeaderOrFollowerException("This node does not lead " + topicPartition);
    }

    /**
     * The ISR the high watermark must respect: the ISR of this leader's role plus any member a pending change adds,
     * in flight or made by the controller and not yet in this node's image (a pending removal still counts until
     * the role drops it), so the high watermark never passes a record that an ISR member, current or about to be,
     * lacks. As Kafka's maximal ISR.
     */
    private static Set<Integer> maximalIsr(LeaderState state) {
        Set<Integer> isr = new LinkedHashSet<>(state.role().isr());
        List<Integer> pending = state.pendingIsr();
        if (pending != null) {
            isr.addAll(pending);
        }
        return isr;
    }

    /** Advances the high watermark to the lowest log end offset in the (maximal) ISR, never backwards. */
    private void maybeAdvanceHighWatermark() {
        LeaderState state = leaderState;
        if (state == null) {
            return;
        }
        long candidate = partitionLog.logEndOffset();
        for (int replica : maximalIsr(state)) {
            if (replica == settings.nodeId()) {
                continue;
            }
            LeaderState.FollowerProgress progress = state.progress(replica);
            candidate = Math.min(candidate, progress == null ? -1 : progress.logEndOffset());
        }
        boolean advanced = false;
        synchronized (this) {
            if (candidate > highWatermark) {
                highWatermark = candidate;
                advanced = true;
            }
        }
        if (advanced) {
            onHighWatermarkAdvanced.run();
        }
    }

    /** As follower at {@code leaderEpoch}: appends batches fetched from the leader, offsets as assigned there. */
    public synchronized void appendAsFollower(int leaderEpoch, MemoryRecords records) {
        requireFollowerAt(leaderEpoch);
        partitionLog.appendAsFollower(records);
    }

    /** As follower: drops everything from {@code offset} on, where this log diverged from the leader's. */
    public synchronized void truncateAsFollower(int leaderEpoch, long offset) {
        requireFollowerAt(leaderEpoch);
        log.info("[node {}] {}: truncating to {} to agree with the leader at epoch {}", settings.nodeId(),
                topicPartition, offset, leaderEpoch);
        partitionLog.truncateTo(offset);
        highWatermark = Math.min(highWatermark, partitionLog.logEndOffset());
    }

    /**
     * As follower: the leader answered that this log diverged from its own after {@code divergingEpoch}, which ends
     * at {@code divergingEndOffset} there (the largest epoch it knows at or below this log's last one). Truncates to
     * where the two logs still agree, as Kafka's follower does ({@code AbstractFetcherThread}'s truncation state):
     * the leader's end of that epoch, or this log's own end of it if earlier. This log's records from its own end of
     * the epoch on belong to later epochs that the leader does not have, so they differ from the leader's records
     * even when this log ends before the leader's epoch does (truncating to the leader's end offset alone then
     * removes nothing, and every fetch is told of the same divergence again).
     */
    public synchronized void truncateToDivergence(int leaderEpoch, int divergingEpoch, long divergingEndOffset) {
        long offset = divergingEndOffset;
        if (divergingEpoch >= 0) {
            EpochEndOffset own = partitionLog.endOffsetForEpoch(divergingEpoch);
            if (!own.isUndefined()) {
                offset = Math.min(offset, own.endOffset());
            }
        }
        truncateAsFollower(leaderEpoch, offset);
    }

    /** As follower whose log fell below the leader's log start: restarts the log empty at {@code offset}. */
    public synchronized void restartAsFollowerAt(int leaderEpoch, long offset) {
        requireFollowerAt(leaderEpoch);
        log.info("[node {}] {}: restarting the log at the leader's log start {}", settings.nodeId(), topicPartition,
                offset);
        partitionLog.truncateFullyAndStartAt(offset);
        highWatermark = offset;
    }

    private void requireFollowerAt(int leaderEpoch) {
        if (!(role instanceof ReplicaRole.Follower follower) || follower.leaderEpoch() != leaderEpoch) {
            throw new NotLeaderOrFollowerException(topicPartition + " is no longer a follower at epoch " + leaderEpoch);
        }
    }

    /** As follower: the leader's high watermark, capped by what this replica has. */
    public synchronized void updateFollowerHighWatermark(long leaderHighWatermark) {
        long candidate = Math.min(leaderHighWatermark, partitionLog.logEndOffset());
        if (candidate > highWatermark) {
            highWatermark = candidate;
        }
    }

    @Override
    public String toString() {
        return topicPartition + " " + role;
    }
}
