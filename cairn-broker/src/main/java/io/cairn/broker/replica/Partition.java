package io.cairn.broker.replica;

import java.util.Optional;

import io.cairn.storage.AppendResult;
import io.cairn.storage.PartitionLog;
import io.cairn.storage.ReadResult;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.FencedLeaderEpochException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.UnknownLeaderEpochException;
import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * One partition hosted on this node: its log, its role, and its high watermark.
 *
 * <p>Thread-safe: the role is replaced through a volatile write by the metadata thread; appends are
 * serialized by the log; the high watermark only moves forward.
 */
public final class Partition {

    private final TopicPartition topicPartition;
    private final Uuid topicId;
    private final PartitionLog log;
    private volatile ReplicaRole role;
    private volatile int minInsyncReplicas;
    private volatile long highWatermark;

    Partition(TopicPartition topicPartition, Uuid topicId, PartitionLog log, ReplicaRole role, int minInsyncReplicas) {
        this.topicPartition = topicPartition;
        this.topicId = topicId;
        this.log = log;
        this.role = role;
        this.minInsyncReplicas = minInsyncReplicas;
        this.highWatermark = role instanceof ReplicaRole.Leader leader && leader.isr().size() == 1
                ? log.logEndOffset()
                : Math.min(log.logEndOffset(), log.logStartOffset());
    }

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    public Uuid topicId() {
        return topicId;
    }

    public PartitionLog log() {
        return log;
    }

    public ReplicaRole role() {
        return role;
    }

    public long highWatermark() {
        return highWatermark;
    }

    void becomeRole(ReplicaRole newRole, int newMinInsyncReplicas) {
        this.role = newRole;
        this.minInsyncReplicas = newMinInsyncReplicas;
        maybeAdvanceHighWatermark();
    }

    /**
     * Appends a producer's batches as leader.
     *
     * @param requiredAcks -1 requires the ISR to have at least min.insync.replicas members
     */
    public AppendResult appendAsLeader(MemoryRecords records, short requiredAcks) {
        ReplicaRole.Leader leader = requireLeader(Optional.empty());
        if (requiredAcks == -1 && leader.isr().size() < minInsyncReplicas) {
            throw new NotEnoughReplicasException("The in-sync replicas of " + topicPartition + " " + leader.isr()
                    + " are fewer than min.insync.replicas=" + minInsyncReplicas);
        }
        AppendResult result = log.appendAsLeader(records, leader.leaderEpoch());
        maybeAdvanceHighWatermark();
        return result;
    }

    /** Reads for a consumer: only below the high watermark. */
    public ReadResult readAsConsumer(long fetchOffset, int maxBytes, Optional<Integer> currentLeaderEpoch,
                                     boolean minOneBatch) {
        requireLeader(currentLeaderEpoch);
        long hw = highWatermark;
        if (fetchOffset >= hw && fetchOffset <= log.logEndOffset()) {
            return new ReadResult(MemoryRecords.EMPTY, log.logStartOffset(), log.logEndOffset());
        }
        return log.read(fetchOffset, maxBytes, hw, minOneBatch);
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
     * The high watermark is the lowest log end offset in the ISR. Until followers report their offsets
     * (replication), a leader that is alone in its ISR advances it to its own log end offset.
     */
    private void maybeAdvanceHighWatermark() {
        if (role instanceof ReplicaRole.Leader leader && leader.isr().size() == 1) {
            long logEnd = log.logEndOffset();
            synchronized (this) {
                if (logEnd > highWatermark) {
                    highWatermark = logEnd;
                }
            }
        }
    }

    @Override
    public String toString() {
        return topicPartition + " " + role;
    }
}
