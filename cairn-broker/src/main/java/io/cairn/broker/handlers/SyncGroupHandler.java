package io.cairn.broker.handlers;

import java.util.concurrent.CompletableFuture;

import io.cairn.broker.group.GroupCoordinatorRuntime;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.SyncGroupRequest;

/**
 * SyncGroup: the leader hands in the assignment, which is stored; every member's request parks until then
 * and gets its own assignment.
 *
 * <p>Thread-safe (stateless).
 */
public final class SyncGroupHandler implements ApiHandler<SyncGroupRequest> {

    private final GroupCoordinatorRuntime groups;

    public SyncGroupHandler(GroupCoordinatorRuntime groups) {
        this.groups = groups;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.SYNC_GROUP;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, SyncGroupRequest request) {
        return groups.write(groups.partitionFor(request.data().groupId()), shard -> shard.syncGroup(request.data()))
                .thenCompose(parked -> parked)
                .thenApply(SyncGroupHandler::nonNull);
    }

    private static ApiMessage nonNull(SyncGroupResponseData response) {
        return response;
    }
}
