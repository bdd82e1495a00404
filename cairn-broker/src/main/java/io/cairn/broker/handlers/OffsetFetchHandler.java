package io.cairn.broker.handlers;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.cairn.broker.group.GroupCoordinatorRuntime;
import io.cairn.broker.group.OffsetsShard.OffsetFetchRequestTopic;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.OffsetFetchRequest;

/**
 * OffsetFetch: the committed offsets of one group (v1..v7) or of several groups at once (v8+), each served
 * by its own coordinator shard; a group whose shard is not here gets its own error. Topics are named
 * (v10's topic ids are not served). With requireStable (v7+, KIP-447) a partition with an offset pending in an
 * open transaction gets UNSTABLE_OFFSET_COMMIT, which the consumer retries.
 *
 * <p>Thread-safe (stateless).
 */
public final class OffsetFetchHandler implements ApiHandler<OffsetFetchRequest> {

    private final GroupCoordinatorRuntime groups;

    public OffsetFetchHandler(GroupCoordinatorRuntime groups) {
        this.groups = groups;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.OFFSET_FETCH;
    }

    @Override
    public short maxVersion() {
        return 9;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, OffsetFetchRequest request) {
        OffsetFetchRequestData data = request.data();
        short version = context.apiVersion();
        // The field exists from v7 on; older versions read it as false.
        boolean requireStable = version >= 7 && data.requireStable();
        if (version < 8) {
            List<OffsetFetchRequestTopic> topics = data.topics() == null ? null : data.topics().stream()
                    .map(t -> new OffsetFetchRequestTopic(t.name(), t.partitionIndexes())).toList();
            return fetch(data.groupId(), topics, requireStable).thenApply(group -> toV7(group, version));
        }
        List<CompletableFuture<OffsetFetchResponseGroup>> futures = new ArrayList<>();
        for (OffsetFetchRequestData.OffsetFetchRequestGroup group : data.groups()) {
            List<OffsetFetchRequestTopic> topics = group.topics() == null ? null : group.topics().stream()
                    .map(t -> new OffsetFetchRequestTopic(t.name(), t.partitionIndexes())).toList();
            futures.add(groups.read(groups.partitionFor(group.groupId()),
                            shard -> shard.offsets().fetch(group.groupId(), topics, requireStable, group.memberId(),
                                    group.memberEpoch()))
                    .exceptionally(error -> groupError(group.groupId(), error)));
        }
        return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).thenApply(v -> {
            OffsetFetchResponseData response = new OffsetFetchResponseData();
            futures.forEach(f -> response.groups().add(f.join()));
            return response;
        });
    }

    private CompletableFuture<OffsetFetchResponseGroup> fetch(String groupId, List<OffsetFetchRequestTopic> topics,
                                                              boolean requireStable) {
        return groups.read(groups.partitionFor(groupId),
                        shard -> shard.offsets().fetch(groupId, topics, requireStable))
                .exceptionally(error -> groupError(groupId, error));
    }

    private static OffsetFetchResponseGroup groupError(String groupId, Throwable error) {
        return new OffsetFetchResponseGroup().setGroupId(groupId)
                .setErrorCode(Errors.forException(error.getCause() != null ? error.getCause() : error).code());
    }

    private static ApiMessage toV7(OffsetFetchResponseGroup group, short version) {
        OffsetFetchResponseData response = new OffsetFetchResponseData().setErrorCode(group.errorCode());
        for (OffsetFetchResponseData.OffsetFetchResponseTopics topic : group.topics()) {
            OffsetFetchResponseData.OffsetFetchResponseTopic old =
                    new OffsetFetchResponseData.OffsetFetchResponseTopic().setName(topic.name());
            for (OffsetFetchResponseData.OffsetFetchResponsePartitions p : topic.partitions()) {
                old.partitions().add(new OffsetFetchResponseData.OffsetFetchResponsePartition()
                        .setPartitionIndex(p.partitionIndex())
                        .setCommittedOffset(p.committedOffset())
                        .setCommittedLeaderEpoch(p.committedLeaderEpoch())
                        .setMetadata(p.metadata())
                        .setErrorCode(p.errorCode()));
            }
            response.topics().add(old);
        }
        if (version < 2 && group.errorCode() != Errors.NONE.code()) {
            // v0/v1 have no top-level error: report it on every partition.
            response.topics().forEach(t -> t.partitions().forEach(p -> p.setErrorCode(group.errorCode())));
        }
        return response;
    }
}
