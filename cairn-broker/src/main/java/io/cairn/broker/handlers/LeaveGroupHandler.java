package io.cairn.broker.handlers;

import java.util.concurrent.CompletableFuture;

import io.cairn.broker.group.GroupCoordinatorRuntime;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.LeaveGroupRequest;

/**
 * LeaveGroup: removes members (several at once from v3, static members by group.instance.id) and starts a
 * rebalance for the others.
 *
 * <p>Thread-safe (stateless).
 */
public final class LeaveGroupHandler implements ApiHandler<LeaveGroupRequest> {

    private final GroupCoordinatorRuntime groups;

    public LeaveGroupHandler(GroupCoordinatorRuntime groups) {
        this.groups = groups;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.LEAVE_GROUP;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, LeaveGroupRequest request) {
        short version = context.apiVersion();
        return groups.write(groups.partitionFor(request.data().groupId()),
                shard -> shard.leaveGroup(version, request.data())).thenApply(response -> response);
    }
}
