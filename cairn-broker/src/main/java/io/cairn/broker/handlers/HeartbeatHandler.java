package io.cairn.broker.handlers;

import java.util.concurrent.CompletableFuture;

import io.cairn.broker.group.GroupCoordinatorRuntime;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.HeartbeatRequest;

/**
 * Heartbeat: keeps a member's session alive and tells it when a rebalance has started.
 *
 * <p>Thread-safe (stateless).
 */
public final class HeartbeatHandler implements ApiHandler<HeartbeatRequest> {

    private final GroupCoordinatorRuntime groups;

    public HeartbeatHandler(GroupCoordinatorRuntime groups) {
        this.groups = groups;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.HEARTBEAT;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, HeartbeatRequest request) {
        return groups.write(groups.partitionFor(request.data().groupId()), shard -> shard.heartbeat(request.data()))
                .thenApply(response -> response);
    }
}
