package io.cairn.broker.group;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

import io.cairn.broker.coordinator.ShardTimer;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.config.GroupConfigs;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.FencedMemberEpochException;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupMaxSizeReachedException;
import org.apache.kafka.common.errors.IllegalGenerationException;
import org.apache.kafka.common.errors.InconsistentGroupProtocolException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.apache.kafka.common.errors.UnreleasedInstanceIdException;
import org.apache.kafka.common.errors.UnsupportedAssignorException;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer groups (KIP-848 protocol) of one {@code __consumer_offsets} partition: ConsumerGroupHeartbeat with
 * Kafka's semantics, as its coordinator runs it.
 * <ol>
 *   <li>The heartbeat updates the member (what it subscribes to, its assignor, rack, timeouts). When what the group
 *       subscribes to changes (a member's topics or regular expression, a member joining or leaving, a subscribed
 *       topic created, deleted or given partitions), the group epoch is bumped.</li>
 *   <li>When the group epoch is ahead of the target assignment's, a server-side assignor computes a new target
 *       assignment for every member, sticky to the previous one.</li>
 *   <li>The member takes one {@link Reconciliation} step towards its target: revoke first, then assign what nobody
 *       else owns. The response carries its epoch and, when it changed or was asked for, its assignment.</li>
 * </ol>
 * Members that stop heartbeating for the session timeout, or do not revoke within their rebalance timeout, are
 * removed. Everything is written as records ({@link CoordinatorRecord.ConsumerGroupRecord},
 * {@link CoordinatorRecord.ConsumerMemberRecord}) and applied by replay only; operations read the replayed state and
 * never change it, so a failed write leaves nothing behind.
 *
 * <p>Not thread-safe; confined to the runtime's event loop with its {@link GroupCoordinatorShard}.
 */
final class ConsumerGroupShard {

    private static final Logger log = LoggerFactory.getLogger(ConsumerGroupShard.class);

    /** ConsumerGroupHeartbeat v1 on: the client chooses its member id. */
    private static final short CLIENT_MEMBER_ID_VERSION = 1;

    private final GroupCoordinatorShard shard;
    private final ShardTimer<CoordinatorRecord> timer;
    private final GroupConfig.ConsumerGroupConfig config;
    private final ServerAssignors assignors;
    private final SubscribedTopics topics;
    /** By group: the topics its regular expressions may resolve to, from its last heartbeat; not stored. */
    private final Map<String, Predicate<String>> regexDescribable = new HashMap<>();
    private final String logPrefix;
    private final Map<String, ConsumerGroup> groups = new HashMap<>();
    /** The metadata image offset each group's subscription fingerprint was last checked at (soft state). */
    private final Map<String, Long> checkedAtImageOffset = new HashMap<>();

    ConsumerGroupShard(GroupCoordinatorShard shard, ShardTimer<CoordinatorRecord> timer,
                       GroupConfig.ConsumerGroupConfig config, SubscribedTopics topics, String logPrefix) {
        this.shard = shard;
        this.timer = timer;
        this.config = config;
        this.assignors = ServerAssignors.of(config.assignors());
        this.topics = topics;
        this.logPrefix = logPrefix;
    }

    ConsumerGroup group(String groupId) {
        return groups.get(groupId);
    }

    int groupCount() {
        return groups.size();
    }

    // ---- replay ----------------------------------------------------------------------------------------

    /** A consumer group's epochs, or its removal. */
    void replay(CoordinatorRecord.ConsumerGroupRecord record) {
        if (record.group() == null) {
            groups.remove(record.groupId());
            checkedAtImageOffset.remove(record.groupId());
            return;
        }
        ConsumerGroup group = groups.computeIfAbsent(record.groupId(), ConsumerGroup::new);
        group.groupEpoch = record.group().groupEpoch();
        group.assignmentEpoch = record.group().assignmentEpoch();
        group.subscriptionHash = record.group().subscriptionHash();
    }

    void replay(CoordinatorRecord.ConsumerMemberRecord record) {
        if (record.member() == null) {
            ConsumerGroup group = groups.get(record.groupId());
            if (group != null) {
                group.remove(record.memberId());
            }
            return;
        }
        // After compaction a member's record may come before its group's: the group exists from either.
        groups.computeIfAbsent(record.groupId(), ConsumerGroup::new).put(record.member());
    }

    /** Loaded: every member gets a full session to heartbeat in, and a member revoking gets its rebalance timeout. */
    void onLoaded() {
        for (ConsumerGroup group : groups.values()) {
            for (ConsumerMember member : group.members().values()) {
                scheduleSessionTimeout(group.groupId, member);
                if (member.state() == ConsumerMember.State.UNREVOKED_PARTITIONS && !member.usesClassicProtocol()) {
                    scheduleRebalanceTimeout(group.groupId, member);
                }
            }
        }
    }

    // ---- ConsumerGroupHeartbeat ------------------------------------------------------------------------

    CoordinatorResult<ConsumerGroupHeartbeatResponseData> heartbeat(String clientId, String clientHost,
                                                                   short version,
                                                                   ConsumerGroupHeartbeatRequestData request) {
        return heartbeat(clientId, clientHost, version, request, SubscribedTopics.ALL);
    }

    /**
     * @param describable the topics the caller may DESCRIBE: of the topics a regular expression of the group matches,
     *                    only those are subscribed (Kafka resolves a group's regular expressions with the context of
     *                    the heartbeat that refreshes them: the group keeps this caller's view until the next one)
     */
    CoordinatorResult<ConsumerGroupHeartbeatResponseData> heartbeat(String clientId, String clientHost,
                                                                   short version,
                                                                   ConsumerGroupHeartbeatRequestData request,
                                                                   Predicate<String> describable) {
        try {
            validate(request, version);
            if (request.memberEpoch() == -1 || request.memberEpoch() == ConsumerMember.LEFT_STATIC_EPOCH) {
                return leave(request);
            }
            regexDescribable.put(request.groupId(), describable);
            return join(clientId, clientHost, request);
        } catch (ApiException e) {
            return CoordinatorResult.of(new ConsumerGroupHeartbeatResponseData()
                    .setErrorCode(Errors.forException(e).code())
                    .setErrorMessage(e.getMessage()));
        }
    }

    /** Kafka's checks of a heartbeat's fields, before anything is looked up. */
    private void validate(ConsumerGroupHeartbeatRequestData request, short version) {
        int epoch = request.memberEpoch();
        if (version >= CLIENT_MEMBER_ID_VERSION || epoch > 0 || epoch == -1) {
            requireNotEmpty(request.memberId(), "MemberId can't be empty.");
        }
        requireNotEmpty(request.groupId(), "GroupId can't be empty.");
        if (request.instanceId() != null) {
            requireNotEmpty(request.instanceId(), "InstanceId can't be empty.");
        }
        if (request.rackId() != null) {
            requireNotEmpty(request.rackId(), "RackId can't be empty.");
        }
        if (epoch == 0) {
            if (request.rebalanceTimeoutMs() == -1) {
                throw new InvalidRequestException("RebalanceTimeoutMs must be provided in first request.");
            }
            if (request.topicPartitions() == null || !request.topicPartitions().isEmpty()) {
                throw new InvalidRequestException("TopicPartitions must be empty when (re-)joining.");
            }
            if (request.subscribedTopicNames() == null && request.subscribedTopicRegex() == null) {
                throw new InvalidRequestException("Either SubscribedTopicNames or SubscribedTopicRegex must be "
                        + "non-null when (re-)joining.");
            }
        } else if (epoch == ConsumerMember.LEFT_STATIC_EPOCH) {
            if (request.instanceId() == null) {
                throw new InvalidRequestException("InstanceId can't be null.");
            }
        } else if (epoch < ConsumerMember.LEFT_STATIC_EPOCH) {
            throw new InvalidRequestException("MemberEpoch is invalid.");
        }
        if (request.serverAssignor() != null && !assignors.supports(request.serverAssignor())) {
            throw new UnsupportedAssignorException("ServerAssignor " + request.serverAssignor() + " is not "
                    + "supported. Supported assignors: " + assignors.names() + ".");
        }
        if (request.subscribedTopicRegex() != null && !request.subscribedTopicRegex().isEmpty()) {
            SubscribedTopics.validateRegex(request.subscribedTopicRegex());
        }
    }

    private static void requireNotEmpty(String value, String message) {
        if (value == null || value.isEmpty()) {
            throw new InvalidRequestException(message);
        }
    }

    private CoordinatorResult<ConsumerGroupHeartbeatResponseData> join(String clientId, String clientHost,
                                                                       ConsumerGroupHeartbeatRequestData request) {
        String groupId = request.groupId();
        int epoch = request.memberEpoch();
        List<CoordinatorRecord> records = new ArrayList<>();
        ConsumerGroup group = groupForHeartbeat(groupId, epoch == 0, records);
        String memberId = request.memberId() == null || request.memberId().isEmpty() ? Uuid.randomUuid().toString()
                : request.memberId();
        Assignment owned = owned(request.topicPartitions());

        // The member: known, new, or a static member coming back under a new member id.
        ConsumerMember replaced = null;
        ConsumerMember member;
        if (request.instanceId() == null) {
            member = group.member(memberId);
            if (member == null) {
                if (epoch != 0) {
                    throw new UnknownMemberIdException("Member " + memberId + " is not a member of group "
                            + groupId + ".");
                }
                member = ConsumerMember.joining(memberId);
            } else {
                checkEpoch(member, epoch, owned);
            }
        } else {
            ConsumerMember existing = group.staticMember(request.instanceId());
            if (epoch == 0) {
                if (existing == null) {
                    member = ConsumerMember.joining(memberId);
                } else if (!existing.hasLeftTemporarily()) {
                    throw new UnreleasedInstanceIdException("Static member " + memberId + " with instance id "
                            + request.instanceId() + " cannot join the group because the instance id is owned by "
                            + existing.memberId() + " member.");
                } else {
                    replaced = existing;
                    member = existing.replacedBy(memberId);
                }
            } else {
                if (existing == null) {
                    throw new UnknownMemberIdException("Instance id " + request.instanceId() + " is unknown.");
                }
                if (!existing.memberId().equals(memberId)) {
                    throw new FencedInstanceIdException("The static member " + memberId + " with instance id "
                            + request.instanceId() + " is fenced by existing member " + existing.memberId() + ".");
                }
                checkEpoch(existing, epoch, owned);
                member = existing;
            }
        }
        boolean isNew = group.member(memberId) == null;
        if (isNew && replaced == null && group.members().size() >= config.maxSize()) {
            throw new GroupMaxSizeReachedException("The consumer group has reached its maximum capacity of "
                    + config.maxSize() + " members.");
        }

        // 1. The member's new fields; a new subscription bumps the group epoch, as does a change of the topics.
        // Fields a heartbeat leaves null are unchanged (librdkafka sends the instance id only when joining).
        ConsumerMember updated = member.withRequest(
                request.instanceId() != null ? request.instanceId() : member.instanceId(),
                request.rackId() != null ? request.rackId() : member.rackId(), clientId, clientHost,
                request.rebalanceTimeoutMs() != -1 ? request.rebalanceTimeoutMs() : member.rebalanceTimeoutMs(),
                request.subscribedTopicNames() != null ? request.subscribedTopicNames()
                        : member.subscribedTopicNames(),
                request.subscribedTopicRegex() != null ? request.subscribedTopicRegex()
                        : member.subscribedTopicRegex(),
                request.serverAssignor() != null ? request.serverAssignor() : member.serverAssignor());
        ConsumerMember reconciled = advance(group, member, replaced, updated, isNew, owned, records);

        ConsumerGroupHeartbeatResponseData response = new ConsumerGroupHeartbeatResponseData()
                .setMemberId(memberId)
                .setMemberEpoch(reconciled.memberEpoch())
                .setHeartbeatIntervalMs(heartbeatIntervalMs(groupId));
        boolean fullRequest = request.rebalanceTimeoutMs() != -1
                && (request.subscribedTopicNames() != null || request.subscribedTopicRegex() != null)
                && request.topicPartitions() != null;
        if (epoch == 0 || fullRequest || !reconciled.assigned().equals(member.assigned())) {
            response.setAssignment(responseAssignment(reconciled.assigned()));
        }
        return CoordinatorResult.of(records, response);
    }

    /**
     * Steps 1 to 3 of a member's request (a heartbeat, or a classic member's JoinGroup): the group epoch is bumped when
     * what the group subscribes to changed, a new target assignment is computed when the group epoch is ahead of it,
     * and the member takes one reconciliation step. Adds the records of all of it and (re)schedules the member's
     * timers.
     *
     * @param member   the member before the request (a new member is {@link ConsumerMember#joining})
     * @param replaced the static member that {@code updated} replaces, or null
     * @param updated  the member with the request's fields applied
     * @param owned    the partitions the request says the member owns, or null when it did not say
     * @return the member after its reconciliation step
     */
    private ConsumerMember advance(ConsumerGroup group, ConsumerMember member, ConsumerMember replaced,
                                   ConsumerMember updated, boolean isNew, Assignment owned,
                                   List<CoordinatorRecord> records) {
        String groupId = group.groupId;
        String memberId = updated.memberId();
        boolean subscriptionChanged = !updated.subscribedTopicNames().equals(member.subscribedTopicNames())
                || !Objects.equals(updated.subscribedTopicRegex(), member.subscribedTopicRegex());
        Map<String, ConsumerMember> members = new TreeMap<>(group.members());
        if (replaced != null) {
            members.remove(replaced.memberId());
        }
        members.put(memberId, updated);

        int groupEpoch = group.groupEpoch;
        long subscriptionHash = group.subscriptionHash;
        long imageOffset = topics.image().offset();
        if (subscriptionChanged || !Objects.equals(checkedAtImageOffset.get(groupId), imageOffset)) {
            subscriptionHash = topics.hash(members.values(), describable(groupId));
            if (subscriptionChanged || subscriptionHash != group.subscriptionHash) {
                groupEpoch++;
            }
        }

        // 2. A new target assignment when the group epoch is ahead of it.
        int assignmentEpoch = group.assignmentEpoch;
        List<ConsumerMember> retargeted = new ArrayList<>();
        if (groupEpoch > assignmentEpoch) {
            Map<String, Assignment> targets = assignors.assign(assignors.preferred(members.values()),
                    members.values(), m -> topics.topicIds(m, describable(groupId)), topics.image());
            for (ConsumerMember m : List.copyOf(members.values())) {
                Assignment target = targets.get(m.memberId());
                if (!target.equals(m.target())) {
                    members.put(m.memberId(), m.withTarget(target));
                    if (!m.memberId().equals(memberId)) {
                        retargeted.add(members.get(m.memberId()));
                    }
                }
            }
            assignmentEpoch = groupEpoch;
        }

        // 3. One reconciliation step of this member.
        ConsumerMember current = members.get(memberId);
        String replacedId = replaced == null ? null : replaced.memberId();
        ConsumerMember reconciled = Reconciliation.step(current, assignmentEpoch, topics.topicIds(current, describable(groupId)),
                owned,
                subscriptionChanged, (topicId, p) -> {
                    String owner = group.owner(topicId, p);
                    return owner != null && owner.equals(replacedId) ? memberId : owner;
                });

        if (group.groupEpoch != groupEpoch || group.assignmentEpoch != assignmentEpoch
                || group.subscriptionHash != subscriptionHash || !groups.containsKey(groupId)) {
            records.add(new CoordinatorRecord.ConsumerGroupRecord(groupId,
                    new CoordinatorRecord.ConsumerGroupValue(groupEpoch, assignmentEpoch, subscriptionHash)));
        }
        if (replaced != null) {
            records.add(new CoordinatorRecord.ConsumerMemberRecord(groupId, replaced.memberId(), null));
            cancelTimers(groupId, replaced.memberId());
            log.info("{}Static member {} with instance id {} of group {} came back as member {}.", logPrefix,
                    replaced.memberId(), replaced.instanceId(), groupId, memberId);
        } else if (isNew) {
            log.info("{}Member {} joins consumer group {}.", logPrefix, memberId, groupId);
        }
        for (ConsumerMember m : retargeted) {
            records.add(new CoordinatorRecord.ConsumerMemberRecord(groupId, m.memberId(), m));
        }
        if (isNew || !reconciled.equals(member)) {
            records.add(new CoordinatorRecord.ConsumerMemberRecord(groupId, memberId, reconciled));
        }
        checkedAtImageOffset.put(groupId, imageOffset);

        scheduleSessionTimeout(groupId, reconciled);
        if (reconciled.usesClassicProtocol()) {
            // A classic member revokes by rejoining; its session bounds that, as in Kafka's join timeout.
            timer.cancel(rebalanceKey(groupId, memberId));
        } else if (reconciled.state() == ConsumerMember.State.UNREVOKED_PARTITIONS) {
            if (member.state() != ConsumerMember.State.UNREVOKED_PARTITIONS
                    || member.memberEpoch() != reconciled.memberEpoch()) {
                scheduleRebalanceTimeout(groupId, reconciled);
            }
        } else {
            timer.cancel(rebalanceKey(groupId, memberId));
        }

        return reconciled;
    }

    /**
     * The consumer group a heartbeat is for. A member joining (epoch 0) creates it, and an empty classic group of
     * that id (one with committed offsets only) becomes a consumer group, keeping its offsets.
     */
    private ConsumerGroup groupForHeartbeat(String groupId, boolean joining, List<CoordinatorRecord> records) {
        ConsumerGroup group = groups.get(groupId);
        if (group != null) {
            return group;
        }
        if (!joining) {
            throw new GroupIdNotFoundException("Consumer group " + groupId + " not found.");
        }
        ClassicGroup classic = shard.group(groupId);
        if (classic != null && !classic.is(GroupState.DEAD)) {
            if (!classic.is(GroupState.EMPTY)) {
                return upgrade(classic, records);
            }
            records.add(new CoordinatorRecord.Group(groupId, null));
            log.info("{}Converted the empty classic group {} to a consumer group.", logPrefix, groupId);
        }
        return new ConsumerGroup(groupId);
    }

    /**
     * Kafka's online upgrade: a classic group with members becomes a consumer group when a consumer-protocol member
     * joins it. Each classic member keeps its generation as its epoch, its assignment as both its partitions and its
     * target, and goes on speaking the classic protocol inside the consumer group; parked joins and syncs learn that a
     * rebalance is under way. The joining member then bumps the group epoch as any new member does.
     */
    private ConsumerGroup upgrade(ClassicGroup classic, List<CoordinatorRecord> records) {
        String groupId = classic.groupId;
        if (!config.upgradeEnabled()) {
            throw new GroupIdNotFoundException("Cannot upgrade classic group " + groupId + " to consumer group because "
                    + "online upgrade is disabled.");
        }
        if (!"consumer".equals(classic.protocolType)) {
            throw new GroupIdNotFoundException("Cannot upgrade classic group " + groupId + " to consumer group because "
                    + "the group does not use the consumer embedded protocol.");
        }
        if (classic.members.size() > config.maxSize()) {
            throw new GroupIdNotFoundException("Cannot upgrade classic group " + groupId + " to consumer group because "
                    + "the group size exceeds the consumer group maximum size.");
        }
        MetadataImage image = topics.image();
        ConsumerGroup converted = new ConsumerGroup(groupId);
        converted.groupEpoch = classic.generation;
        converted.assignmentEpoch = classic.generation;
        for (GroupMember m : classic.members.values()) {
            ConsumerMember member;
            try {
                byte[] metadata = classic.protocolName != null ? m.metadata(classic.protocolName)
                        : m.protocols.values().iterator().next();
                ClassicMembers.Subscription subscription = ClassicMembers.subscription(metadata, image);
                Assignment assigned = ClassicMembers.assignment(m.assignment, image);
                if (assigned == null) {
                    throw new GroupIdNotFoundException("Cannot upgrade classic group " + groupId + " to consumer "
                            + "group because an unsupported custom assignor is in use. Please refer to the "
                            + "documentation or switch to a default assignor before re-attempting the upgrade.");
                }
                List<ConsumerMember.Protocol> protocols = new ArrayList<>();
                m.protocols.forEach((name, bytes) -> protocols.add(new ConsumerMember.Protocol(name, bytes)));
                member = new ConsumerMember(m.memberId, m.groupInstanceId, subscription.rackId(), m.clientId,
                        m.clientHost, m.rebalanceTimeoutMs, subscription.topics(), null, null, classic.generation,
                        classic.generation, ConsumerMember.State.STABLE, assigned, Assignment.EMPTY, assigned,
                        new ConsumerMember.Classic(m.sessionTimeoutMs, protocols));
            } catch (org.apache.kafka.common.protocol.types.SchemaException | java.util.NoSuchElementException e) {
                throw new GroupIdNotFoundException("Cannot upgrade classic group " + groupId + " to consumer group "
                        + "because the embedded consumer protocol is malformed.");
            }
            converted.put(member);
        }
        converted.subscriptionHash = topics.hash(converted.members().values(), describable(groupId));
        records.add(new CoordinatorRecord.Group(groupId, null));
        records.add(new CoordinatorRecord.ConsumerGroupRecord(groupId, new CoordinatorRecord.ConsumerGroupValue(
                converted.groupEpoch, converted.assignmentEpoch, converted.subscriptionHash)));
        for (ConsumerMember member : converted.members().values()) {
            records.add(new CoordinatorRecord.ConsumerMemberRecord(groupId, member.memberId(), member));
            scheduleSessionTimeout(groupId, member);
        }
        shard.releaseParkedRequests(classic, Errors.REBALANCE_IN_PROGRESS);
        log.info("{}Converted classic group {} with {} members to a consumer group (online upgrade).", logPrefix,
                groupId, converted.members().size());
        return converted;
    }

    /**
     * Kafka's epoch check: the member's epoch, or its previous one when it still owns only what it is assigned (the
     * response that moved it on was lost); anything else fences it.
     */
    private static void checkEpoch(ConsumerMember member, int epoch, Assignment owned) {
        if (epoch == 0) {
            return;
        }
        if (epoch > member.memberEpoch()) {
            throw new FencedMemberEpochException("The consumer group member has a greater member epoch (" + epoch
                    + ") than the one known by the group coordinator (" + member.memberEpoch() + "). The member "
                    + "must abandon all its partitions and rejoin.");
        }
        if (epoch < member.memberEpoch()) {
            boolean subset = owned != null && owned.minus(member.assigned()).isEmpty();
            if (epoch != member.previousMemberEpoch() || !subset) {
                throw new FencedMemberEpochException("The consumer group member has a smaller member epoch ("
                        + epoch + ") than the one known by the group coordinator (" + member.memberEpoch() + "). "
                        + "The member must abandon all its partitions and rejoin.");
            }
        }
    }

    private static Assignment owned(List<ConsumerGroupHeartbeatRequestData.TopicPartitions> topicPartitions) {
        if (topicPartitions == null) {
            return null;
        }
        Map<Uuid, Set<Integer>> owned = new HashMap<>();
        for (ConsumerGroupHeartbeatRequestData.TopicPartitions tp : topicPartitions) {
            owned.computeIfAbsent(tp.topicId(), t -> new java.util.HashSet<>()).addAll(tp.partitions());
        }
        return new Assignment(owned);
    }

    private static ConsumerGroupHeartbeatResponseData.Assignment responseAssignment(Assignment assignment) {
        ConsumerGroupHeartbeatResponseData.Assignment out = new ConsumerGroupHeartbeatResponseData.Assignment();
        assignment.partitions().forEach((topicId, partitions) -> out.topicPartitions().add(
                new ConsumerGroupHeartbeatResponseData.TopicPartitions().setTopicId(topicId)
                        .setPartitions(new ArrayList<>(partitions))));
        return out;
    }

    // ---- leaving and being removed ---------------------------------------------------------------------

    private CoordinatorResult<ConsumerGroupHeartbeatResponseData> leave(ConsumerGroupHeartbeatRequestData request) {
        String groupId = request.groupId();
        ConsumerGroup group = groups.get(groupId);
        if (group == null) {
            throw new GroupIdNotFoundException("Consumer group " + groupId + " not found.");
        }
        ConsumerGroupHeartbeatResponseData response = new ConsumerGroupHeartbeatResponseData()
                .setMemberId(request.memberId())
                .setMemberEpoch(request.memberEpoch());
        ConsumerMember member;
        if (request.instanceId() == null) {
            member = group.member(request.memberId());
            if (member == null) {
                throw new UnknownMemberIdException("Member " + request.memberId() + " is not a member of group "
                        + groupId + ".");
            }
            log.info("{}Member {} left consumer group {}.", logPrefix, member.memberId(), groupId);
        } else {
            member = group.staticMember(request.instanceId());
            if (member == null) {
                throw new UnknownMemberIdException("Instance id " + request.instanceId() + " is unknown.");
            }
            if (!member.memberId().equals(request.memberId())) {
                throw new FencedInstanceIdException("The static member " + request.memberId() + " with instance id "
                        + request.instanceId() + " is fenced by existing member " + member.memberId() + ".");
            }
            if (request.memberEpoch() == ConsumerMember.LEFT_STATIC_EPOCH) {
                // Away for a while: it keeps its partitions until it comes back or its session expires.
                log.info("{}Static member {} with instance id {} temporarily left consumer group {}.", logPrefix,
                        member.memberId(), member.instanceId(), groupId);
                timer.cancel(rebalanceKey(groupId, member.memberId()));
                return CoordinatorResult.of(List.of(new CoordinatorRecord.ConsumerMemberRecord(groupId,
                        member.memberId(), member.leftTemporarily())), response);
            }
            log.info("{}Static member {} with instance id {} left consumer group {}.", logPrefix, member.memberId(),
                    member.instanceId(), groupId);
        }
        return removal(group, member, response);
    }

    /**
     * Removing a member: its tombstone and a new group epoch, so that the others are reassigned. When only classic
     * members remain and the policy allows it, the group becomes a classic group instead (Kafka's online downgrade),
     * which rebalances once written.
     */
    private <T> CoordinatorResult<T> removal(ConsumerGroup group, ConsumerMember member, T response) {
        cancelTimers(group.groupId, member.memberId());
        Map<String, ConsumerMember> remaining = new TreeMap<>(group.members());
        remaining.remove(member.memberId());
        if (!member.usesClassicProtocol() && !remaining.isEmpty() && config.downgradeEnabled()
                && remaining.values().stream().allMatch(ConsumerMember::usesClassicProtocol)) {
            CoordinatorRecord.Group classic = classicGroupOf(group, remaining.values());
            if (classic != null) {
                List<CoordinatorRecord> records = new ArrayList<>();
                group.members().keySet().forEach(id -> records.add(
                        new CoordinatorRecord.ConsumerMemberRecord(group.groupId, id, null)));
                records.add(new CoordinatorRecord.ConsumerGroupRecord(group.groupId, null));
                records.add(classic);
                remaining.keySet().forEach(id -> cancelTimers(group.groupId, id));
                log.info("{}Converted consumer group {} to a classic group: its last consumer-protocol member left.",
                        logPrefix, group.groupId);
                String groupId = group.groupId;
                return new CoordinatorResult<>(records, response, error -> {
                    if (error == null) {
                        shard.rebalanceAfterDowngrade(groupId);
                    }
                });
            }
        }
        long hash = topics.hash(remaining.values(), describable(group.groupId));
        return CoordinatorResult.of(List.of(new CoordinatorRecord.ConsumerMemberRecord(group.groupId,
                        member.memberId(), null),
                new CoordinatorRecord.ConsumerGroupRecord(group.groupId, new CoordinatorRecord.ConsumerGroupValue(
                        group.groupEpoch + 1, group.assignmentEpoch, hash))), response);
    }

    /**
     * The classic group the classic members of a consumer group form: the group epoch as generation, the first
     * protocol every member supports, each member's subscription for it and its current assignment; null when the
     * members share no protocol.
     */
    private CoordinatorRecord.Group classicGroupOf(ConsumerGroup group, java.util.Collection<ConsumerMember> members) {
        String protocol = null;
        for (ConsumerMember.Protocol candidate : members.iterator().next().classic().protocols()) {
            if (members.stream().allMatch(m -> m.classic().protocols().stream()
                    .anyMatch(p -> p.name().equals(candidate.name())))) {
                protocol = candidate.name();
                break;
            }
        }
        if (protocol == null) {
            return null;
        }
        String name = protocol;
        List<CoordinatorRecord.MemberValue> values = new ArrayList<>();
        for (ConsumerMember m : members) {
            byte[] subscription = m.classic().protocols().stream().filter(p -> p.name().equals(name))
                    .findFirst().orElseThrow().metadata();
            values.add(new CoordinatorRecord.MemberValue(m.memberId(), m.instanceId(), m.clientId(), m.clientHost(),
                    m.rebalanceTimeoutMs(), m.classic().sessionTimeoutMs(), subscription,
                    ClassicMembers.serializeAssignment(m.assigned(), subscription, topics.image())));
        }
        return new CoordinatorRecord.Group(group.groupId, new CoordinatorRecord.GroupValue("consumer",
                group.groupEpoch + 1, name, members.iterator().next().memberId(), shard.now(), values));
    }

    /** The group's consumer.session.timeout.ms (a GROUP config), else group.consumer.session.timeout.ms. */
    private int sessionTimeoutMs(String groupId) {
        return GroupConfigs.value(topics.image().groupConfigs(groupId), GroupConfigs.CONSUMER_SESSION_TIMEOUT_MS,
                config.sessionTimeoutMs());
    }

    /** The group's consumer.heartbeat.interval.ms (a GROUP config), else group.consumer.heartbeat.interval.ms. */
    private int heartbeatIntervalMs(String groupId) {
        return GroupConfigs.value(topics.image().groupConfigs(groupId), GroupConfigs.CONSUMER_HEARTBEAT_INTERVAL_MS,
                config.heartbeatIntervalMs());
    }

    /** A consumer-protocol member's session is its group's; a classic member's is the one it joined with. */
    private void scheduleSessionTimeout(String groupId, ConsumerMember joined) {
        String memberId = joined.memberId();
        int sessionTimeoutMs = joined.usesClassicProtocol() ? joined.classic().sessionTimeoutMs()
                : sessionTimeoutMs(groupId);
        timer.schedule(sessionKey(groupId, memberId), sessionTimeoutMs, () -> {
            ConsumerGroup group = groups.get(groupId);
            ConsumerMember member = group == null ? null : group.member(memberId);
            if (member == null) {
                return CoordinatorResult.of(null);
            }
            log.info("{}Member {} of consumer group {} sent no heartbeat for {} ms (its session timeout): removed.",
                    logPrefix, memberId, groupId, sessionTimeoutMs);
            return removal(group, member, null);
        });
    }

    /** A member revoking partitions must be done within its rebalance timeout, else it is removed. */
    private void scheduleRebalanceTimeout(String groupId, ConsumerMember revoking) {
        int epoch = revoking.memberEpoch();
        String memberId = revoking.memberId();
        timer.schedule(rebalanceKey(groupId, memberId), revoking.rebalanceTimeoutMs(), () -> {
            ConsumerGroup group = groups.get(groupId);
            ConsumerMember member = group == null ? null : group.member(memberId);
            if (member == null || member.memberEpoch() != epoch
                    || member.state() != ConsumerMember.State.UNREVOKED_PARTITIONS) {
                return CoordinatorResult.of(null);
            }
            log.info("{}Member {} of consumer group {} did not revoke its partitions within its rebalance timeout of "
                    + "{} ms: removed.", logPrefix, memberId, groupId, member.rebalanceTimeoutMs());
            return removal(group, member, null);
        });
    }

    private void cancelTimers(String groupId, String memberId) {
        timer.cancel(sessionKey(groupId, memberId));
        timer.cancel(rebalanceKey(groupId, memberId));
    }

    private static String sessionKey(String groupId, String memberId) {
        return "consumer-session:" + groupId + ":" + memberId;
    }

    private static String rebalanceKey(String groupId, String memberId) {
        return "consumer-rebalance:" + groupId + ":" + memberId;
    }

    // ---- classic members of a consumer group (Kafka's online migration) ---------------------------------

    /**
     * JoinGroup from a classic member of a consumer group: its subscription comes from the embedded consumer protocol,
     * it takes the same steps as a heartbeat, and it is answered at once with its member epoch as the generation (no
     * leader: the assignment is the server's). It then syncs to collect its partitions.
     */
    CoordinatorResult<java.util.concurrent.CompletableFuture<JoinGroupResponseData>> classicJoin(
            String clientId, String clientHost, short version, JoinGroupRequestData request) {
        String groupId = request.groupId();
        String memberId = request.memberId() == null ? "" : request.memberId();
        try {
            ConsumerGroup group = groups.get(groupId);
            if (!config.migrationEnabled()) {
                throw new InconsistentGroupProtocolException("Cannot join the consumer group " + groupId
                        + " with the classic protocol because the group migration is disabled.");
            }
            if (!"consumer".equals(request.protocolType()) || request.protocols().isEmpty()) {
                throw new InconsistentGroupProtocolException("The group " + groupId + " uses the consumer embedded "
                        + "protocol; a member of protocol type " + request.protocolType() + " cannot join it.");
            }
            boolean unknown = memberId.isEmpty();
            if (unknown) {
                memberId = Uuid.randomUuid().toString();
                if (request.groupInstanceId() == null && version >= 4) {
                    return joined(new JoinGroupResponseData().setMemberId(memberId)
                            .setErrorCode(Errors.MEMBER_ID_REQUIRED.code()));
                }
            }
            ConsumerMember replaced = null;
            ConsumerMember member;
            String instanceId = request.groupInstanceId();
            if (instanceId == null) {
                // As Kafka, a classic JoinGroup creates its member (with the id MEMBER_ID_REQUIRED gave it, or one
                // whose member was removed meanwhile).
                member = group.member(memberId);
                if (member == null) {
                    member = ConsumerMember.joining(memberId);
                }
            } else {
                ConsumerMember existing = group.staticMember(instanceId);
                if (existing == null) {
                    member = ConsumerMember.joining(memberId);
                } else if (unknown) {
                    replaced = existing;
                    member = existing.replacedBy(memberId);
                } else if (!existing.memberId().equals(memberId)) {
                    throw new FencedInstanceIdException("The static member " + memberId + " with instance id "
                            + instanceId + " is fenced by existing member " + existing.memberId() + ".");
                } else {
                    member = existing;
                }
            }
            boolean isNew = group.member(memberId) == null;
            if (isNew && replaced == null && group.members().size() >= config.maxSize()) {
                throw new GroupMaxSizeReachedException("The consumer group has reached its maximum capacity of "
                        + config.maxSize() + " members.");
            }
            List<ConsumerMember.Protocol> protocols = new ArrayList<>();
            request.protocols().forEach(p -> protocols.add(new ConsumerMember.Protocol(p.name(), p.metadata())));
            ClassicMembers.Subscription subscription;
            try {
                subscription = ClassicMembers.subscription(protocols.get(0).metadata(), topics.image());
            } catch (org.apache.kafka.common.protocol.types.SchemaException e) {
                throw new InconsistentGroupProtocolException("Malformed embedded consumer protocol in JoinGroup.");
            }
            int rebalanceTimeoutMs = request.rebalanceTimeoutMs() < 0 ? request.sessionTimeoutMs()
                    : request.rebalanceTimeoutMs();
            ConsumerMember updated = member.withRequest(instanceId,
                            subscription.rackId() != null ? subscription.rackId() : member.rackId(), clientId,
                            clientHost, rebalanceTimeoutMs, subscription.topics(), null, member.serverAssignor())
                    .withClassic(new ConsumerMember.Classic(request.sessionTimeoutMs(), protocols));
            List<CoordinatorRecord> records = new ArrayList<>();
            ConsumerMember reconciled = advance(group, member, replaced, updated, isNew, subscription.owned(), records);
            return new CoordinatorResult<>(records, java.util.concurrent.CompletableFuture.completedFuture(
                    new JoinGroupResponseData().setMemberId(memberId).setGenerationId(reconciled.memberEpoch())
                            .setProtocolType("consumer").setProtocolName(protocols.get(0).name()).setLeader("")
                            .setSkipAssignment(false)), null);
        } catch (ApiException e) {
            return joined(new JoinGroupResponseData().setMemberId(memberId)
                    .setErrorCode(Errors.forException(e).code()));
        }
    }

    private static CoordinatorResult<java.util.concurrent.CompletableFuture<JoinGroupResponseData>> joined(
            JoinGroupResponseData response) {
        return CoordinatorResult.of(java.util.concurrent.CompletableFuture.completedFuture(response));
    }

    /** SyncGroup from a classic member of a consumer group: its assigned partitions, unless it must rejoin first. */
    CoordinatorResult<java.util.concurrent.CompletableFuture<SyncGroupResponseData>> classicSync(
            SyncGroupRequestData request) {
        SyncGroupResponseData response = new SyncGroupResponseData();
        try {
            ConsumerGroup group = groups.get(request.groupId());
            ConsumerMember member = classicMember(group, request.memberId(), request.groupInstanceId(),
                    request.generationId());
            ConsumerMember.Protocol protocol = member.classic().protocols().stream()
                    .filter(p -> p.name().equals(request.protocolName())).findFirst().orElse(null);
            if ((request.protocolType() != null && !"consumer".equals(request.protocolType()))
                    || (request.protocolName() != null && protocol == null)) {
                throw new InconsistentGroupProtocolException("The protocol of the SyncGroup does not match the "
                        + "member's.");
            }
            rejoinIfRebalancing(group, member);
            scheduleSessionTimeout(group.groupId, member);
            byte[] subscription = (protocol != null ? protocol : member.classic().protocols().get(0)).metadata();
            response.setProtocolType("consumer").setProtocolName(request.protocolName())
                    .setAssignment(ClassicMembers.serializeAssignment(member.assigned(), subscription,
                            topics.image()));
        } catch (ApiException e) {
            response.setErrorCode(Errors.forException(e).code()).setAssignment(new byte[0]);
        }
        return CoordinatorResult.of(java.util.concurrent.CompletableFuture.completedFuture(response));
    }

    /**
     * Heartbeat from a classic member of a consumer group: REBALANCE_IN_PROGRESS whenever it must rejoin to move on
     * (a newer target, partitions to revoke, or partitions it waited for now free).
     */
    CoordinatorResult<HeartbeatResponseData> classicHeartbeat(HeartbeatRequestData request) {
        HeartbeatResponseData response = new HeartbeatResponseData();
        try {
            ConsumerGroup group = groups.get(request.groupId());
            ConsumerMember member = classicMember(group, request.memberId(), request.groupInstanceId(),
                    request.generationId());
            scheduleSessionTimeout(group.groupId, member);
            boolean waitedForFree = member.state() == ConsumerMember.State.UNRELEASED_PARTITIONS
                    && member.target().minus(member.assigned()).filter((topicId, p) -> {
                        String owner = group.owner(topicId, p);
                        return owner != null && !owner.equals(member.memberId());
                    }).isEmpty();
            if (member.memberEpoch() < group.assignmentEpoch
                    || member.state() == ConsumerMember.State.UNREVOKED_PARTITIONS || waitedForFree) {
                response.setErrorCode(Errors.REBALANCE_IN_PROGRESS.code());
            }
        } catch (ApiException e) {
            response.setErrorCode(Errors.forException(e).code());
        }
        return CoordinatorResult.of(response);
    }

    /** LeaveGroup from classic members of a consumer group: each named member is removed. */
    CoordinatorResult<LeaveGroupResponseData> classicLeave(LeaveGroupRequestData request) {
        ConsumerGroup group = groups.get(request.groupId());
        LeaveGroupResponseData response = new LeaveGroupResponseData();
        List<LeaveGroupRequestData.MemberIdentity> identities = request.members().isEmpty()
                ? List.of(new LeaveGroupRequestData.MemberIdentity().setMemberId(request.memberId()))
                : request.members();
        List<CoordinatorRecord> records = new ArrayList<>();
        java.util.function.Consumer<Throwable> onWritten = null;
        for (LeaveGroupRequestData.MemberIdentity identity : identities) {
            LeaveGroupResponseData.MemberResponse answer = new LeaveGroupResponseData.MemberResponse()
                    .setMemberId(identity.memberId()).setGroupInstanceId(identity.groupInstanceId());
            try {
                ConsumerMember member = identity.groupInstanceId() != null
                        ? group.staticMember(identity.groupInstanceId()) : group.member(identity.memberId());
                if (member == null) {
                    throw new UnknownMemberIdException("Member " + identity.memberId() + " is not a member of group "
                            + group.groupId + ".");
                }
                if (identity.groupInstanceId() != null && identity.memberId() != null
                        && !identity.memberId().isEmpty() && !identity.memberId().equals(member.memberId())) {
                    throw new FencedInstanceIdException("The static member " + identity.memberId()
                            + " with instance id " + identity.groupInstanceId() + " is fenced by existing member "
                            + member.memberId() + ".");
                }
                log.info("{}Classic member {} left consumer group {}.", logPrefix, member.memberId(), group.groupId);
                CoordinatorResult<Void> removal = removal(group, member, null);
                records.addAll(removal.records());
                onWritten = removal.onWritten() != null ? removal.onWritten() : onWritten;
            } catch (ApiException e) {
                answer.setErrorCode(Errors.forException(e).code());
            }
            response.members().add(answer);
        }
        if (request.members().isEmpty()) {
            response.setErrorCode(response.members().get(0).errorCode()).setMembers(new ArrayList<>());
        }
        return new CoordinatorResult<>(records, response, onWritten);
    }

    /**
     * A classic member by member id (and instance id) at {@code generation}, or UNKNOWN_MEMBER_ID / FENCED_INSTANCE_ID /
     * ILLEGAL_GENERATION as Kafka answers.
     */
    private static ConsumerMember classicMember(ConsumerGroup group, String memberId, String instanceId,
                                                int generation) {
        ConsumerMember member;
        if (instanceId == null) {
            member = group.member(memberId);
        } else {
            member = group.staticMember(instanceId);
            if (member != null && !member.memberId().equals(memberId)) {
                throw new FencedInstanceIdException("The static member " + memberId + " with instance id "
                        + instanceId + " is fenced by existing member " + member.memberId() + ".");
            }
        }
        if (member == null) {
            throw new UnknownMemberIdException("Member " + memberId + " is not a member of group " + group.groupId
                    + ".");
        }
        if (!member.usesClassicProtocol()) {
            throw new UnknownMemberIdException("Member " + memberId + " does not use the classic protocol.");
        }
        if (generation != member.memberEpoch()) {
            throw new IllegalGenerationException("The request generation " + generation + " does not match the "
                    + "member epoch " + member.memberEpoch() + ".");
        }
        return member;
    }

    /** Kafka's check before a classic member syncs: a newer target means it must rejoin first. */
    private static void rejoinIfRebalancing(ConsumerGroup group, ConsumerMember member) {
        if (group.assignmentEpoch > member.memberEpoch()
                && member.state() != ConsumerMember.State.UNREVOKED_PARTITIONS) {
            throw new RebalanceInProgressException("A new rebalance is triggered in group " + group.groupId
                    + " and member " + member.memberId() + " should rejoin to catch up.");
        }
    }

    // ---- describe, list, delete, offsets -----------------------------------------------------------------

    ConsumerGroupDescribeResponseData.DescribedGroup describe(String groupId) {
        ConsumerGroup group = groups.get(groupId);
        if (group == null) {
            String message = shard.group(groupId) != null ? "Group " + groupId + " is not a consumer group."
                    : "Group " + groupId + " not found.";
            return new ConsumerGroupDescribeResponseData.DescribedGroup().setGroupId(groupId)
                    .setErrorCode(Errors.GROUP_ID_NOT_FOUND.code()).setErrorMessage(message);
        }
        MetadataImage image = topics.image();
        ConsumerGroupDescribeResponseData.DescribedGroup described =
                new ConsumerGroupDescribeResponseData.DescribedGroup()
                        .setGroupId(groupId)
                        .setGroupState(group.state().kafkaName)
                        .setGroupEpoch(group.groupEpoch)
                        .setAssignmentEpoch(group.assignmentEpoch)
                        .setAssignorName(assignors.preferred(group.members().values()));
        for (ConsumerMember m : group.members().values()) {
            described.members().add(new ConsumerGroupDescribeResponseData.Member()
                    .setMemberId(m.memberId())
                    .setInstanceId(m.instanceId())
                    .setRackId(m.rackId())
                    .setMemberEpoch(m.memberEpoch())
                    .setClientId(m.clientId())
                    .setClientHost(m.clientHost())
                    .setSubscribedTopicNames(new ArrayList<>(m.subscribedTopicNames()))
                    .setSubscribedTopicRegex(m.subscribedTopicRegex())
                    .setAssignment(describeAssignment(m.assigned().union(m.pendingRevocation()), image))
                    .setTargetAssignment(describeAssignment(m.target(), image))
                    .setMemberType((byte) 1));
        }
        return described;
    }

    private static ConsumerGroupDescribeResponseData.Assignment describeAssignment(Assignment assignment,
                                                                                   MetadataImage image) {
        ConsumerGroupDescribeResponseData.Assignment out = new ConsumerGroupDescribeResponseData.Assignment();
        assignment.partitions().forEach((topicId, partitions) -> image.topic(topicId).ifPresent(topic ->
                out.topicPartitions().add(new ConsumerGroupDescribeResponseData.TopicPartitions()
                        .setTopicId(topicId)
                        .setTopicName(topic.name())
                        .setPartitions(new ArrayList<>(partitions)))));
        return out;
    }

    void list(List<String> states, List<String> types, List<ListGroupsResponseData.ListedGroup> out) {
        if (!types.isEmpty() && types.stream().noneMatch("consumer"::equalsIgnoreCase)) {
            return;
        }
        for (ConsumerGroup group : groups.values()) {
            String state = group.state().kafkaName;
            if (!states.isEmpty() && states.stream().noneMatch(state::equalsIgnoreCase)) {
                continue;
            }
            out.add(new ListGroupsResponseData.ListedGroup().setGroupId(group.groupId).setProtocolType("consumer")
                    .setGroupState(state).setGroupType("consumer"));
        }
    }

    /** The records deleting an empty consumer group (its offsets are deleted by the caller). */
    Errors delete(String groupId, List<CoordinatorRecord> records) {
        ConsumerGroup group = groups.get(groupId);
        if (!group.isEmpty()) {
            return Errors.NON_EMPTY_GROUP;
        }
        records.add(new CoordinatorRecord.ConsumerGroupRecord(groupId, null));
        return Errors.NONE;
    }

    /**
     * Kafka's check of an OffsetCommit or TxnOffsetCommit to a consumer group: a commit from outside the group (no
     * member epoch) only while it is empty; else the member's current epoch.
     */
    Errors validateCommit(String groupId, String memberId, String instanceId, int memberEpoch, short version,
                          boolean transactional) {
        ConsumerGroup group = groups.get(groupId);
        if (memberEpoch < 0 && group.isEmpty()) {
            return Errors.NONE;
        }
        if (transactional && memberEpoch == -1 && (memberId == null || memberId.isEmpty()) && instanceId == null) {
            return Errors.NONE;
        }
        ConsumerMember member = memberId == null ? null : group.member(memberId);
        if (member == null) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        if (member.usesClassicProtocol()) {
            return memberEpoch == member.memberEpoch() ? Errors.NONE : Errors.ILLEGAL_GENERATION;
        }
        if (!transactional && version < 9) {
            return Errors.UNSUPPORTED_VERSION;
        }
        if (memberEpoch != member.memberEpoch()) {
            return transactional ? Errors.ILLEGAL_GENERATION : Errors.STALE_MEMBER_EPOCH;
        }
        return Errors.NONE;
    }

    /** Kafka's check of an OffsetFetch naming a member (version 9 on): it must be one, at its current epoch. */
    Errors validateFetch(String groupId, String memberId, int memberEpoch) {
        ConsumerGroup group = groups.get(groupId);
        if (group == null || (memberId == null && memberEpoch < 0)) {
            return Errors.NONE;
        }
        ConsumerMember member = memberId == null ? null : group.member(memberId);
        if (member == null) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        return memberEpoch == member.memberEpoch() ? Errors.NONE : Errors.STALE_MEMBER_EPOCH;
    }

    /**
     * The topics a group's regular expressions may resolve to: what the caller of its last heartbeat may DESCRIBE.
     * Until a heartbeat came to this shard (a group loaded after a coordinator failover), the topics its members are
     * assigned or being assigned: those were resolved with a caller's view before, so a member leaving or a classic
     * member joining meanwhile neither reaches a topic no caller was allowed to see nor drops one the group has.
     * Kafka keeps the resolved topics in its log for this; here the assignment, which is in the log, stands in.
     */
    private Predicate<String> describable(String groupId) {
        Predicate<String> view = regexDescribable.get(groupId);
        if (view != null) {
            return view;
        }
        ConsumerGroup group = groups.get(groupId);
        if (group == null) {
            return topic -> false;
        }
        MetadataImage image = topics.image();
        Set<String> assigned = new HashSet<>();
        for (ConsumerMember member : group.members().values()) {
            for (Assignment assignment : List.of(member.assigned(), member.pendingRevocation(), member.target())) {
                assignment.partitions().keySet().forEach(id -> image.topic(id)
                        .ifPresent(topic -> assigned.add(topic.name())));
            }
        }
        return assigned::contains;
    }

    /** Whether a member subscribes to {@code topic}, by name or regular expression (OffsetDelete refuses those). */
    boolean isSubscribedTo(String groupId, String topic) {
        ConsumerGroup group = groups.get(groupId);
        if (group == null) {
            return false;
        }
        if (group.subscribedTopicNames().contains(topic)) {
            return true;
        }
        return group.subscribedRegexes().stream().anyMatch(regex -> topics.resolve(regex).contains(topic));
    }
}
