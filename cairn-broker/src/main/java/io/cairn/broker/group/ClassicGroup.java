package io.cairn.broker.group;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A group using the classic (JoinGroup/SyncGroup) protocol: Empty -> PreparingRebalance ->
 * CompletingRebalance -> Stable, back to PreparingRebalance on any membership change, Dead when deleted.
 *
 * <p>Not thread-safe; confined to the shard's event loop.
 */
final class ClassicGroup {

    final String groupId;
    GroupState state = GroupState.EMPTY;
    long stateTimestampMs;
    int generation;
    String protocolType;
    String protocolName;
    String leaderId;
    /** Members by member id, in join order. */
    final Map<String, GroupMember> members = new LinkedHashMap<>();
    /** Static members: group.instance.id -> member id. */
    final Map<String, String> staticMembers = new HashMap<>();
    /** Member ids handed out by MEMBER_ID_REQUIRED that have not joined with them yet. */
    final Set<String> pendingMembers = new HashSet<>();
    /** Whether a member joined during the initial rebalance delay (extends it). */
    boolean newMemberAdded;
    /** Whether the initial rebalance delay is running (the join phase may not end early). */
    boolean initialDelayPending;

    ClassicGroup(String groupId, long nowMs) {
        this.groupId = groupId;
        this.stateTimestampMs = nowMs;
    }

    void transitionTo(GroupState next, long nowMs) {
        state = next;
        stateTimestampMs = nowMs;
    }

    boolean is(GroupState s) {
        return state == s;
    }

    Optional<GroupMember> member(String memberId) {
        return Optional.ofNullable(members.get(memberId));
    }

    void add(GroupMember member) {
        if (members.isEmpty()) {
            protocolType = member.protocolType;
        }
        members.put(member.memberId, member);
        if (member.isStatic()) {
            staticMembers.put(member.groupInstanceId, member.memberId);
        }
        if (leaderId == null) {
            leaderId = member.memberId;
        }
        pendingMembers.remove(member.memberId);
    }

    void remove(String memberId) {
        GroupMember removed = members.remove(memberId);
        if (removed != null && removed.isStatic()) {
            staticMembers.remove(removed.groupInstanceId, memberId);
        }
        if (memberId.equals(leaderId)) {
            leaderId = members.isEmpty() ? null : members.keySet().iterator().next();
        }
    }

    /** Gives a static member a new member id, keeping its place and assignment. */
    GroupMember replaceStaticMember(String instanceId, String oldMemberId, String newMemberId) {
        GroupMember member = members.remove(oldMemberId);
        member.memberId = newMemberId;
        members.put(newMemberId, member);
        staticMembers.put(instanceId, newMemberId);
        if (oldMemberId.equals(leaderId)) {
            leaderId = newMemberId;
        }
        return member;
    }

    boolean allMembersJoined() {
        return pendingMembers.isEmpty() && members.values().stream().allMatch(m -> m.awaitingJoin != null);
    }

    int rebalanceTimeoutMs() {
        return members.values().stream().mapToInt(m -> m.rebalanceTimeoutMs).max().orElse(0);
    }

    /** Whether every member supports the protocol type and at least one of these protocols. */
    boolean supports(String type, Iterable<String> protocolNames) {
        if (members.isEmpty()) {
            return type != null && !type.isEmpty() && protocolNames.iterator().hasNext();
        }
        if (!type.equals(protocolType)) {
            return false;
        }
        for (String name : protocolNames) {
            if (members.values().stream().allMatch(m -> m.protocols.containsKey(name))) {
                return true;
            }
        }
        return false;
    }

    /** The protocol supported by every member that gets the most first-preference votes. */
    String selectProtocol() {
        List<String> candidates = new ArrayList<>();
        for (String name : members.values().iterator().next().protocols.keySet()) {
            if (members.values().stream().allMatch(m -> m.protocols.containsKey(name))) {
                candidates.add(name);
            }
        }
        Map<String, Integer> votes = new HashMap<>();
        for (GroupMember m : members.values()) {
            for (String preferred : m.protocols.keySet()) {
                if (candidates.contains(preferred)) {
                    votes.merge(preferred, 1, Integer::sum);
                    break;
                }
            }
        }
        String best = candidates.get(0);
        for (String c : candidates) {
            if (votes.getOrDefault(c, 0) > votes.getOrDefault(best, 0)) {
                best = c;
            }
        }
        return best;
    }

    CoordinatorRecord.GroupValue toValue() {
        List<CoordinatorRecord.MemberValue> values = new ArrayList<>();
        for (GroupMember m : members.values()) {
            values.add(new CoordinatorRecord.MemberValue(m.memberId, m.groupInstanceId, m.clientId, m.clientHost,
                    m.rebalanceTimeoutMs, m.sessionTimeoutMs, protocolName == null ? new byte[0]
                    : m.metadata(protocolName), m.assignment));
        }
        return new CoordinatorRecord.GroupValue(protocolType == null ? "" : protocolType, generation, protocolName,
                leaderId, stateTimestampMs, values);
    }

    /** Rebuilds a group from its last persisted metadata: Stable with its members, or Empty. */
    static ClassicGroup fromValue(String groupId, CoordinatorRecord.GroupValue value) {
        ClassicGroup group = new ClassicGroup(groupId, value.stateTimestampMs());
        group.generation = value.generation();
        group.protocolType = value.protocolType().isEmpty() ? null : value.protocolType();
        group.protocolName = value.protocolName();
        for (CoordinatorRecord.MemberValue m : value.members()) {
            Map<String, byte[]> protocols = new LinkedHashMap<>();
            if (value.protocolName() != null) {
                protocols.put(value.protocolName(), m.subscription());
            }
            GroupMember member = new GroupMember(m.memberId(), m.groupInstanceId(), m.clientId(), m.clientHost(),
                    m.rebalanceTimeoutMs(), m.sessionTimeoutMs(), group.protocolType, protocols);
            member.assignment = m.assignment() == null ? new byte[0] : m.assignment();
            group.add(member);
        }
        group.leaderId = value.leaderId();
        group.state = group.members.isEmpty() ? GroupState.EMPTY : GroupState.STABLE;
        return group;
    }
}
