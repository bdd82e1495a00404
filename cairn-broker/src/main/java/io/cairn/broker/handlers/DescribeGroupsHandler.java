package io.cairn.broker.handlers;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.cairn.broker.group.GroupCoordinatorRuntime;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeGroupsRequest;
import org.apache.kafka.common.resource.ResourceType;

/**
 * DescribeGroups: state, protocol and members (with subscriptions and assignments once Stable) of each
 * group, each from its own coordinator shard.
 *
 * <p>Thread-safe (stateless).
 */
public final class DescribeGroupsHandler implements ApiHandler<DescribeGroupsRequest> {

    private final GroupCoordinatorRuntime groups;

    public DescribeGroupsHandler(GroupCoordinatorRuntime groups) {
        this.groups = groups;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DESCRIBE_GROUPS;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, DescribeGroupsRequest request) {
        short version = context.apiVersion();
        List<CompletableFuture<DescribedGroup>> futures = new ArrayList<>();
        for (String groupId : request.data().groups()) {
            futures.add(groups.read(groups.partitionFor(groupId), shard -> shard.describeGroup(groupId, version))
                    .exceptionally(error -> new DescribedGroup().setGroupId(groupId).setGroupState("")
                            .setProtocolType("").setProtocolData("")
                            .setErrorCode(Errors.forException(error.getCause() != null ? error.getCause() : error)
                                    .code())));
        }
        boolean withOperations = version >= 3 && request.data().includeAuthorizedOperations();
        return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).thenApply(v -> {
            DescribeGroupsResponseData response = new DescribeGroupsResponseData();
            for (CompletableFuture<DescribedGroup> future : futures) {
                DescribedGroup group = future.join();
                if (withOperations && group.errorCode() == Errors.NONE.code()) {
                    group.setAuthorizedOperations(AuthorizedOperations.all(ResourceType.GROUP));
                }
                response.groups().add(group);
            }
            return response;
        });
    }
}
