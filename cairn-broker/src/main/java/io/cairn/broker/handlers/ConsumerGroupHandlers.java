package io.cairn.broker.handlers;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Predicate;

import io.cairn.broker.group.GroupCoordinatorRuntime;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData.DescribedGroup;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ConsumerGroupDescribeRequest;
import org.apache.kafka.common.requests.ConsumerGroupHeartbeatRequest;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The consumer group protocol's APIs (KIP-848): ConsumerGroupHeartbeat, served by the group's coordinator shard, and
 * ConsumerGroupDescribe, answered group by group from each group's shard. A group whose coordinator is elsewhere or
 * still loading gets NOT_COORDINATOR or COORDINATOR_LOAD_IN_PROGRESS, as Kafka answers.
 *
 * <p>Thread-safe (stateless).
 */
public final class ConsumerGroupHandlers {

    private ConsumerGroupHandlers() {
    }

    public static ApiHandler<ConsumerGroupHeartbeatRequest> heartbeat(GroupCoordinatorRuntime groups) {
        return heartbeat(groups, context -> topic -> true);
    }

    /**
     * @param describable the topics a request's caller may DESCRIBE, to which the group's regular expressions resolve
     *                    (the authorizer's view, given without the authorizer itself)
     */
    public static ApiHandler<ConsumerGroupHeartbeatRequest> heartbeat(
            GroupCoordinatorRuntime groups, Function<RequestContext, Predicate<String>> describable) {
        return new ApiHandler<>() {
            @Override
            public ApiKeys apiKey() {
                return ApiKeys.CONSUMER_GROUP_HEARTBEAT;
            }

            @Override
            public CompletableFuture<ApiMessage> handle(RequestContext context, ConsumerGroupHeartbeatRequest request) {
                String groupId = request.data().groupId();
                if (groupId == null || groupId.isEmpty()) {
                    return CompletableFuture.completedFuture(new ConsumerGroupHeartbeatResponseData()
                            .setErrorCode(Errors.INVALID_REQUEST.code())
                            .setErrorMessage("GroupId can't be empty."));
                }
                String clientHost = context.clientAddress() == null ? ""
                        : "/" + context.clientAddress().getAddress().getHostAddress();
                return groups.<ConsumerGroupHeartbeatResponseData>write(groups.partitionFor(groupId),
                                shard -> shard.consumerGroupHeartbeat(context.clientId(), clientHost,
                                        context.apiVersion(), request.data(), describable.apply(context)))
                        .thenApply(response -> response);
            }
        };
    }

    public static ApiHandler<ConsumerGroupDescribeRequest> describe(GroupCoordinatorRuntime groups) {
        return new ApiHandler<>() {
            @Override
            public ApiKeys apiKey() {
                return ApiKeys.CONSUMER_GROUP_DESCRIBE;
            }

            @Override
            public CompletableFuture<ApiMessage> handle(RequestContext context, ConsumerGroupDescribeRequest request) {
                boolean withOperations = request.data().includeAuthorizedOperations();
                List<CompletableFuture<DescribedGroup>> futures = new ArrayList<>();
                for (String groupId : request.data().groupIds()) {
                    futures.add(groups.read(groups.partitionFor(groupId), shard -> shard.describeConsumerGroup(groupId))
                            .exceptionally(error -> {
                                Throwable cause = error.getCause() != null ? error.getCause() : error;
                                return new DescribedGroup().setGroupId(groupId)
                                        .setErrorCode(Errors.forException(cause).code())
                                        .setErrorMessage(cause.getMessage());
                            }));
                }
                return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).thenApply(v -> {
                    ConsumerGroupDescribeResponseData response = new ConsumerGroupDescribeResponseData();
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
        };
    }
}
