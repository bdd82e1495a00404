package io.cairn.broker.handlers;

import java.util.concurrent.CompletableFuture;

import io.cairn.broker.group.GroupCoordinatorRuntime;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ListGroupsRequest;

/**
 * ListGroups: the groups coordinated by this node (clients ask every broker), filtered by state (v4+) and
 * type (v5+; only "classic" groups exist). COORDINATOR_LOAD_IN_PROGRESS while a shard is loading, so the
 * list is never silently short.
 *
 * <p>Thread-safe (stateless).
 */
public final class ListGroupsHandler implements ApiHandler<ListGroupsRequest> {

    private final GroupCoordinatorRuntime groups;

    public ListGroupsHandler(GroupCoordinatorRuntime groups) {
        this.groups = groups;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.LIST_GROUPS;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, ListGroupsRequest request) {
        ListGroupsRequestData data = request.data();
        return groups.anyLoading().thenCombine(
                groups.readAll(shard -> shard.listGroups(data.statesFilter(), data.typesFilter())),
                (loading, lists) -> {
                    ListGroupsResponseData response = new ListGroupsResponseData();
                    if (loading) {
                        return response.setErrorCode(Errors.COORDINATOR_LOAD_IN_PROGRESS.code());
                    }
                    lists.forEach(response.groups()::addAll);
                    return response;
                });
    }
}
