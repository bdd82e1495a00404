package io.cairn.broker.group;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import io.cairn.broker.coordinator.CoordinatorShard;
import io.cairn.broker.coordinator.ShardTimer;
import io.cairn.metadata.MetadataImage;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
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
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The group coordinator of one {@code __consumer_offsets} partition: the classic group protocol (join,
 * sync, heartbeat, leave, with session and rebalance timeouts and the initial rebalance delay) and, through
 * {@link OffsetsShard}, committed offsets.
 *
 * <p>Every operation returns a {@link CoordinatorResult}: the records to write and the response to give
 * once they are committed. {@link #replay} is the only mutator of durable state (offsets, persisted group
 * metadata); membership during a rebalance is soft state kept here, as in Kafka, and persisted when a
 * generation's assignment is complete or the group empties. Time comes from the injected {@link Time};
 * timers from the injected {@link ShardTimer}; no threads, no sleeping.
 *
 * <p>Not thread-safe; confined to the runtime's event loop.
 */
public final class GroupCoordinatorShard implements CoordinatorShard<CoordinatorRecord> {

    private static final Logger log = LoggerFactory.getLogger(GroupCoordinatorShard.class);

    private final Time time;
    private final ShardTimer<CoordinatorRecord> timer;
    private final GroupConfig config;
    private final Random random;
    private final String logPrefix;
    final Map<String, ClassicGroup> groups = new HashMap<>();
    final OffsetsShard offsets;
    final ConsumerGroupShard consumerGroups;
    private boolean loaded;

    /**
     * @param image the latest committed metadata image (consumer groups resolve their subscriptions against it)
     */
    public GroupCoordinatorShard(int partition, int nodeId, Time time, ShardTimer<CoordinatorRecord> timer, GroupConfig config,
                                 Random random, Supplier<MetadataImage> image) {
        this.time = time;
        this.timer = timer;
        this.config = config;
        this.random = random;
        this.logPrefix = "[node " + nodeId + "] [" + GroupConfig.OFFSETS_TOPIC + "-" + partition + "] ";
        this.offsets = new OffsetsShard(this, config);
        this.consumerGroups = new ConsumerGroupShard(this, timer, config.consumer(), new SubscribedTopics(image),
                logPrefix);
    }

    @Override
    public String loadSummary() {
        return groupCount() + " classic groups, " + consumerGroups.groupCount() + " consumer groups, "
                + offsets.offsetCount() + " offsets";
    }

    // ---- durable state --------------------------------------------------------------------------------

    /** Applies one committed (or, while loading, stored) record. The only mutator of durable state. */
    @Override
    public void replay(CoordinatorRecord record) {
        if (record instanceof CoordinatorRecord.Offset offset) {
            offsets.replay(offset);
            if (offset.offset() != null) {
                ensureGroupOfOffsets(offset.groupId());
            }
        } else if (record instanceof CoordinatorRecord.ConsumerGroupRecord consumerGroup) {
            if (consumerGroup.group() != null) {
                // The group is a consumer group from now on (an empty classic group converted).
                groups.remove(consumerGroup.groupId());
            }
            consumerGroups.replay(consumerGroup);
        } else if (record instanceof CoordinatorRecord.ConsumerMemberRecord member) {
            if (member.member() != null) {
                groups.remove(member.groupId());
            }
            consumerGroups.replay(member);
        } else if (record instanceof CoordinatorRecord.Group group) {
            if (group.group() == null) {
                ClassicGroup removed = groups.remove(group.groupId());
                if (removed != null) {
                    removed.transitionTo(GroupState.DEAD, time.milliseconds());
                }
            } else if (!loaded || !groups.containsKey(group.groupId())) {
                // A consumer group of that id emptied and converted back writes its tombstone first; while loading
                // a compacted log, the later record is the truth.
                consumerGroups.replay(new CoordinatorRecord.ConsumerGroupRecord(group.groupId(), null));
                // While loading the log is the truth; once active, the in-memory group already holds what the
                // record says (the record was made from it).
                groups.put(group.groupId(), ClassicGroup.fromValue(group.groupId(), group.group()));
            }
        }
    }

    /**
     * A record of a producer's transaction (TxnOffsetCommit): an offset stays pending until the transaction's
     * marker. As in Kafka, the offset's group exists from this record on (a simple group if nothing else made it),
     * and a group record in a transaction (none are written) applies at once.
     */
    @Override
    public void replayTransactional(CoordinatorRecord record, long producerId, short producerEpoch) {
        if (record instanceof CoordinatorRecord.Offset offset) {
            offsets.replayTransactional(offset, producerId);
            if (offset.offset() != null) {
                ensureGroupOfOffsets(offset.groupId());
            }
        } else {
            replay(record);
        }
    }

    /** The commit or abort marker of {@code producerId}: its pending offsets are committed or dropped. */
    @Override
    public void replayEndTransaction(long producerId, boolean commit) {
        for (String groupId : offsets.replayEndTransaction(producerId, commit)) {
            ensureGroupOfOffsets(groupId);
        }
    }

    /** Offsets of a group no member made belong to a simple classic group, unless a consumer group has that id. */
    private void ensureGroupOfOffsets(String groupId) {
        if (consumerGroups.group(groupId) == null) {
            groups.computeIfAbsent(groupId, id -> new ClassicGroup(id, time.milliseconds()));
        }
    }

    /** The log has been replayed: members of loaded groups get a fresh session to heartbeat in. */
    @Override
    public void onLoaded() {
        loaded = true;
        for (ClassicGroup group : groups.values()) {
            group.members.values().forEach(member -> scheduleHeartbeat(group, member));
        }
        consumerGroups.onLoaded();
    }

    /** Leadership moved away: parked requests learn that this node no longer coordinates their group. */
    @Override
    public void onUnloaded() {
        for (ClassicGroup group : groups.values()) {
            for (GroupMember member : group.members.values()) {
                if (member.awaitingJoin != null) {
                    member.awaitingJoin.complete(joinError(member.memberId, Errors.NOT_COORDINATOR));
                    member.awaitingJoin = null;
                }
                if (member.awaitingSync != null) {
                    member.awaitingSync.complete(syncError(Errors.NOT_COORDINATOR));
                    member.awaitingSync = null;
                }
            }
            group.transitionTo(GroupState.DEAD, time.milliseconds());
        }
    }

    public int groupCount() {
        return groups.size();
    }

    public OffsetsShard offsets() {
        return offsets;
    }

    /**
     * A classic group becomes a consumer group (online upgrade): its parked joins and syncs are answered with
     * {@code error} so that the members rejoin, and its timers stop.
     */
    void releaseParkedRequests(ClassicGroup group, Errors error) {
        for (GroupMember member : group.members.values()) {
            if (member.awaitingJoin != null) {
                member.awaitingJoin.complete(joinError(member.memberId, error));
                member.awaitingJoin = null;
            }
            if (member.awaitingSync != null) {
                member.awaitingSync.complete(syncError(error));
                member.awaitingSync = null;
            }
            timer.cancel(heartbeatKey(group.groupId, member.memberId));
            timer.cancel(pendingKey(group.groupId, member.memberId));
        }
        timer.cancel(joinKey(group.groupId));
    }

    /**
     * A consumer group left with classic members only has become this classic group (online downgrade, written):
     * its members get sessions and must rejoin, so that the partitions of the member that left are assigned.
     */
    void rebalanceAfterDowngrade(String groupId) {
        ClassicGroup group = groups.get(groupId);
        if (group == null || group.members.isEmpty()) {
            return;
        }
        group.members.values().forEach(member -> scheduleHeartbeat(group, member));
        List<CoordinatorRecord> none = new ArrayList<>();
        prepareRebalance(group, "converted from a consumer group", none);
        if (!none.isEmpty()) {
            throw new IllegalStateException("A rebalance with no member rejoined yet wrote records");
        }
    }

    /** ConsumerGroupHeartbeat (KIP-848). @see ConsumerGroupShard */
    public CoordinatorResult<ConsumerGroupHeartbeatResponseData> consumerGroupHeartbeat(
            String clientId, String clientHost, short version, ConsumerGroupHeartbeatRequestData request) {
        return consumerGroups.heartbeat(clientId, clientHost, version, request);
    }

    /**
     * As above, for a caller that may DESCRIBE only the topics {@code describable} allows: a regular expression
     * subscription resolves to those alone, as Kafka's.
     */
    public CoordinatorResult<ConsumerGroupHeartbeatResponseData> consumerGroupHeartbeat(
            String clientId, String clientHost, short version, ConsumerGroupHeartbeatRequestData request,
            java.util.function.Predicate<String> describable) {
        return consumerGroups.heartbeat(clientId, clientHost, version, request, describable);
    }

    /** ConsumerGroupDescribe of one group: GROUP_ID_NOT_FOUND unless it is a consumer group. */
    public ConsumerGroupDescribeResponseData.DescribedGroup describeConsumerGroup(String groupId) {
        return consumerGroups.describe(groupId);
    }

    ClassicGroup group(String groupId) {
        return groups.get(groupId);
    }

    long now() {
        return time.milliseconds();
    }

    // ---- JoinGroup ------------------------------------------------------------------------------------

    public CoordinatorResult<CompletableFuture<JoinGroupResponseData>> joinGroup(
            String clientId, String clientHost, short version, JoinGroupRequestData request) {
        String groupId = request.groupId();
        String memberId = request.memberId() == null ? "" : request.memberId();
        if (groupId == null || groupId.isEmpty()) {
            return joinDone(joinError(memberId, Errors.INVALID_GROUP_ID));
        }
        if (request.sessionTimeoutMs() < config.minSessionTimeoutMs()
                || request.sessionTimeoutMs() > config.maxSessionTimeoutMs()) {
            return joinDone(joinError(memberId, Errors.INVALID_SESSION_TIMEOUT));
        }
        Map<String, byte[]> protocols = new LinkedHashMap<>();
        request.protocols().forEach(p -> protocols.put(p.name(), p.metadata()));
        List<CoordinatorRecord> records = new ArrayList<>();
        ConsumerGroup consumerGroup = consumerGroups.group(groupId);
        if (consumerGroup != null) {
            // A consumer group with members serves classic members too (online migration); an empty one becomes a
            // classic group, keeping its offsets.
            if (!consumerGroup.isEmpty()) {
                return consumerGroups.classicJoin(clientId, clientHost, version, request);
            }
            records.add(new CoordinatorRecord.ConsumerGroupRecord(groupId, null));
            log.info("{}Converted the empty consumer group {} to a classic group.", logPrefix, groupId);
        }
        ClassicGroup group = groups.get(groupId);
        boolean unknownMember = memberId.isEmpty();
        if (group == null) {
            if (!unknownMember && consumerGroup == null) {
                return joinDone(joinError(memberId, Errors.UNKNOWN_MEMBER_ID));
            }
            group = new ClassicGroup(groupId, now());
            groups.put(groupId, group);
        }
        if (group.is(GroupState.DEAD)) {
            return joinDone(joinError(memberId, Errors.COORDINATOR_NOT_AVAILABLE));
        }
        if (!group.supports(request.protocolType(), protocols.keySet())) {
            removeIfUnused(group);
            return joinDone(joinError(memberId, Errors.INCONSISTENT_GROUP_PROTOCOL));
        }
        int rebalanceTimeoutMs = request.rebalanceTimeoutMs() < 0 ? request.sessionTimeoutMs()
                : request.rebalanceTimeoutMs();
        JoinRequest join = new JoinRequest(clientId, clientHost, request.groupInstanceId(), rebalanceTimeoutMs,
                request.sessionTimeoutMs(), request.protocolType(), protocols);
        CompletableFuture<JoinGroupResponseData> future = new CompletableFuture<>();
        if (unknownMember) {
            joinUnknownMember(group, join, version, future, records);
        } else {
            joinKnownMember(group, memberId, join, future, records);
        }
        return CoordinatorResult.of(records, future);
    }

    private record JoinRequest(String clientId, String clientHost, String instanceId, int rebalanceTimeoutMs,
                               int sessionTimeoutMs, String protocolType, Map<String, byte[]> protocols) {
    }

    private void joinUnknownMember(ClassicGroup group, JoinRequest join, short version,
                                   CompletableFuture<JoinGroupResponseData> future, List<CoordinatorRecord> records) {
        // As Kafka: a static member's id starts with its instance id, a dynamic one's with its client id.
        String prefix = join.instanceId() != null ? join.instanceId()
                : join.clientId() == null ? "" : join.clientId();
        String newMemberId = prefix + "-" + new UUID(random.nextLong(), random.nextLong());
        if (join.instanceId() != null) {
            String existingId = group.staticMembers.get(join.instanceId());
            if (existingId != null) {
                rejoinStaticMember(group, existingId, newMemberId, join, future, records);
                return;
            }
            addMemberAndRebalance(group, newMemberId, join, future, records);
            return;
        }
        if (version >= 4) {
            // The member id round trip: the client must come back with this id, so that a client whose join
            // times out does not leave an unknown member behind for a whole session.
            group.pendingMembers.add(newMemberId);
            String groupId = group.groupId;
            timer.schedule(pendingKey(groupId, newMemberId), join.sessionTimeoutMs(), () -> {
                List<CoordinatorRecord> records2 = new ArrayList<>();
                ClassicGroup g = groups.get(groupId);
                if (g != null && g.pendingMembers.remove(newMemberId)) {
                    maybeCompleteJoin(g, records2);
                }
                return CoordinatorResult.of(records2, null);
            });
            future.complete(joinError(newMemberId, Errors.MEMBER_ID_REQUIRED));
            return;
        }
        addMemberAndRebalance(group, newMemberId, join, future, records);
    }

    private void rejoinStaticMember(ClassicGroup group, String oldMemberId, String newMemberId, JoinRequest join,
                                    CompletableFuture<JoinGroupResponseData> future, List<CoordinatorRecord> records) {
        GroupMember old = group.members.get(oldMemberId);
        if (old.awaitingJoin != null) {
            old.awaitingJoin.complete(joinError(oldMemberId, Errors.FENCED_INSTANCE_ID));
            old.awaitingJoin = null;
        }
        if (old.awaitingSync != null) {
            old.awaitingSync.complete(syncError(Errors.FENCED_INSTANCE_ID));
            old.awaitingSync = null;
        }
        timer.cancel(heartbeatKey(group.groupId, oldMemberId));
        GroupMember member = group.replaceStaticMember(join.instanceId(), oldMemberId, newMemberId);
        boolean sameProtocols = member.sameProtocols(join.protocols());
        member.clientId = join.clientId();
        member.clientHost = join.clientHost();
        member.rebalanceTimeoutMs = join.rebalanceTimeoutMs();
        member.sessionTimeoutMs = join.sessionTimeoutMs();
        log.info("{}Static member {} of group {} rejoined as {}", logPrefix, join.instanceId(), group.groupId,
                newMemberId);
        if (group.is(GroupState.STABLE) && sameProtocols) {
            // No rebalance: the member gets its current assignment back under its new id.
            records.add(new CoordinatorRecord.Group(group.groupId, group.toValue()));
            scheduleHeartbeat(group, member);
            boolean leader = newMemberId.equals(group.leaderId);
            future.complete(joinResponse(group, member).setSkipAssignment(leader));
            return;
        }
        member.protocols = new LinkedHashMap<>(join.protocols());
        member.awaitingJoin = future;
        scheduleHeartbeat(group, member);
        maybePrepareRebalance(group, "static member " + join.instanceId() + " rejoined", records);
        maybeCompleteJoin(group, records);
    }

    private void joinKnownMember(ClassicGroup group, String memberId, JoinRequest join,
                                 CompletableFuture<JoinGroupResponseData> future, List<CoordinatorRecord> records) {
        if (group.pendingMembers.contains(memberId)) {
            timer.cancel(pendingKey(group.groupId, memberId));
            addMemberAndRebalance(group, memberId, join, future, records);
            return;
        }
        GroupMember member = group.members.get(memberId);
        if (member == null) {
            future.complete(joinError(memberId, Errors.UNKNOWN_MEMBER_ID));
            return;
        }
        if (isFenced(group, memberId, join.instanceId())) {
            future.complete(joinError(memberId, Errors.FENCED_INSTANCE_ID));
            return;
        }
        boolean sameProtocols = member.sameProtocols(join.protocols());
        switch (group.state) {
            case PREPARING_REBALANCE -> updateMemberAndRebalance(group, member, join, future, records);
            case COMPLETING_REBALANCE -> {
                if (sameProtocols) {
                    // A retried join of this generation: the same answer again.
                    future.complete(joinResponse(group, member));
                } else {
                    updateMemberAndRebalance(group, member, join, future, records);
                }
            }
            case STABLE -> {
                if (memberId.equals(group.leaderId) || !sameProtocols) {
                    updateMemberAndRebalance(group, member, join, future, records);
                } else {
                    scheduleHeartbeat(group, member);
                    future.complete(joinResponse(group, member));
                }
            }
            default -> future.complete(joinError(memberId, Errors.UNKNOWN_MEMBER_ID));
        }
    }

    private void addMemberAndRebalance(ClassicGroup group, String memberId, JoinRequest join,
                                       CompletableFuture<JoinGroupResponseData> future, List<CoordinatorRecord> records) {
        GroupMember member = new GroupMember(memberId, join.instanceId(), join.clientId(), join.clientHost(),
                join.rebalanceTimeoutMs(), join.sessionTimeoutMs(), join.protocolType(), join.protocols());
        member.awaitingJoin = future;
        group.add(member);
        if (group.is(GroupState.PREPARING_REBALANCE) && group.generation == 0) {
            group.newMemberAdded = true;
        }
        scheduleHeartbeat(group, member);
        maybePrepareRebalance(group, "member " + memberId + " joined", records);
        maybeCompleteJoin(group, records);
    }

    private void updateMemberAndRebalance(ClassicGroup group, GroupMember member, JoinRequest join,
                                          CompletableFuture<JoinGroupResponseData> future,
                                          List<CoordinatorRecord> records) {
        if (member.awaitingJoin != null && member.awaitingJoin != future) {
            member.awaitingJoin.complete(joinError(member.memberId, Errors.REBALANCE_IN_PROGRESS));
        }
        member.protocols = new LinkedHashMap<>(join.protocols());
        member.rebalanceTimeoutMs = join.rebalanceTimeoutMs();
        member.sessionTimeoutMs = join.sessionTimeoutMs();
        member.awaitingJoin = future;
        scheduleHeartbeat(group, member);
        maybePrepareRebalance(group, "member " + member.memberId + " rejoined", records);
        maybeCompleteJoin(group, records);
    }

    private void maybePrepareRebalance(ClassicGroup group, String reason, List<CoordinatorRecord> records) {
        if (group.is(GroupState.STABLE) || group.is(GroupState.COMPLETING_REBALANCE) || group.is(GroupState.EMPTY)) {
            prepareRebalance(group, reason, records);
        }
    }

    private void prepareRebalance(ClassicGroup group, String reason, List<CoordinatorRecord> records) {
        if (group.is(GroupState.COMPLETING_REBALANCE)) {
            failPendingSyncs(group, Errors.REBALANCE_IN_PROGRESS);
        }
        boolean initial = group.is(GroupState.EMPTY);
        group.transitionTo(GroupState.PREPARING_REBALANCE, now());
        log.info("{}Preparing to rebalance group {} (generation {}): {}", logPrefix, group.groupId,
                group.generation, reason);
        String groupId = group.groupId;
        if (initial && config.initialRebalanceDelayMs() > 0) {
            group.newMemberAdded = false;
            int delay = config.initialRebalanceDelayMs();
            scheduleInitialDelay(groupId, delay, Math.max(group.rebalanceTimeoutMs() - delay, 0));
        } else {
            timer.schedule(joinKey(groupId), group.rebalanceTimeoutMs(), () -> onRebalanceTimeout(groupId));
            maybeCompleteJoin(group, records);
        }
    }

    /** group.initial.rebalance.delay.ms: waits for more members, extending while they keep coming. */
    private void scheduleInitialDelay(String groupId, int delayMs, int remainingMs) {
        ClassicGroup group = groups.get(groupId);
        group.initialDelayPending = true;
        timer.schedule(joinKey(groupId), delayMs, () -> {
            List<CoordinatorRecord> records = new ArrayList<>();
            ClassicGroup g = groups.get(groupId);
            if (g == null || !g.is(GroupState.PREPARING_REBALANCE)) {
                return CoordinatorResult.of(records, null);
            }
            if (g.newMemberAdded && remainingMs > 0) {
                g.newMemberAdded = false;
                int next = Math.min(config.initialRebalanceDelayMs(), remainingMs);
                scheduleInitialDelay(groupId, next, remainingMs - next);
            } else {
                g.initialDelayPending = false;
                completeJoin(g, records);
            }
            return CoordinatorResult.of(records, null);
        });
    }

    private CoordinatorResult<Void> onRebalanceTimeout(String groupId) {
        List<CoordinatorRecord> records = new ArrayList<>();
        ClassicGroup group = groups.get(groupId);
        if (group != null && group.is(GroupState.PREPARING_REBALANCE)) {
            completeJoin(group, records);
        }
        return CoordinatorResult.of(records, null);
    }

    private void maybeCompleteJoin(ClassicGroup group, List<CoordinatorRecord> records) {
        if (group.is(GroupState.PREPARING_REBALANCE) && !group.initialDelayPending && group.allMembersJoined()) {
            completeJoin(group, records);
        }
    }

    /**
     * Ends the join phase: members that did not rejoin are removed, the generation is bumped, a protocol is
     * chosen and every parked join is answered (the leader gets the members' subscriptions).
     */
    private void completeJoin(ClassicGroup group, List<CoordinatorRecord> records) {
        timer.cancel(joinKey(group.groupId));
        group.initialDelayPending = false;
        for (GroupMember member : List.copyOf(group.members.values())) {
            if (member.awaitingJoin == null) {
                log.info("{}Removing member {} of group {}: it did not rejoin in time", logPrefix, member.memberId,
                        group.groupId);
                timer.cancel(heartbeatKey(group.groupId, member.memberId));
                group.remove(member.memberId);
            }
        }
        for (String pending : group.pendingMembers) {
            timer.cancel(pendingKey(group.groupId, pending));
        }
        group.pendingMembers.clear();
        group.generation++;
        if (group.members.isEmpty()) {
            group.protocolName = null;
            group.leaderId = null;
            group.transitionTo(GroupState.EMPTY, now());
            records.add(new CoordinatorRecord.Group(group.groupId, group.toValue()));
            log.info("{}Group {} is empty at generation {}", logPrefix, group.groupId, group.generation);
            return;
        }
        group.protocolName = group.selectProtocol();
        if (group.leaderId == null || !group.members.containsKey(group.leaderId)) {
            group.leaderId = group.members.keySet().iterator().next();
        }
        group.transitionTo(GroupState.COMPLETING_REBALANCE, now());
        log.info("{}Group {} generation {} has {} members (protocol {}, leader {})", logPrefix, group.groupId,
                group.generation, group.members.size(), group.protocolName, group.leaderId);
        for (GroupMember member : group.members.values()) {
            member.assignment = new byte[0];
            CompletableFuture<JoinGroupResponseData> waiting = member.awaitingJoin;
            member.awaitingJoin = null;
            scheduleHeartbeat(group, member);
            waiting.complete(joinResponse(group, member));
        }
    }

    private JoinGroupResponseData joinResponse(ClassicGroup group, GroupMember member) {
        JoinGroupResponseData response = new JoinGroupResponseData()
                .setGenerationId(group.generation)
                .setProtocolType(group.protocolType)
                .setProtocolName(group.protocolName)
                .setLeader(group.leaderId)
                .setMemberId(member.memberId);
        if (member.memberId.equals(group.leaderId)) {
            for (GroupMember m : group.members.values()) {
                response.members().add(new JoinGroupResponseData.JoinGroupResponseMember()
                        .setMemberId(m.memberId)
                        .setGroupInstanceId(m.groupInstanceId)
                        .setMetadata(m.metadata(group.protocolName)));
            }
        }
        return response;
    }

    static JoinGroupResponseData joinError(String memberId, Errors error) {
        return new JoinGroupResponseData()
                .setErrorCode(error.code())
                .setGenerationId(-1)
                .setMemberId(memberId)
                .setLeader("")
                .setProtocolName(null);
    }

    private static CoordinatorResult<CompletableFuture<JoinGroupResponseData>> joinDone(JoinGroupResponseData r) {
        return CoordinatorResult.of(CompletableFuture.completedFuture(r));
    }

    // ---- SyncGroup ------------------------------------------------------------------------------------

    public CoordinatorResult<CompletableFuture<SyncGroupResponseData>> syncGroup(SyncGroupRequestData request) {
        if (consumerGroups.group(request.groupId()) != null) {
            return consumerGroups.classicSync(request);
        }
        ClassicGroup group = groups.get(request.groupId());
        GroupMember member = group == null ? null : group.members.get(request.memberId());
        Errors error = validateMember(group, member, request.memberId(), request.groupInstanceId(),
                request.generationId());
        if (error == Errors.NONE && request.protocolType() != null && !request.protocolType().equals(group.protocolType)
                || error == Errors.NONE && request.protocolName() != null
                && !request.protocolName().equals(group.protocolName)) {
            error = Errors.INCONSISTENT_GROUP_PROTOCOL;
        }
        if (error != Errors.NONE) {
            return CoordinatorResult.of(CompletableFuture.completedFuture(syncError(error)));
        }
        switch (group.state) {
            case PREPARING_REBALANCE:
                return CoordinatorResult.of(CompletableFuture.completedFuture(syncError(Errors.REBALANCE_IN_PROGRESS)));
            case STABLE:
                scheduleHeartbeat(group, member);
                return CoordinatorResult.of(CompletableFuture.completedFuture(syncResponse(group, member)));
            case COMPLETING_REBALANCE:
                break;
            default:
                return CoordinatorResult.of(CompletableFuture.completedFuture(syncError(Errors.UNKNOWN_MEMBER_ID)));
        }
        CompletableFuture<SyncGroupResponseData> future = new CompletableFuture<>();
        if (member.awaitingSync != null) {
            member.awaitingSync.complete(syncError(Errors.REBALANCE_IN_PROGRESS));
        }
        member.awaitingSync = future;
        scheduleHeartbeat(group, member);
        if (!member.memberId.equals(group.leaderId)) {
            return CoordinatorResult.of(future);
        }
        Map<String, byte[]> assignments = new HashMap<>();
        request.assignments().forEach(a -> assignments.put(a.memberId(), a.assignment()));
        for (GroupMember m : group.members.values()) {
            m.assignment = assignments.getOrDefault(m.memberId, new byte[0]);
        }
        int generation = group.generation;
        String groupId = group.groupId;
        List<CoordinatorRecord> records = List.of(new CoordinatorRecord.Group(groupId, group.toValue()));
        return new CoordinatorResult<>(records, future, writeError -> {
            ClassicGroup g = groups.get(groupId);
            if (g != group || g.generation != generation || !g.is(GroupState.COMPLETING_REBALANCE)) {
                return;
            }
            if (writeError == null) {
                g.transitionTo(GroupState.STABLE, now());
                log.info("{}Group {} generation {} is stable", logPrefix, groupId, generation);
                for (GroupMember m : g.members.values()) {
                    if (m.awaitingSync != null) {
                        m.awaitingSync.complete(syncResponse(g, m));
                        m.awaitingSync = null;
                    }
                }
            } else {
                log.info("{}Storing the assignment of group {} failed: {}", logPrefix, groupId, writeError.toString());
                failPendingSyncs(g, Errors.COORDINATOR_NOT_AVAILABLE);
                prepareRebalance(g, "the assignment could not be stored", new ArrayList<>());
            }
        });
    }

    private void failPendingSyncs(ClassicGroup group, Errors error) {
        for (GroupMember m : group.members.values()) {
            m.assignment = new byte[0];
            if (m.awaitingSync != null) {
                m.awaitingSync.complete(syncError(error));
                m.awaitingSync = null;
            }
        }
    }

    private static SyncGroupResponseData syncResponse(ClassicGroup group, GroupMember member) {
        return new SyncGroupResponseData()
                .setProtocolType(group.protocolType)
                .setProtocolName(group.protocolName)
                .setAssignment(member.assignment);
    }

    static SyncGroupResponseData syncError(Errors error) {
        return new SyncGroupResponseData().setErrorCode(error.code()).setAssignment(new byte[0]);
    }

    // ---- Heartbeat, LeaveGroup, session timeouts -------------------------------------------------------

    public CoordinatorResult<HeartbeatResponseData> heartbeat(HeartbeatRequestData request) {
        if (consumerGroups.group(request.groupId()) != null) {
            return consumerGroups.classicHeartbeat(request);
        }
        // Kafka's order of checks: the group, the static member (a replaced instance is fenced), the member, the
        // generation, then the group's state.
        ClassicGroup group = groups.get(request.groupId());
        Errors error;
        if (group == null) {
            error = Errors.UNKNOWN_MEMBER_ID;
        } else if (group.is(GroupState.DEAD)) {
            error = Errors.COORDINATOR_NOT_AVAILABLE;
        } else if (request.groupInstanceId() != null && !group.staticMembers.containsKey(request.groupInstanceId())) {
            error = Errors.UNKNOWN_MEMBER_ID;
        } else if (isFenced(group, request.memberId(), request.groupInstanceId())) {
            error = Errors.FENCED_INSTANCE_ID;
        } else if (!group.members.containsKey(request.memberId())) {
            error = Errors.UNKNOWN_MEMBER_ID;
        } else if (request.generationId() != group.generation) {
            error = Errors.ILLEGAL_GENERATION;
        } else if (group.is(GroupState.EMPTY)) {
            error = Errors.UNKNOWN_MEMBER_ID;
        } else {
            scheduleHeartbeat(group, group.members.get(request.memberId()));
            error = group.is(GroupState.PREPARING_REBALANCE) ? Errors.REBALANCE_IN_PROGRESS : Errors.NONE;
        }
        return CoordinatorResult.of(new HeartbeatResponseData().setErrorCode(error.code()));
    }

    public CoordinatorResult<LeaveGroupResponseData> leaveGroup(short version, LeaveGroupRequestData request) {
        if (consumerGroups.group(request.groupId()) != null) {
            return consumerGroups.classicLeave(version >= 3 ? request
                    : request.duplicate().setMembers(new ArrayList<>()));
        }
        List<LeaveGroupRequestData.MemberIdentity> leaving = version >= 3 ? request.members()
                : List.of(new LeaveGroupRequestData.MemberIdentity().setMemberId(request.memberId()));
        ClassicGroup group = groups.get(request.groupId());
        LeaveGroupResponseData response = new LeaveGroupResponseData();
        List<CoordinatorRecord> records = new ArrayList<>();
        boolean changed = false;
        for (LeaveGroupRequestData.MemberIdentity identity : leaving) {
            Errors error = Errors.NONE;
            String memberId = identity.memberId();
            if (group == null || group.is(GroupState.DEAD)) {
                error = Errors.UNKNOWN_MEMBER_ID;
            } else if (identity.groupInstanceId() != null) {
                String current = group.staticMembers.get(identity.groupInstanceId());
                if (current == null) {
                    error = Errors.UNKNOWN_MEMBER_ID;
                } else if (memberId != null && !memberId.isEmpty() && !memberId.equals(current)) {
                    error = Errors.FENCED_INSTANCE_ID;
                } else {
                    removeMember(group, group.members.get(current), "left the group");
                    changed = true;
                }
            } else if (group.pendingMembers.remove(memberId)) {
                timer.cancel(pendingKey(group.groupId, memberId));
                changed = true;
            } else if (group.members.containsKey(memberId)) {
                removeMember(group, group.members.get(memberId), "left the group");
                changed = true;
            } else {
                error = Errors.UNKNOWN_MEMBER_ID;
            }
            if (version < 3 && error != Errors.NONE) {
                response.setErrorCode(error.code());
            }
            response.members().add(new LeaveGroupResponseData.MemberResponse()
                    .setMemberId(memberId)
                    .setGroupInstanceId(identity.groupInstanceId())
                    .setErrorCode(error.code()));
        }
        if (changed) {
            afterMembershipChange(group, "members left", records);
        }
        if (version < 3) {
            response.members().clear();
        }
        return CoordinatorResult.of(records, response);
    }

    private CoordinatorResult<Void> onSessionTimeout(String groupId, String memberId) {
        List<CoordinatorRecord> records = new ArrayList<>();
        ClassicGroup group = groups.get(groupId);
        GroupMember member = group == null ? null : group.members.get(memberId);
        if (member == null) {
            return CoordinatorResult.of(records, null);
        }
        if (member.awaitingJoin != null) {
            // A member parked in JoinGroup is alive: the rebalance timeout decides about it.
            scheduleHeartbeat(group, member);
            return CoordinatorResult.of(records, null);
        }
        log.info("{}Member {} of group {} has not heartbeated for {} ms (session timeout): removing it", logPrefix,
                memberId, groupId, member.sessionTimeoutMs);
        removeMember(group, member, "session timeout");
        afterMembershipChange(group, "member " + memberId + " timed out", records);
        return CoordinatorResult.of(records, null);
    }

    private void removeMember(ClassicGroup group, GroupMember member, String reason) {
        timer.cancel(heartbeatKey(group.groupId, member.memberId));
        if (member.awaitingJoin != null) {
            member.awaitingJoin.complete(joinError(member.memberId, Errors.UNKNOWN_MEMBER_ID));
            member.awaitingJoin = null;
        }
        if (member.awaitingSync != null) {
            member.awaitingSync.complete(syncError(Errors.UNKNOWN_MEMBER_ID));
            member.awaitingSync = null;
        }
        group.remove(member.memberId);
        log.info("{}Member {} of group {} removed: {}", logPrefix, member.memberId, group.groupId, reason);
    }

    private void afterMembershipChange(ClassicGroup group, String reason, List<CoordinatorRecord> records) {
        switch (group.state) {
            case STABLE, COMPLETING_REBALANCE -> prepareRebalance(group, reason, records);
            case PREPARING_REBALANCE -> maybeCompleteJoin(group, records);
            default -> {
            }
        }
    }

    private void scheduleHeartbeat(ClassicGroup group, GroupMember member) {
        String groupId = group.groupId;
        String memberId = member.memberId;
        timer.schedule(heartbeatKey(groupId, memberId), member.sessionTimeoutMs,
                () -> onSessionTimeout(groupId, memberId));
    }

    /** A commit from a member counts as a heartbeat. */
    void heartbeatFromCommit(ClassicGroup group, GroupMember member) {
        scheduleHeartbeat(group, member);
    }

    // ---- ListGroups, DescribeGroups -------------------------------------------------------------------

    /** The groups of this shard in one of {@code states} and of one of {@code types} (all when empty). */
    public List<ListGroupsResponseData.ListedGroup> listGroups(List<String> states, List<String> types) {
        List<ListGroupsResponseData.ListedGroup> listed = new ArrayList<>();
        consumerGroups.list(states, types, listed);
        if (!types.isEmpty() && types.stream().noneMatch("classic"::equalsIgnoreCase)) {
            return listed;
        }
        for (ClassicGroup group : groups.values()) {
            if (group.is(GroupState.DEAD)) {
                continue;
            }
            if (!states.isEmpty() && states.stream().noneMatch(s -> group.state.kafkaName().equalsIgnoreCase(s))) {
                continue;
            }
            listed.add(new ListGroupsResponseData.ListedGroup()
                    .setGroupId(group.groupId)
                    .setProtocolType(group.protocolType == null ? "" : group.protocolType)
                    .setGroupState(group.state.kafkaName())
                    .setGroupType("classic"));
        }
        return listed;
    }

    public DescribeGroupsResponseData.DescribedGroup describeGroup(String groupId, short version) {
        ClassicGroup group = groups.get(groupId);
        DescribeGroupsResponseData.DescribedGroup described = new DescribeGroupsResponseData.DescribedGroup()
                .setGroupId(groupId);
        if (group == null || group.is(GroupState.DEAD)) {
            if (version >= 6) {
                return described.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code())
                        .setErrorMessage(consumerGroups.group(groupId) != null
                                ? "Group " + groupId + " is not a classic group." : "Group " + groupId + " not found.")
                        .setGroupState(GroupState.DEAD.kafkaName()).setProtocolType("").setProtocolData("");
            }
            return described.setGroupState(GroupState.DEAD.kafkaName()).setProtocolType("").setProtocolData("");
        }
        boolean stable = group.is(GroupState.STABLE);
        described.setGroupState(group.state.kafkaName())
                .setProtocolType(group.protocolType == null ? "" : group.protocolType)
                .setProtocolData(stable && group.protocolName != null ? group.protocolName : "");
        for (GroupMember m : group.members.values()) {
            described.members().add(new DescribeGroupsResponseData.DescribedGroupMember()
                    .setMemberId(m.memberId)
                    .setGroupInstanceId(m.groupInstanceId)
                    .setClientId(m.clientId == null ? "" : m.clientId)
                    .setClientHost(m.clientHost == null ? "" : m.clientHost)
                    .setMemberMetadata(stable ? m.metadata(group.protocolName) : new byte[0])
                    .setMemberAssignment(stable ? m.assignment : new byte[0]));
        }
        return described;
    }

    // ---- helpers --------------------------------------------------------------------------------------

    /** Checks member, static membership and generation, in Kafka's order. */
    Errors validateMember(ClassicGroup group, GroupMember member, String memberId, String instanceId,
                          int generation) {
        if (group == null || group.is(GroupState.DEAD)) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        if (member == null) {
            return instanceId != null && group.staticMembers.containsKey(instanceId)
                    ? Errors.FENCED_INSTANCE_ID : Errors.UNKNOWN_MEMBER_ID;
        }
        if (isFenced(group, memberId, instanceId)) {
            return Errors.FENCED_INSTANCE_ID;
        }
        if (generation != group.generation) {
            return Errors.ILLEGAL_GENERATION;
        }
        return Errors.NONE;
    }

    private static boolean isFenced(ClassicGroup group, String memberId, String instanceId) {
        if (instanceId == null) {
            return false;
        }
        String current = group.staticMembers.get(instanceId);
        return current != null && !current.equals(memberId);
    }

    private void removeIfUnused(ClassicGroup group) {
        if (group.is(GroupState.EMPTY) && group.generation == 0 && group.members.isEmpty()
                && !offsets.hasOffsets(group.groupId)) {
            groups.remove(group.groupId);
        }
    }

    static String joinKey(String groupId) {
        return "join:" + groupId;
    }

    static String heartbeatKey(String groupId, String memberId) {
        return "heartbeat:" + groupId + ":" + memberId;
    }

    static String pendingKey(String groupId, String memberId) {
        return "pending:" + groupId + ":" + memberId;
    }
}
