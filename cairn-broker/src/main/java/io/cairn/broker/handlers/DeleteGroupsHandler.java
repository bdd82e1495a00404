package io.cairn.broker.handlers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.cairn.broker.group.GroupCoordinatorRuntime;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DeleteGroupsRequest;

/**
 * DeleteGroups: deletes empty groups and their offsets (tombstones in {@code __consumer_offsets}), one
 * write per coordinator shard.
 *
 * <p>Thread-safe (stateless).
 */
public final class DeleteGroupsHandler implements ApiHandler<DeleteGroupsRequest> {

    private final GroupCoordinatorRuntime groups;

    public DeleteGroupsHandler(GroupCoordinatorRuntime groups) {
        this.groups = groups;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DELETE_GROUPS;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, DeleteGroupsRequest request) {
        Map<Integer, List<String>> byPartition = new LinkedHashMap<>();
        for (String groupId : request.data().groupsNames()) {
            byPartition.computeIfAbsent(groups.partitionFor(groupId), p -> new ArrayList<>()).add(groupId);
        }
        List<CompletableFuture<List<DeletableGroupResult>>> futures = new ArrayList<>();
        byPartition.forEach((partition, ids) -> futures.add(
                groups.write(partition, shard -> shard.offsets().deleteGroups(ids))
                        .exceptionally(error -> ids.stream().map(id -> new DeletableGroupResult().setGroupId(id)
                                .setErrorCode(Errors.forException(error.getCause() != null ? error.getCause() : error)
                                        .code())).toList())));
        return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).thenApply(v -> {
            DeleteGroupsResponseData response = new DeleteGroupsResponseData();
            futures.forEach(f -> f.join().forEach(r -> response.results().add(r.duplicate())));
            return response;
        });
    }
}
