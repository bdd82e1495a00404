package io.cairn.broker.group;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

import org.apache.kafka.common.Uuid;

/**
 * A consumer group of the KIP-848 protocol, as replayed from its records: the group epoch (bumped when what the
 * members subscribe to changes), the epoch of the target assignment computed for it, and the members. Indexes kept
 * with the members answer who owns a partition, which member holds a static instance id, and which topics the group
 * subscribes to.
 *
 * <p>Mutated only by {@link GroupCoordinatorShard#replay}. Not thread-safe; confined to the shard's event loop.
 */
final class ConsumerGroup {

    /** The states Kafka's tools print and filter on. */
    enum State {
        EMPTY("Empty"), ASSIGNING("Assigning"), RECONCILING("Reconciling"), STABLE("Stable");

        final String kafkaName;

        State(String kafkaName) {
            this.kafkaName = kafkaName;
        }
    }

    private record OwnedPartition(Uuid topicId, int partition) {
    }

    final String groupId;
    int groupEpoch;
    int assignmentEpoch;
    /** What the subscribed topics looked like when the group epoch was last bumped; see {@link SubscribedTopics}. */
    long subscriptionHash;
    /** By member id, sorted so that descriptions and assignor input do not depend on hashing. */
    private final SortedMap<String, ConsumerMember> members = new TreeMap<>();
    private final Map<String, String> memberIdByInstanceId = new HashMap<>();
    private final Map<OwnedPartition, String> ownerByPartition = new HashMap<>();
    private final Map<String, Integer> subscribedTopicNames = new HashMap<>();
    private final Map<String, Integer> subscribedRegexes = new HashMap<>();

    ConsumerGroup(String groupId) {
        this.groupId = groupId;
    }

    SortedMap<String, ConsumerMember> members() {
        return java.util.Collections.unmodifiableSortedMap(members);
    }

    ConsumerMember member(String memberId) {
        return members.get(memberId);
    }

    ConsumerMember staticMember(String instanceId) {
        String memberId = memberIdByInstanceId.get(instanceId);
        return memberId == null ? null : members.get(memberId);
    }

    boolean isEmpty() {
        return members.isEmpty();
    }

    /** The member that owns (or has yet to revoke) a partition, or null. */
    String owner(Uuid topicId, int partition) {
        return ownerByPartition.get(new OwnedPartition(topicId, partition));
    }

    /** Topic names some member subscribes to by name. */
    Set<String> subscribedTopicNames() {
        return subscribedTopicNames.keySet();
    }

    /** Regular expressions some member subscribes with. */
    Set<String> subscribedRegexes() {
        return subscribedRegexes.keySet();
    }

    State state() {
        if (members.isEmpty()) {
            return State.EMPTY;
        }
        if (groupEpoch > assignmentEpoch) {
            return State.ASSIGNING;
        }
        for (ConsumerMember member : members.values()) {
            if (member.memberEpoch() != assignmentEpoch || member.state() != ConsumerMember.State.STABLE) {
                return State.RECONCILING;
            }
        }
        return State.STABLE;
    }

    /** Adds or replaces a member (replay only). */
    void put(ConsumerMember member) {
        remove(member.memberId());
        members.put(member.memberId(), member);
        if (member.instanceId() != null) {
            memberIdByInstanceId.put(member.instanceId(), member.memberId());
        }
        member.assigned().forEach((topicId, p) -> ownerByPartition.put(new OwnedPartition(topicId, p),
                member.memberId()));
        member.pendingRevocation().forEach((topicId, p) -> ownerByPartition.put(new OwnedPartition(topicId, p),
                member.memberId()));
        member.subscribedTopicNames().forEach(name -> subscribedTopicNames.merge(name, 1, Integer::sum));
        if (member.subscribedTopicRegex() != null && !member.subscribedTopicRegex().isEmpty()) {
            subscribedRegexes.merge(member.subscribedTopicRegex(), 1, Integer::sum);
        }
    }

    /** Removes a member and what the indexes hold of it (replay only). */
    void remove(String memberId) {
        ConsumerMember old = members.remove(memberId);
        if (old == null) {
            return;
        }
        if (old.instanceId() != null && memberId.equals(memberIdByInstanceId.get(old.instanceId()))) {
            memberIdByInstanceId.remove(old.instanceId());
        }
        old.assigned().forEach((topicId, p) -> ownerByPartition.remove(new OwnedPartition(topicId, p), memberId));
        old.pendingRevocation().forEach((topicId, p) -> ownerByPartition.remove(new OwnedPartition(topicId, p),
                memberId));
        old.subscribedTopicNames().forEach(name -> decrement(subscribedTopicNames, name));
        if (old.subscribedTopicRegex() != null && !old.subscribedTopicRegex().isEmpty()) {
            decrement(subscribedRegexes, old.subscribedTopicRegex());
        }
    }

    private static void decrement(Map<String, Integer> counts, String key) {
        counts.computeIfPresent(key, (k, n) -> n == 1 ? null : n - 1);
    }
}
