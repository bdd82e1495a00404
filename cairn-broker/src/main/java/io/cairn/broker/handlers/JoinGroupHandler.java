package io.cairn.broker.handlers;

import java.util.concurrent.CompletableFuture;

import io.cairn.broker.group.GroupCoordinatorRuntime;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.JoinGroupRequest;

/**
 * JoinGroup (classic protocol): parks until the group's rebalance completes, then answers with the
 * generation (and, to the leader, the members' subscriptions). Served by the group's coordinator shard.
 *
 * <p>Thread-safe (stateless).
 */
public final class JoinGroupHandler implements ApiHandler<JoinGroupRequest> {

    private final GroupCoordinatorRuntime groups;

    public JoinGroupHandler(GroupCoordinatorRuntime groups) {
        this.groups = groups;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.JOIN_GROUP;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, JoinGroupRequest request) {
        short version = context.apiVersion();
        String clientHost = context.clientAddress() == null ? "" : "/" + context.clientAddress().getAddress()
                .getHostAddress();
        return groups.write(groups.partitionFor(request.data().groupId()),
                        shard -> shard.joinGroup(context.clientId(), clientHost, version, request.data()))
                .thenCompose(parked -> parked)
                .thenApply(response -> fixForVersion(response, version));
    }

    private static ApiMessage fixForVersion(JoinGroupResponseData response, short version) {
        if (version < 7 && response.protocolName() == null) {
            response.setProtocolName("");
        }
        if (version < 9) {
            // SkipAssignment is not in older versions: the static leader rejoining gets the members and
            // assigns again, which SyncGroup in a Stable group answers with the current assignment.
            response.setSkipAssignment(false);
        }
        return response;
    }
}
