package io.cairn.broker.group;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.FencedMemberEpochException;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupMaxSizeReachedException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.apache.kafka.common.errors.UnreleasedInstanceIdException;
import org.apache.kafka.common.errors.UnsupportedAssignorException;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.broker.coordinator.ShardTimer;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.config.GroupConfigs;

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
                scheduleSessionTimeout(group.groupId, member.memberId());
                if (member.state() == ConsumerMember.State.UNREVOKED_PARTITIONS) {
                    scheduleRebalanceTimeout(group.groupId, member);
                }
            }
        }
    }

    // ---- ConsumerGroupHeartbeat ------------------------------------------------------------------------

    CoordinatorResult<ConsumerGroupHeartbeatResponseData> heartbeat(String clientId, String clientHost,
                                                                   short version,
                                                                   ConsumerGroupHeartbeatRequestData request) {
        try {
            validate(request, version);
            if (request.memberEpoch() == -1 || request.memberEpoch() == ConsumerMember.LEFT_STATIC_EPOCH) {
                return leave(request);
            }
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
            subscriptionHash = topics.hash(members.values());
            if (subscriptionChanged || subscriptionHash != group.subscriptionHash) {
                groupEpoch++;
            }
        }

        // 2. A new target assignment when the group epoch is ahead of it.
        int assignmentEpoch = group.assignmentEpoch;
        List<ConsumerMember> retargeted = new ArrayList<>();
        if (groupEpoch > assignmentEpoch) {
            Map<String, Assignment> targets = assignors.assign(assignors.preferred(members.values()),
                    members.values(), topics::topicIds, topics.image());
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
        ConsumerMember reconciled = Reconciliation.step(current, assignmentEpoch, topics.topicIds(current), owned,
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

        scheduleSessionTimeout(groupId, memberId);
        if (reconciled.state() == ConsumerMember.State.UNREVOKED_PARTITIONS) {
            if (member.state() != ConsumerMember.State.UNREVOKED_PARTITIONS
                    || member.memberEpoch() != reconciled.memberEpoch()) {
                scheduleRebalanceTimeout(groupId, reconciled);
            }
        } else {
            timer.cancel(rebalanceKey(groupId, memberId));
        }

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
                throw new GroupIdNotFoundException("Cannot upgrade classic group " + groupId + " to consumer group "
                        + "because it has members: Cairn converts a classic group to the consumer protocol once it "
                        + "is empty.");
            }
            records.add(new CoordinatorRecord.Group(groupId, null));
            log.info("{}Converted the empty classic group {} to a consumer group.", logPrefix, groupId);
        }
        return new ConsumerGroup(groupId);
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
        return CoordinatorResult.of(remove(group, member), response);
    }

    /** The records removing a member: its tombstone and a new group epoch, so that the others are reassigned. */
    private List<CoordinatorRecord> remove(ConsumerGroup group, ConsumerMember member) {
        cancelTimers(group.groupId, member.memberId());
        Map<String, ConsumerMember> remaining = new TreeMap<>(group.members());
        remaining.remove(member.memberId());
        long hash = topics.hash(remaining.values());
        return List.of(new CoordinatorRecord.ConsumerMemberRecord(group.groupId, member.memberId(), null),
                new CoordinatorRecord.ConsumerGroupRecord(group.groupId, new CoordinatorRecord.ConsumerGroupValue(
                        group.groupEpoch + 1, group.assignmentEpoch, hash)));
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

    private void scheduleSessionTimeout(String groupId, String memberId) {
        int sessionTimeoutMs = sessionTimeoutMs(groupId);
        timer.schedule(sessionKey(groupId, memberId), sessionTimeoutMs, () -> {
            ConsumerGroup group = groups.get(groupId);
            ConsumerMember member = group == null ? null : group.member(memberId);
            if (member == null) {
                return CoordinatorResult.of(null);
            }
            log.info("{}Member {} of consumer group {} sent no heartbeat for {} ms (its session timeout): removed.",
                    logPrefix, memberId, groupId, sessionTimeoutMs);
            return CoordinatorResult.of(remove(group, member), null);
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
            return CoordinatorResult.of(remove(group, member), null);
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
