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
 * partitions that broker can serve. Such a broker is still elected from the ISR of a partition that has a leader
 * (its membership shows it serves the partition: an earlier report would have removed it, and a new incarnation
 * leaves every ISR at registration and rejoins only by fetching), but not where an offline replica can still be a
 * candidate: a partition without leader (it may be the last ISR member, kept there by an earlier report) and an
 * unclean election (any live replica). Its first heartbeat, due within one heartbeat interval, elects the
 * partitions without leader it can lead.
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
     * Whether {@code brokerId} may lead {@code p} as far as its reports go (liveness is the election rule's
     * business): not if it reported the partition offline; and before it has reported at all, only from the ISR
     * of a partition that has a leader.
     */
    public boolean mayLead(int brokerId, Uuid topicId, PartitionImage p) {
        if (isOffline(brokerId, topicId, p.partition())) {
            return false;
        }
        return !unheard.contains(brokerId) || (p.leader() != -1 && p.isr().contains(brokerId));
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
