package io.cairn.metadata.controller;

import java.util.Map;
import java.util.Set;

import io.cairn.metadata.PartitionId;
import io.cairn.metadata.PartitionImage;
import org.apache.kafka.common.Uuid;

/**
 * The replicas that cannot serve their partition, as the active controller knows them from heartbeats (soft
 * state, like the leases; see {@link OfflinePartitionsField}): per broker, the partitions it reported offline
 * in its last heartbeat to this controller. A broker is not taken into the ISR of, nor elected leader of, a
 * partition it reports offline.
 *
 * <p>A new controller has heard nothing yet: until a broker's first heartbeat of the term it does not know which
 * partitions that broker can serve, so such a broker is not elected leader of a partition that has none (the
 * one way an offline replica keeps a claim: it was the last ISR member); its first heartbeat elects those
 * partitions. Partitions that have a leader are not affected by this.
 *
 * <p>Immutable, thread-safe.
 */
public final class OfflineReplicas {

    /** Nothing reported offline, every broker heard from: the election rule without this notion. */
    public static final OfflineReplicas NONE = new OfflineReplicas(Map.of(), Set.of());

    private final Map<Integer, Set<PartitionId>> reported;
    private final Set<Integer> unheard;

    private OfflineReplicas(Map<Integer, Set<PartitionId>> reported, Set<Integer> unheard) {
        this.reported = reported;
        this.unheard = unheard;
    }

    /**
     * @param reported per broker, the partitions its last heartbeat reported offline (brokers that reported
     *                 nothing offline may be left out)
     * @param unheard  the brokers that have not heartbeated to this controller yet
     */
    public static OfflineReplicas of(Map<Integer, Set<PartitionId>> reported, Set<Integer> unheard) {
        Map<Integer, Set<PartitionId>> copy = new java.util.HashMap<>();
        reported.forEach((broker, partitions) -> {
            if (!partitions.isEmpty()) {
                copy.put(broker, Set.copyOf(partitions));
            }
        });
        return new OfflineReplicas(Map.copyOf(copy), Set.copyOf(unheard));
    }

    /** Whether {@code brokerId} reported this partition offline: it may be neither in its ISR nor its leader. */
    public boolean isOffline(int brokerId, Uuid topicId, int partition) {
        Set<PartitionId> offline = reported.get(brokerId);
        return offline != null && offline.contains(new PartitionId(topicId, partition));
    }

    /**
     * Whether {@code brokerId} may be elected leader of {@code p} as far as its reports go (liveness and ISR
     * membership are the election rule's business): not if it reported the partition offline, nor, when the
     * partition has no leader, before it has reported at all.
     */
    public boolean mayLead(int brokerId, Uuid topicId, PartitionImage p) {
        return !isOffline(brokerId, topicId, p.partition()) && !(p.leader() == -1 && unheard.contains(brokerId));
    }

    /** The partitions {@code brokerId} reported offline (empty if none). */
    public Set<PartitionId> reportedBy(int brokerId) {
        return reported.getOrDefault(brokerId, Set.of());
    }

    @Override
    public String toString() {
        return "OfflineReplicas" + reported + (unheard.isEmpty() ? "" : " unheard " + unheard);
    }
}
