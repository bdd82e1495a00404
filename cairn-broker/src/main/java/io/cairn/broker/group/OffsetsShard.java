package io.cairn.broker.group;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import io.cairn.broker.coordinator.CoordinatorWrite.TransactionalProducer;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResult;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * The committed offsets of the groups of one shard, and the operations that write them: OffsetCommit,
 * TxnOffsetCommit, OffsetDelete, DeleteGroups. Reads (OffsetFetch) see offsets replayed from written records.
 *
 * <p>Offsets written in a producer's transaction are kept in {@link PendingOffsets} until the transaction's
 * marker: a commit makes each the committed offset of its partition unless a plain commit of that partition came
 * later in the log (Kafka's rule: the record written last wins, whatever the marker's position), an abort drops
 * them. Pending offsets do not conflict with plain commits; OffsetFetch with requireStable answers
 * UNSTABLE_OFFSET_COMMIT for a partition that has one.
 *
 * <p>Not thread-safe; confined to the runtime's event loop with its {@link GroupCoordinatorShard}.
 */
public final class OffsetsShard {

    private final GroupCoordinatorShard shard;
    private final GroupConfig config;
    /** Group -> partition -> committed offset. */
    private final Map<String, Map<TopicPartition, StoredOffset>> offsets = new HashMap<>();
    private final PendingOffsets pending = new PendingOffsets();
    /**
     * How many offset records have been replayed: replay follows log order (while loading and when writing), so
     * this orders records as their log offsets do, which decides between a transactional and a plain commit.
     */
    private long replayed;

    /** An offset and its position among the offset records replayed into the shard. */
    record StoredOffset(CoordinatorRecord.OffsetValue value, long position) {
    }

    OffsetsShard(GroupCoordinatorShard shard, GroupConfig config) {
        this.shard = shard;
        this.config = config;
    }

    void replay(CoordinatorRecord.Offset record) {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        if (record.offset() == null) {
            delete(record.groupId(), tp);
        } else {
            offsets.computeIfAbsent(record.groupId(), g -> new HashMap<>())
                    .put(tp, new StoredOffset(record.offset(), replayed++));
        }
    }

    /**
     * An offset record written in the transaction of {@code producerId}: pending until the transaction ends. A
     * tombstone (Kafka writes none in transactions) deletes at once, as a plain one does.
     */
    void replayTransactional(CoordinatorRecord.Offset record, long producerId) {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        if (record.offset() == null) {
            delete(record.groupId(), tp);
        } else {
            pending.put(producerId, record.groupId(), tp, new StoredOffset(record.offset(), replayed++));
        }
    }

    /**
     * The transaction of {@code producerId} ended: on commit its pending offsets become committed (each unless a
     * plain commit of its partition was written after it), on abort they are dropped.
     *
     * @return the groups that got committed offsets
     */
    Set<String> replayEndTransaction(long producerId, boolean commit) {
        Map<String, Map<TopicPartition, StoredOffset>> ended = pending.end(producerId);
        if (!commit) {
            return Set.of();
        }
        Set<String> groups = new HashSet<>();
        ended.forEach((groupId, partitions) -> partitions.forEach((tp, offset) -> {
            Map<TopicPartition, StoredOffset> committed = offsets.computeIfAbsent(groupId, g -> new HashMap<>());
            StoredOffset existing = committed.get(tp);
            if (existing == null || offset.position() > existing.position()) {
                committed.put(tp, offset);
                groups.add(groupId);
            }
        }));
        offsets.values().removeIf(Map::isEmpty);
        return groups;
    }

    /** A tombstone: the committed offset and every pending offset of the partition go. */
    private void delete(String groupId, TopicPartition tp) {
        Map<TopicPartition, StoredOffset> group = offsets.get(groupId);
        if (group != null) {
            group.remove(tp);
            if (group.isEmpty()) {
                offsets.remove(groupId);
            }
        }
        pending.remove(groupId, tp);
    }

    /** Whether the group has committed offsets or an open transaction with offsets of it. */
    boolean hasOffsets(String groupId) {
        return offsets.containsKey(groupId) || pending.hasOpenTransactions(groupId);
    }

    /** Whether an open transaction holds an offset of the partition. */
    boolean hasPendingOffset(String groupId, TopicPartition tp) {
        return pending.has(groupId, tp);
    }

    /** The offset {@code producerId}'s open transaction wrote for the partition, or null. */
    CoordinatorRecord.OffsetValue pendingOffset(long producerId, String groupId, TopicPartition tp) {
        return pending.get(producerId, groupId, tp);
    }

    public int offsetCount() {
        return offsets.values().stream().mapToInt(Map::size).sum();
    }

    /** A copy of the committed offsets (transactional ones once their transaction committed): group -> partition. */
    public Map<String, Map<TopicPartition, Long>> committedOffsets() {
        Map<String, Map<TopicPartition, Long>> copy = new HashMap<>();
        offsets.forEach((group, byPartition) -> {
            Map<TopicPartition, Long> committed = new HashMap<>();
            byPartition.forEach((tp, stored) -> committed.put(tp, stored.value().offset()));
            copy.put(group, committed);
        });
        return copy;
    }

    /** Producers with an open transaction holding offsets here. */
    public int openTransactionCount() {
        return pending.producerCount();
    }

    // ---- OffsetCommit ---------------------------------------------------------------------------------

    public CoordinatorResult<OffsetCommitResponseData> commit(OffsetCommitRequestData request, short version) {
        Errors error = validateCommit(request, version);
        OffsetCommitResponseData response = new OffsetCommitResponseData();
        List<CoordinatorRecord> records = new ArrayList<>();
        long now = shard.now();
        for (OffsetCommitRequestData.OffsetCommitRequestTopic topic : request.topics()) {
            OffsetCommitResponseData.OffsetCommitResponseTopic topicResponse =
                    new OffsetCommitResponseData.OffsetCommitResponseTopic().setName(topic.name());
            for (OffsetCommitRequestData.OffsetCommitRequestPartition partition : topic.partitions()) {
                Errors partitionError = addOffset(records, error, request.groupId(), topic.name(),
                        partition.partitionIndex(), partition.committedOffset(), partition.committedLeaderEpoch(),
                        partition.committedMetadata(), now);
                topicResponse.partitions().add(new OffsetCommitResponseData.OffsetCommitResponsePartition()
                        .setPartitionIndex(partition.partitionIndex())
                        .setErrorCode(partitionError.code()));
            }
            response.topics().add(topicResponse);
        }
        return CoordinatorResult.of(records, response);
    }

    /**
     * One partition of an OffsetCommit or TxnOffsetCommit: its error (the request's, or OFFSET_METADATA_TOO_LARGE),
     * and, when there is none, the offset's record added to {@code records}.
     */
    private Errors addOffset(List<CoordinatorRecord> records, Errors requestError, String groupId, String topic,
                             int partition, long offset, int leaderEpoch, String metadata, long now) {
        if (requestError != Errors.NONE) {
            return requestError;
        }
        if (metadata != null && metadata.length() > config.maxMetadataSize()) {
            return Errors.OFFSET_METADATA_TOO_LARGE;
        }
        records.add(new CoordinatorRecord.Offset(groupId, topic, partition, new CoordinatorRecord.OffsetValue(offset,
                leaderEpoch, metadata == null ? "" : metadata, now)));
        return Errors.NONE;
    }

    private Errors validateCommit(OffsetCommitRequestData request, short version) {
        if (request.groupId() == null || request.groupId().isEmpty()) {
            return Errors.INVALID_GROUP_ID;
        }
        if (shard.consumerGroups.group(request.groupId()) != null) {
            return shard.consumerGroups.validateCommit(request.groupId(), request.memberId(),
                    request.groupInstanceId(), request.generationIdOrMemberEpoch(), version, false);
        }
        // Kafka's order of checks (its OffsetMetadataManager and ClassicGroup.validateOffsetCommit).
        ClassicGroup group = shard.group(request.groupId());
        int generation = request.generationIdOrMemberEpoch();
        String memberId = request.memberId() == null ? "" : request.memberId();
        if (group == null) {
            // A commit without a generation (assign() consumers, admin tools, a KIP-848 client's assign() naming its
            // own member id) creates a simple group by replaying its offsets.
            if (generation < 0) {
                return Errors.NONE;
            }
            return version >= 9 ? Errors.GROUP_ID_NOT_FOUND : Errors.ILLEGAL_GENERATION;
        }
        if (group.is(GroupState.DEAD)) {
            return Errors.COORDINATOR_NOT_AVAILABLE;
        }
        if (generation < 0 && group.is(GroupState.EMPTY)) {
            return Errors.NONE;
        }
        if (generation < 0 && memberId.isEmpty() && request.groupInstanceId() == null) {
            // No member and no generation: only while the group is empty.
            return Errors.UNKNOWN_MEMBER_ID;
        }
        GroupMember member = group.members.get(memberId);
        Errors error = shard.validateMember(group, member, memberId, request.groupInstanceId(), generation);
        if (error != Errors.NONE) {
            return error;
        }
        if (group.is(GroupState.COMPLETING_REBALANCE)) {
            return Errors.REBALANCE_IN_PROGRESS;
        }
        // Stable, or PreparingRebalance with the current generation (a member commits before rejoining).
        shard.heartbeatFromCommit(group, member);
        return Errors.NONE;
    }

    // ---- TxnOffsetCommit -------------------------------------------------------------------------------

    /**
     * TxnOffsetCommit: the offsets become pending offsets of the request's producer, written as records of its
     * transaction (see {@link CoordinatorResult#transactionalProducer}); they are committed or dropped by the
     * transaction's marker. Validated as Kafka does (KIP-447): a request that names a generation or a member must
     * match the group's; the group's state is not enforced (no REBALANCE_IN_PROGRESS).
     */
    public CoordinatorResult<TxnOffsetCommitResponseData> commitTransactionalOffsets(
            TxnOffsetCommitRequestData request) {
        Errors error = validateTransactionalCommit(request);
        TxnOffsetCommitResponseData response = new TxnOffsetCommitResponseData();
        List<CoordinatorRecord> records = new ArrayList<>();
        long now = shard.now();
        for (TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic topic : request.topics()) {
            TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic topicResponse =
                    new TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic().setName(topic.name());
            for (TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition partition : topic.partitions()) {
                Errors partitionError = addOffset(records, error, request.groupId(), topic.name(),
                        partition.partitionIndex(), partition.committedOffset(), partition.committedLeaderEpoch(),
                        partition.committedMetadata(), now);
                topicResponse.partitions().add(new TxnOffsetCommitResponseData.TxnOffsetCommitResponsePartition()
                        .setPartitionIndex(partition.partitionIndex())
                        .setErrorCode(partitionError.code()));
            }
            response.topics().add(topicResponse);
        }
        return CoordinatorResult.transactional(records, response,
                new TransactionalProducer(request.producerId(), request.producerEpoch()));
    }

    /** Kafka's order of checks for a transactional commit (its ClassicGroup.validateOffsetCommit). */
    private Errors validateTransactionalCommit(TxnOffsetCommitRequestData request) {
        if (request.groupId() == null || request.groupId().isEmpty()) {
            return Errors.INVALID_GROUP_ID;
        }
        if (shard.consumerGroups.group(request.groupId()) != null) {
            return shard.consumerGroups.validateCommit(request.groupId(), request.memberId(),
                    request.groupInstanceId(), request.generationId(), (short) -1, true);
        }
        ClassicGroup group = shard.group(request.groupId());
        if (group == null) {
            // Without a generation the commit comes from a producer whose consumer does not use group management:
            // the group is created by replaying the offsets. With one, the group it names is gone.
            return request.generationId() < 0 ? Errors.NONE : Errors.ILLEGAL_GENERATION;
        }
        if (group.is(GroupState.DEAD)) {
            return Errors.COORDINATOR_NOT_AVAILABLE;
        }
        String memberId = request.memberId() == null ? "" : request.memberId();
        if (request.generationId() < 0 && group.is(GroupState.EMPTY)) {
            return Errors.NONE;
        }
        if (request.generationId() < 0 && memberId.isEmpty() && request.groupInstanceId() == null) {
            // Versions 0..2 carry no member: transactional commits are accepted whatever the group's state.
            return Errors.NONE;
        }
        if (request.groupInstanceId() != null) {
            String current = group.staticMembers.get(request.groupInstanceId());
            if (current == null) {
                return Errors.UNKNOWN_MEMBER_ID;
            }
            if (!current.equals(memberId)) {
                return Errors.FENCED_INSTANCE_ID;
            }
        }
        if (!group.members.containsKey(memberId)) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        return request.generationId() == group.generation ? Errors.NONE : Errors.ILLEGAL_GENERATION;
    }

    // ---- OffsetFetch ----------------------------------------------------------------------------------

    /**
     * The committed offsets of one group; {@code topics} null means all of them. Unknown partitions get
     * offset -1.
     */
    public OffsetFetchResponseData.OffsetFetchResponseGroup fetch(
            String groupId, List<OffsetFetchRequestTopic> topics) {
        return fetch(groupId, topics, false);
    }

    /**
     * The committed offsets of one group; {@code topics} null means all of them (those with a committed offset,
     * as in Kafka). With {@code requireStable} (KIP-447) a partition with a pending transactional offset gets
     * UNSTABLE_OFFSET_COMMIT and offset -1 instead, so that the consumer retries after the transaction ends.
     */
    public OffsetFetchResponseData.OffsetFetchResponseGroup fetch(
            String groupId, List<OffsetFetchRequestTopic> topics, boolean requireStable) {
        return fetch(groupId, topics, requireStable, null, -1);
    }

    /**
     * OffsetFetch from version 9 on, which may name the member asking: in a consumer group it must be a member at its
     * current epoch (UNKNOWN_MEMBER_ID, STALE_MEMBER_EPOCH), as Kafka checks.
     */
    public OffsetFetchResponseData.OffsetFetchResponseGroup fetch(
            String groupId, List<OffsetFetchRequestTopic> topics, boolean requireStable, String memberId,
            int memberEpoch) {
        Errors memberError = shard.consumerGroups.validateFetch(groupId, memberId, memberEpoch);
        if (memberError != Errors.NONE) {
            return new OffsetFetchResponseData.OffsetFetchResponseGroup().setGroupId(groupId)
                    .setErrorCode(memberError.code());
        }
        Map<TopicPartition, StoredOffset> committed = offsets.getOrDefault(groupId, Map.of());
        Map<String, List<Integer>> wanted = new LinkedHashMap<>();
        if (topics == null) {
            new TreeMap<>(groupByTopic(committed.keySet())).forEach(wanted::put);
        } else {
            topics.forEach(t -> wanted.put(t.name(), t.partitions()));
        }
        OffsetFetchResponseData.OffsetFetchResponseGroup group =
                new OffsetFetchResponseData.OffsetFetchResponseGroup().setGroupId(groupId);
        wanted.forEach((topic, partitions) -> {
            OffsetFetchResponseData.OffsetFetchResponseTopics topicResponse =
                    new OffsetFetchResponseData.OffsetFetchResponseTopics().setName(topic);
            for (int partition : partitions) {
                TopicPartition tp = new TopicPartition(topic, partition);
                if (requireStable && pending.has(groupId, tp)) {
                    topicResponse.partitions().add(new OffsetFetchResponseData.OffsetFetchResponsePartitions()
                            .setPartitionIndex(partition)
                            .setErrorCode(Errors.UNSTABLE_OFFSET_COMMIT.code())
                            .setCommittedOffset(-1)
                            .setCommittedLeaderEpoch(-1)
                            .setMetadata(""));
                    continue;
                }
                StoredOffset stored = committed.get(tp);
                CoordinatorRecord.OffsetValue value = stored == null ? null : stored.value();
                topicResponse.partitions().add(new OffsetFetchResponseData.OffsetFetchResponsePartitions()
                        .setPartitionIndex(partition)
                        .setCommittedOffset(value == null ? -1 : value.offset())
                        .setCommittedLeaderEpoch(value == null ? -1 : value.leaderEpoch())
                        .setMetadata(value == null ? "" : value.metadata()));
            }
            group.topics().add(topicResponse);
        });
        return group;
    }

    /** A topic and partitions asked for in OffsetFetch. */
    public record OffsetFetchRequestTopic(String name, List<Integer> partitions) {
    }

    private static Map<String, List<Integer>> groupByTopic(Set<TopicPartition> partitions) {
        Map<String, List<Integer>> byTopic = new HashMap<>();
        for (TopicPartition tp : partitions) {
            byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition());
        }
        byTopic.values().forEach(list -> list.sort(Integer::compare));
        return byTopic;
    }

    // ---- OffsetDelete, DeleteGroups -------------------------------------------------------------------

    public CoordinatorResult<OffsetDeleteResponseData> deleteOffsets(OffsetDeleteRequestData request) {
        String groupId = request.groupId();
        ClassicGroup group = shard.group(groupId);
        boolean consumerGroup = shard.consumerGroups.group(groupId) != null;
        OffsetDeleteResponseData response = new OffsetDeleteResponseData();
        if (!consumerGroup && (group == null || group.is(GroupState.DEAD))) {
            return CoordinatorResult.of(response.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code()));
        }
        java.util.function.Predicate<String> subscribed = consumerGroup
                ? topic -> shard.consumerGroups.isSubscribedTo(groupId, topic) : subscribedTopics(group)::contains;
        Map<TopicPartition, StoredOffset> committed = offsets.getOrDefault(groupId, Map.of());
        List<CoordinatorRecord> records = new ArrayList<>();
        for (OffsetDeleteRequestData.OffsetDeleteRequestTopic topic : request.topics()) {
            OffsetDeleteResponseData.OffsetDeleteResponseTopic topicResponse =
                    new OffsetDeleteResponseData.OffsetDeleteResponseTopic().setName(topic.name());
            for (OffsetDeleteRequestData.OffsetDeleteRequestPartition partition : topic.partitions()) {
                Errors error = subscribed.test(topic.name()) ? Errors.GROUP_SUBSCRIBED_TO_TOPIC : Errors.NONE;
                TopicPartition tp = new TopicPartition(topic.name(), partition.partitionIndex());
                // As Kafka: a pending transactional offset is deleted too.
                if (error == Errors.NONE && (committed.containsKey(tp) || pending.has(groupId, tp))) {
                    records.add(new CoordinatorRecord.Offset(groupId, tp.topic(), tp.partition(), null));
                }
                topicResponse.partitions().add(new OffsetDeleteResponseData.OffsetDeleteResponsePartition()
                        .setPartitionIndex(partition.partitionIndex())
                        .setErrorCode(error.code()));
            }
            response.topics().add(topicResponse);
        }
        return CoordinatorResult.of(records, response);
    }

    /** The topics the members of a consumer group subscribe to (only "consumer" groups declare them). */
    private static Set<String> subscribedTopics(ClassicGroup group) {
        Set<String> topics = new HashSet<>();
        if (group.is(GroupState.EMPTY) || !"consumer".equals(group.protocolType) || group.protocolName == null) {
            return topics;
        }
        for (GroupMember member : group.members.values()) {
            try {
                ConsumerPartitionAssignor.Subscription subscription = ConsumerProtocol.deserializeSubscription(
                        java.nio.ByteBuffer.wrap(member.metadata(group.protocolName)));
                topics.addAll(subscription.topics());
            } catch (RuntimeException e) {
                // An unparseable subscription protects nothing.
            }
        }
        return topics;
    }

    public CoordinatorResult<List<DeletableGroupResult>> deleteGroups(List<String> groupIds) {
        List<DeletableGroupResult> results = new ArrayList<>();
        List<CoordinatorRecord> records = new ArrayList<>();
        for (String groupId : groupIds) {
            ClassicGroup group = shard.group(groupId);
            Errors error;
            if (shard.consumerGroups.group(groupId) != null) {
                List<CoordinatorRecord> groupRecords = new ArrayList<>();
                error = shard.consumerGroups.delete(groupId, groupRecords);
                if (error == Errors.NONE) {
                    deleteOffsetsOf(groupId, records);
                    records.addAll(groupRecords);
                }
            } else if (group == null || group.is(GroupState.DEAD)) {
                error = Errors.GROUP_ID_NOT_FOUND;
            } else if (!group.is(GroupState.EMPTY)) {
                error = Errors.NON_EMPTY_GROUP;
            } else {
                error = Errors.NONE;
                deleteOffsetsOf(groupId, records);
                records.add(new CoordinatorRecord.Group(groupId, null));
                group.transitionTo(GroupState.DEAD, shard.now());
            }
            results.add(new DeletableGroupResult().setGroupId(groupId).setErrorCode(error.code()));
        }
        return CoordinatorResult.of(records, results);
    }

    /**
     * As Kafka: tombstones for the committed offsets of a deleted group and for the partitions that only have pending
     * transactional offsets, so that a later commit marker brings none of them back.
     */
    private void deleteOffsetsOf(String groupId, List<CoordinatorRecord> records) {
        Set<TopicPartition> deleted = new LinkedHashSet<>(offsets.getOrDefault(groupId, Map.of()).keySet());
        deleted.addAll(pending.partitions(groupId));
        for (TopicPartition tp : deleted) {
            records.add(new CoordinatorRecord.Offset(groupId, tp.topic(), tp.partition(), null));
        }
    }
}
