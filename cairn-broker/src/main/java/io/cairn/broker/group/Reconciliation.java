package io.cairn.broker.group;

import java.util.Set;

import io.cairn.broker.group.ConsumerMember.State;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.FencedMemberEpochException;

/**
 * One step of a consumer group member towards its target assignment (KIP-848), as Kafka's coordinator takes it:
 * <ul>
 *   <li>a member first gives up what its target no longer holds: it stays at its epoch, in UNREVOKED_PARTITIONS,
 *       until a heartbeat's owned partitions no longer list them;</li>
 *   <li>then it moves to the target's epoch and gets the target's partitions that nobody else owns; those another
 *       member still owns (it has not revoked them yet) are given later, meanwhile the member is in
 *       UNRELEASED_PARTITIONS.</li>
 * </ul>
 * So a partition never has two owners, and a member's epoch moves only when it owns nothing outside its target.
 *
 * <p>A pure function of its inputs. Thread-safe.
 */
final class Reconciliation {

    /** Who owns a partition (assigned or pending revocation), or null. */
    interface Owners {
        String owner(Uuid topicId, int partition);
    }

    private Reconciliation() {
    }

    /**
     * @param member              the member, its request's fields already applied
     * @param targetEpoch         the epoch of the group's target assignment ({@code member.target()} is its share)
     * @param subscribedTopicIds  the existing topics the member subscribes to
     * @param owned               the partitions the heartbeat says the member owns, or null when it did not say
     * @param subscriptionChanged whether this heartbeat changed what the member subscribes to
     * @return the member after the step; the same object when nothing changes
     */
    static ConsumerMember step(ConsumerMember member, int targetEpoch, Set<Uuid> subscribedTopicIds,
                               Assignment owned, boolean subscriptionChanged, Owners owners) {
        switch (member.state()) {
            case STABLE:
                if (member.memberEpoch() != targetEpoch) {
                    return next(member, targetEpoch, subscribedTopicIds, owned, owners);
                }
                return subscriptionChanged ? dropUnsubscribed(member, subscribedTopicIds, owned) : member;
            case UNREVOKED_PARTITIONS:
                if (ownsAny(owned, member.pendingRevocation())) {
                    return subscriptionChanged ? dropUnsubscribed(member, subscribedTopicIds, owned) : member;
                }
                return next(member, targetEpoch, subscribedTopicIds, owned, owners);
            case UNRELEASED_PARTITIONS:
                return next(member, targetEpoch, subscribedTopicIds, owned, owners);
            default:
                throw new FencedMemberEpochException("The consumer group member is in an unknown state. The member "
                        + "must abandon all its partitions and rejoin.");
        }
    }

    /** Whether {@code owned} (null: unknown, so assumed yes) still holds any of {@code revoking}. */
    private static boolean ownsAny(Assignment owned, Assignment revoking) {
        if (owned == null) {
            return true;
        }
        return !owned.intersect(revoking).isEmpty();
    }

    /** Fast path when only the subscription changed: partitions of topics no longer subscribed go. */
    private static ConsumerMember dropUnsubscribed(ConsumerMember member, Set<Uuid> subscribed, Assignment owned) {
        Assignment kept = member.assigned().filter((topicId, p) -> subscribed.contains(topicId));
        if (kept.equals(member.assigned())) {
            return member;
        }
        Assignment revoking = member.pendingRevocation().union(member.assigned().minus(kept));
        if (ownsAny(owned, revoking)) {
            return member.reconciled(member.memberEpoch(), State.UNREVOKED_PARTITIONS, kept, revoking);
        }
        return member.reconciled(member.memberEpoch(), member.state(), kept, member.pendingRevocation());
    }

    private static ConsumerMember next(ConsumerMember member, int targetEpoch, Set<Uuid> subscribed,
                                       Assignment owned, Owners owners) {
        Assignment target = member.target().filter((topicId, p) -> subscribed.contains(topicId));
        Assignment kept = member.assigned().intersect(target);
        Assignment revoking = member.assigned().minus(kept);
        Assignment wanted = target.minus(kept);
        // A partition another member still owns is not given yet; one this member is revoking is its own.
        Assignment free = wanted.filter((topicId, p) -> {
            String owner = owners.owner(topicId, p);
            return owner == null || owner.equals(member.memberId());
        });
        boolean unreleased = free.size() < wanted.size();
        ConsumerMember next;
        if (!revoking.isEmpty() && ownsAny(owned, revoking)) {
            next = member.reconciled(member.memberEpoch(), State.UNREVOKED_PARTITIONS, kept, revoking);
        } else {
            next = member.reconciled(targetEpoch, unreleased ? State.UNRELEASED_PARTITIONS : State.STABLE,
                    kept.union(free), Assignment.EMPTY);
        }
        return next.equals(member) ? member : next;
    }
}
