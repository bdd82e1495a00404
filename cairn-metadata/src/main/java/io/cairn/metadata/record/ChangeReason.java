package io.cairn.metadata.record;

/**
 * Why the controller decided a change of a partition's leadership, ISR or replicas, or of a broker's registration
 * or fencing: written into the {@link DecisionRecord}s themselves (format 2), so that {@code cairn explain} reports
 * what the controller decided rather than what a reader can guess from the state before and after.
 *
 * <p>The constant names are part of the on-disk format: never rename one; add new ones. A reader that meets a
 * name it does not know reads {@link #UNKNOWN}.
 */
public enum ChangeReason {
    /** Read from a format-1 record, which did not say why. */
    UNKNOWN("unknown: written before format 2"),
    /** A topic or partition was created (CreateTopics, CreatePartitions). */
    CREATED("created"),
    /** A broker registered a new incarnation: it starts fenced and what the old one led moves away. */
    BROKER_REGISTERED("broker registered"),
    /** A broker was unfenced: its heartbeat showed it caught up with the metadata log. */
    BROKER_UNFENCED("broker unfenced after catching up"),
    /** A broker was fenced because no heartbeat renewed its lease within broker.session.timeout.ms. */
    LEASE_EXPIRED("broker fenced after lease expiry"),
    /** A broker was fenced because its heartbeat connection closed and no heartbeat followed (docs/adr/0020). */
    CONNECTION_CLOSED("broker fenced after its heartbeat connection closed"),
    /** A broker asked for a controlled shutdown: fenced, its leadership moved away. */
    CONTROLLED_SHUTDOWN("controlled shutdown"),
    /** A broker asked to be fenced (wantFence). */
    FENCE_REQUESTED("broker asked to be fenced"),
    /** A broker's heartbeat changed the partitions whose logs it reports offline. */
    OFFLINE_REPORT("a broker reported the partition's log offline or back"),
    /** A newly active controller found a leader that is not live or not in the ISR. */
    CONTROLLER_RECONCILE("reconciled by a newly active controller"),
    /** ElectLeaders, PREFERRED. */
    PREFERRED_LEADER_ELECTION("preferred-leader election"),
    /** The controller's periodic move of leadership back to preferred replicas (auto.leader.rebalance.enable). */
    AUTO_LEADER_REBALANCE("automatic preferred-leader rebalance"),
    /** ElectLeaders, UNCLEAN. */
    UNCLEAN_LEADER_ELECTION("unclean leader election"),
    /** AlterPartitionReassignments started a reassignment. */
    REASSIGNMENT_STARTED("reassignment started"),
    /** A reassignment completed: its target replicas all joined the ISR. */
    REASSIGNMENT_COMPLETED("reassignment completed"),
    /** AlterPartitionReassignments cancelled a reassignment. */
    REASSIGNMENT_CANCELLED("reassignment cancelled"),
    /** AlterPartition from the leader removed replicas from the ISR. */
    ISR_SHRINK("ISR shrink"),
    /** AlterPartition from the leader added replicas to the ISR. */
    ISR_EXPAND("ISR expand"),
    /** AlterPartition from the leader both removed and added ISR members. */
    ISR_CHANGE("ISR change");

    private final String description;

    ChangeReason(String description) {
        this.description = description;
    }

    /** A short phrase for people ("broker fenced after lease expiry"). */
    public String description() {
        return description;
    }

    /** The reason a name stands for; {@link #UNKNOWN} for a name this node does not know. */
    public static ChangeReason forName(String name) {
        for (ChangeReason reason : values()) {
            if (reason.name().equals(name)) {
                return reason;
            }
        }
        return UNKNOWN;
    }

    /** What AlterPartition did to an ISR: shrink, expand, or both. */
    public static ChangeReason isrChange(java.util.List<Integer> before, java.util.List<Integer> after) {
        if (before.containsAll(after)) {
            return ISR_SHRINK;
        }
        return after.containsAll(before) ? ISR_EXPAND : ISR_CHANGE;
    }
}
