package io.cairn.broker.group;

import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * One member of a consumer group (KIP-848 protocol): what it subscribes to, the epoch it has reached, the partitions
 * it owns, those it must still give up, and its target in the group's current target assignment. Every field is
 * durable: a change is written as one {@link CoordinatorRecord.ConsumerMemberRecord}.
 *
 * @param memberId             chosen by the client (version 1) or by the coordinator (version 0)
 * @param instanceId           group.instance.id of a static member, else null
 * @param subscribedTopicNames sorted; empty when the member subscribes by regex only
 * @param subscribedTopicRegex RE2/J regular expression subscription (version 1), else null
 * @param serverAssignor       the assignor the member asked for, else null
 * @param memberEpoch          the epoch of the target assignment the member is reconciled to; -2 while a static
 *                             member is away (it left with epoch -2 and may come back within its session)
 * @param assigned             partitions the member owns
 * @param pendingRevocation    partitions the member still owns but must revoke before it moves on
 * @param target               the member's share of the group's target assignment
 *
 * <p>Immutable and thread-safe.
 */
public record ConsumerMember(String memberId, String instanceId, String rackId, String clientId, String clientHost,
                             int rebalanceTimeoutMs, List<String> subscribedTopicNames, String subscribedTopicRegex,
                             String serverAssignor, int memberEpoch, int previousMemberEpoch, State state,
                             Assignment assigned, Assignment pendingRevocation, Assignment target) {

    /** The epoch a static member has while it is away. */
    public static final int LEFT_STATIC_EPOCH = -2;

    /** Where a member is in reconciling to its target; Kafka's names and stored values. */
    public enum State {
        STABLE((byte) 0, "stable"),
        UNREVOKED_PARTITIONS((byte) 1, "unrevoked_partitions"),
        UNRELEASED_PARTITIONS((byte) 2, "unreleased_partitions");

        final byte value;
        final String kafkaName;

        State(byte value, String kafkaName) {
            this.value = value;
            this.kafkaName = kafkaName;
        }

        static State of(byte value) {
            for (State state : values()) {
                if (state.value == value) {
                    return state;
                }
            }
            throw new IllegalArgumentException("Unknown consumer group member state " + value);
        }
    }

    public ConsumerMember {
        Objects.requireNonNull(memberId);
        subscribedTopicNames = List.copyOf(new TreeSet<>(subscribedTopicNames));
        Objects.requireNonNull(state);
        Objects.requireNonNull(assigned);
        Objects.requireNonNull(pendingRevocation);
        Objects.requireNonNull(target);
    }

    /** A member that has just joined: epoch 0, nothing owned, no target yet. */
    static ConsumerMember joining(String memberId) {
        return new ConsumerMember(memberId, null, null, "", "", -1, List.of(), null, null, 0, 0, State.STABLE,
                Assignment.EMPTY, Assignment.EMPTY, Assignment.EMPTY);
    }

    public boolean isStatic() {
        return instanceId != null;
    }

    /** Whether the member, static, has left with epoch -2 and not come back yet. */
    public boolean hasLeftTemporarily() {
        return memberEpoch == LEFT_STATIC_EPOCH;
    }

    public ConsumerMember withRequest(String instanceId, String rackId, String clientId, String clientHost,
                                      int rebalanceTimeoutMs, List<String> subscribedTopicNames,
                                      String subscribedTopicRegex, String serverAssignor) {
        return new ConsumerMember(memberId, instanceId, rackId, clientId, clientHost, rebalanceTimeoutMs,
                subscribedTopicNames, subscribedTopicRegex, serverAssignor, memberEpoch, previousMemberEpoch, state,
                assigned, pendingRevocation, target);
    }

    public ConsumerMember withTarget(Assignment newTarget) {
        return new ConsumerMember(memberId, instanceId, rackId, clientId, clientHost, rebalanceTimeoutMs,
                subscribedTopicNames, subscribedTopicRegex, serverAssignor, memberEpoch, previousMemberEpoch, state,
                assigned, pendingRevocation, newTarget);
    }

    /** The member at {@code epoch} (its previous epoch becomes the current one when the epoch changes). */
    public ConsumerMember reconciled(int epoch, State newState, Assignment newAssigned, Assignment newPending) {
        int previous = epoch == memberEpoch ? previousMemberEpoch : memberEpoch;
        return new ConsumerMember(memberId, instanceId, rackId, clientId, clientHost, rebalanceTimeoutMs,
                subscribedTopicNames, subscribedTopicRegex, serverAssignor, epoch, previous, newState, newAssigned,
                newPending, target);
    }

    /** This member under another id at epoch 0 (a static member that came back with a new member id). */
    public ConsumerMember replacedBy(String newMemberId) {
        return new ConsumerMember(newMemberId, instanceId, rackId, clientId, clientHost, rebalanceTimeoutMs,
                subscribedTopicNames, subscribedTopicRegex, serverAssignor, 0, 0, state, assigned, Assignment.EMPTY,
                target);
    }

    /** A static member leaving for a while: epoch -2, keeping its partitions so that nobody else gets them. */
    public ConsumerMember leftTemporarily() {
        return new ConsumerMember(memberId, instanceId, rackId, clientId, clientHost, rebalanceTimeoutMs,
                subscribedTopicNames, subscribedTopicRegex, serverAssignor, LEFT_STATIC_EPOCH, memberEpoch,
                State.STABLE, assigned, Assignment.EMPTY, target);
    }
}
