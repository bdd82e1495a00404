package io.cairn.broker.handlers;

import java.util.concurrent.CompletableFuture;

import io.cairn.broker.group.GroupCoordinatorRuntime;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.OffsetDeleteRequest;

/**
 * OffsetDelete: deletes a group's offsets of topics its members do not subscribe to.
 *
 * <p>Thread-safe (stateless).
 */
public final class OffsetDeleteHandler implements ApiHandler<OffsetDeleteRequest> {

    private final GroupCoordinatorRuntime groups;

    public OffsetDeleteHandler(GroupCoordinatorRuntime groups) {
        this.groups = groups;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.OFFSET_DELETE;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, OffsetDeleteRequest request) {
        return groups.write(groups.partitionFor(request.data().groupId()),
                shard -> shard.offsets().deleteOffsets(request.data())).thenApply(response -> response);
    }
}
