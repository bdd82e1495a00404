package io.cairn.broker.group;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResult;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * The committed offsets of the groups of one shard, and the operations that write them: OffsetCommit,
 * OffsetDelete, DeleteGroups. Reads (OffsetFetch) see offsets replayed from written records.
 *
 * <p>Not thread-safe; confined to the runtime's event loop with its {@link GroupCoordinatorShard}.
 */
public final class OffsetsShard {

    private final GroupCoordinatorShard shard;
    private final GroupConfig config;
    /** Group -> partition -> committed offset. */
    private final Map<String, Map<TopicPartition, CoordinatorRecord.OffsetValue>> offsets = new HashMap<>();

    OffsetsShard(GroupCoordinatorShard shard, GroupConfig config) {
        this.shard = shard;
        this.config = config;
    }

    void replay(CoordinatorRecord.Offset record) {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        if (record.offset() == null) {
            Map<TopicPartition, CoordinatorRecord.OffsetValue> group = offsets.get(record.groupId());
            if (group != null) {
                group.remove(tp);
                if (group.isEmpty()) {
                    offsets.remove(record.groupId());
                }
            }
        } else {
            offsets.computeIfAbsent(record.groupId(), g -> new HashMap<>()).put(tp, record.offset());
        }
    }

    boolean hasOffsets(String groupId) {
        return offsets.containsKey(groupId);
    }

    public int offsetCount() {
        return offsets.values().stream().mapToInt(Map::size).sum();
    }

    // ---- OffsetCommit ---------------------------------------------------------------------------------

    public CoordinatorResult<OffsetCommitResponseData> commit(OffsetCommitRequestData request) {
        Errors error = validateCommit(request);
        OffsetCommitResponseData response = new OffsetCommitResponseData();
        List<CoordinatorRecord> records = new ArrayList<>();
        long now = shard.now();
        for (OffsetCommitRequestData.OffsetCommitRequestTopic topic : request.topics()) {
            OffsetCommitResponseData.OffsetCommitResponseTopic topicResponse =
                    new OffsetCommitResponseData.OffsetCommitResponseTopic().setName(topic.name());
            for (OffsetCommitRequestData.OffsetCommitRequestPartition partition : topic.partitions()) {
                Errors partitionError = error;
                if (partitionError == Errors.NONE && partition.committedMetadata() != null
                        && partition.committedMetadata().length() > config.maxMetadataSize()) {
                    partitionError = Errors.OFFSET_METADATA_TOO_LARGE;
                }
                if (partitionError == Errors.NONE) {
                    records.add(new CoordinatorRecord.Offset(request.groupId(), topic.name(),
                            partition.partitionIndex(), new CoordinatorRecord.OffsetValue(partition.committedOffset(),
                            partition.committedLeaderEpoch(), partition.committedMetadata() == null ? ""
                            : partition.committedMetadata(), now)));
                }
                topicResponse.partitions().add(new OffsetCommitResponseData.OffsetCommitResponsePartition()
                        .setPartitionIndex(partition.partitionIndex())
                        .setErrorCode(partitionError.code()));
            }
            response.topics().add(topicResponse);
        }
        return CoordinatorResult.of(records, response);
    }

    private Errors validateCommit(OffsetCommitRequestData request) {
        if (request.groupId() == null || request.groupId().isEmpty()) {
            return Errors.INVALID_GROUP_ID;
        }
        ClassicGroup group = shard.group(request.groupId());
        boolean simple = request.generationIdOrMemberEpoch() < 0
                && (request.memberId() == null || request.memberId().isEmpty());
        if (group == null || group.is(GroupState.DEAD)) {
            if (simple) {
                // A commit from outside any generation (assign() consumers, admin tools): the group is created
                // by replaying the offsets.
                return Errors.NONE;
            }
            return Errors.ILLEGAL_GENERATION;
        }
        if (simple) {
            return group.is(GroupState.EMPTY) ? Errors.NONE : Errors.UNKNOWN_MEMBER_ID;
        }
        GroupMember member = group.members.get(request.memberId());
        Errors error = shard.validateMember(group, member, request.memberId(), request.groupInstanceId(),
                request.generationIdOrMemberEpoch());
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

    // ---- OffsetFetch ----------------------------------------------------------------------------------

    /**
     * The committed offsets of one group; {@code topics} null means all of them. Unknown partitions get
     * offset -1.
     */
    public OffsetFetchResponseData.OffsetFetchResponseGroup fetch(
            String groupId, List<OffsetFetchRequestTopic> topics) {
        Map<TopicPartition, CoordinatorRecord.OffsetValue> committed = offsets.getOrDefault(groupId, Map.of());
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
                CoordinatorRecord.OffsetValue value = committed.get(new TopicPartition(topic, partition));
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
        ClassicGroup group = shard.group(request.groupId());
        OffsetDeleteResponseData response = new OffsetDeleteResponseData();
        if (group == null || group.is(GroupState.DEAD)) {
            return CoordinatorResult.of(response.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code()));
        }
        Set<String> subscribed = subscribedTopics(group);
        Map<TopicPartition, CoordinatorRecord.OffsetValue> committed = offsets.getOrDefault(group.groupId, Map.of());
        List<CoordinatorRecord> records = new ArrayList<>();
        for (OffsetDeleteRequestData.OffsetDeleteRequestTopic topic : request.topics()) {
            OffsetDeleteResponseData.OffsetDeleteResponseTopic topicResponse =
                    new OffsetDeleteResponseData.OffsetDeleteResponseTopic().setName(topic.name());
            for (OffsetDeleteRequestData.OffsetDeleteRequestPartition partition : topic.partitions()) {
                Errors error = subscribed.contains(topic.name()) ? Errors.GROUP_SUBSCRIBED_TO_TOPIC : Errors.NONE;
                TopicPartition tp = new TopicPartition(topic.name(), partition.partitionIndex());
                if (error == Errors.NONE && committed.containsKey(tp)) {
                    records.add(new CoordinatorRecord.Offset(group.groupId, tp.topic(), tp.partition(), null));
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
            if (group == null || group.is(GroupState.DEAD)) {
                error = Errors.GROUP_ID_NOT_FOUND;
            } else if (!group.is(GroupState.EMPTY)) {
                error = Errors.NON_EMPTY_GROUP;
            } else {
                error = Errors.NONE;
                for (TopicPartition tp : offsets.getOrDefault(groupId, Map.of()).keySet()) {
                    records.add(new CoordinatorRecord.Offset(groupId, tp.topic(), tp.partition(), null));
                }
                records.add(new CoordinatorRecord.Group(groupId, null));
                group.transitionTo(GroupState.DEAD, shard.now());
            }
            results.add(new DeletableGroupResult().setGroupId(groupId).setErrorCode(error.code()));
        }
        return CoordinatorResult.of(records, results);
    }
}
