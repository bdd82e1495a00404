package io.cairn.broker.security;

import static org.apache.kafka.common.acl.AclOperation.DELETE;
import static org.apache.kafka.common.acl.AclOperation.DESCRIBE;
import static org.apache.kafka.common.acl.AclOperation.READ;
import static org.apache.kafka.common.acl.AclOperation.WRITE;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import io.cairn.broker.handlers.AuthorizedOperations;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResult;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.FindCoordinatorResponseData.Coordinator;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponsePartition;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponseTopic;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData.TxnOffsetCommitResponsePartition;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.ConsumerGroupDescribeRequest;
import org.apache.kafka.common.requests.DeleteGroupsRequest;
import org.apache.kafka.common.requests.DescribeGroupsRequest;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.ListGroupsRequest;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetFetchRequest;
import org.apache.kafka.common.requests.TxnOffsetCommitRequest;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The group checks, as KafkaApis makes them: the membership APIs and offset commits need READ on the group
 * (GROUP_AUTHORIZATION_FAILED), offset fetches and DescribeGroups DESCRIBE, DeleteGroups DELETE; ListGroups lists
 * every group for DESCRIBE on the cluster, else those the caller may describe; FindCoordinator needs DESCRIBE on the
 * group or transactional id it looks up. Committed topics need READ, fetched ones DESCRIBE (TOPIC_AUTHORIZATION_FAILED
 * for those asked by name; left out of an all-topics answer).
 *
 * <p>Thread-safe (stateless).
 */
final class GroupAccess {

    private GroupAccess() {
    }

    /** The whole request needs {@code operation} on the group it names. */
    static <R extends AbstractRequest> AccessRule<R> group(org.apache.kafka.common.acl.AclOperation operation,
                                                           Function<R, String> groupId) {
        return (caller, request, handler) -> caller.may(operation, ResourceType.GROUP, groupId.apply(request))
                ? handler.apply(request)
                : AccessRule.denied(new GroupAuthorizationException("Not authorized to access group: "
                        + groupId.apply(request)));
    }

    static AccessRule<OffsetCommitRequest> offsetCommit() {
        return (caller, request, handler) -> {
            if (!caller.may(READ, ResourceType.GROUP, request.data().groupId())) {
                return AccessRule.denied(new GroupAuthorizationException("Not authorized to access group: "
                        + request.data().groupId()));
            }
            List<OffsetCommitResponseTopic> denied = new ArrayList<>();
            for (OffsetCommitRequestTopic topic : new ArrayList<>(request.data().topics())) {
                String name = caller.topicName(topic.name(), topic.topicId());
                if (name != null && !caller.mayOnTopic(READ, name)) {
                    request.data().topics().remove(topic);
                    OffsetCommitResponseTopic answer = new OffsetCommitResponseTopic().setName(topic.name())
                            .setTopicId(topic.topicId());
                    topic.partitions().forEach(p -> answer.partitions().add(new OffsetCommitResponsePartition()
                            .setPartitionIndex(p.partitionIndex())
                            .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())));
                    denied.add(answer);
                }
            }
            if (denied.isEmpty()) {
                return handler.apply(request);
            }
            CompletableFuture<ApiMessage> served = request.data().topics().isEmpty()
                    ? CompletableFuture.completedFuture(new OffsetCommitResponseData())
                    : handler.apply(request);
            return served.thenApply(response -> {
                ((OffsetCommitResponseData) response).topics().addAll(denied);
                return response;
            });
        };
    }

    static AccessRule<TxnOffsetCommitRequest> txnOffsetCommit() {
        return (caller, request, handler) -> {
            if (!caller.may(WRITE, ResourceType.TRANSACTIONAL_ID, request.data().transactionalId())) {
                return AccessRule.denied(new TransactionalIdAuthorizationException("Transactional id "
                        + request.data().transactionalId() + " is not authorized"));
            }
            if (!caller.may(READ, ResourceType.GROUP, request.data().groupId())) {
                return AccessRule.denied(new GroupAuthorizationException("Not authorized to access group: "
                        + request.data().groupId()));
            }
            List<TxnOffsetCommitResponseTopic> denied = new ArrayList<>();
            for (TxnOffsetCommitRequestTopic topic : new ArrayList<>(request.data().topics())) {
                if (!caller.mayOnTopic(READ, topic.name())) {
                    request.data().topics().remove(topic);
                    TxnOffsetCommitResponseTopic answer = new TxnOffsetCommitResponseTopic().setName(topic.name());
                    topic.partitions().forEach(p -> answer.partitions().add(new TxnOffsetCommitResponsePartition()
                            .setPartitionIndex(p.partitionIndex())
                            .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())));
                    denied.add(answer);
                }
            }
            if (denied.isEmpty()) {
                return handler.apply(request);
            }
            CompletableFuture<ApiMessage> served = request.data().topics().isEmpty()
                    ? CompletableFuture.completedFuture(new TxnOffsetCommitResponseData())
                    : handler.apply(request);
            return served.thenApply(response -> {
                ((TxnOffsetCommitResponseData) response).topics().addAll(denied);
                return response;
            });
        };
    }

    static AccessRule<OffsetFetchRequest> offsetFetch() {
        return (caller, request, handler) -> {
            if (request.version() < 8) {
                String groupId = request.data().groupId();
                if (!caller.may(DESCRIBE, ResourceType.GROUP, groupId)) {
                    return AccessRule.denied(new GroupAuthorizationException("Not authorized to access group: "
                            + groupId));
                }
                boolean named = request.data().topics() != null;
                return handler.apply(request).thenApply(response -> {
                    OffsetFetchResponseData data = (OffsetFetchResponseData) response;
                    List<OffsetFetchResponseData.OffsetFetchResponseTopic> hidden = new ArrayList<>();
                    data.topics().stream().filter(t -> !caller.mayOnTopic(DESCRIBE, t.name())).forEach(t -> {
                        if (named) {
                            t.partitions().forEach(p -> p.setCommittedOffset(-1).setMetadata("")
                                    .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()));
                        } else {
                            hidden.add(t);
                        }
                    });
                    data.topics().removeAll(hidden);
                    return data;
                });
            }
            List<OffsetFetchResponseGroup> denied = new ArrayList<>();
            List<String> namedGroups = new ArrayList<>();
            for (OffsetFetchRequestGroup group : new ArrayList<>(request.data().groups())) {
                if (!caller.may(DESCRIBE, ResourceType.GROUP, group.groupId())) {
                    request.data().groups().remove(group);
                    denied.add(new OffsetFetchResponseGroup().setGroupId(group.groupId())
                            .setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code()));
                } else if (group.topics() != null) {
                    namedGroups.add(group.groupId());
                }
            }
            CompletableFuture<ApiMessage> served = request.data().groups().isEmpty()
                    ? CompletableFuture.completedFuture(new OffsetFetchResponseData())
                    : handler.apply(request);
            return served.thenApply(response -> {
                OffsetFetchResponseData data = (OffsetFetchResponseData) response;
                for (OffsetFetchResponseGroup group : data.groups()) {
                    boolean named = namedGroups.contains(group.groupId());
                    List<OffsetFetchResponseData.OffsetFetchResponseTopics> hidden = new ArrayList<>();
                    group.topics().stream().filter(t -> t.name() != null && !caller.mayOnTopic(DESCRIBE, t.name()))
                            .forEach(t -> {
                                if (named) {
                                    t.partitions().forEach(p -> p.setCommittedOffset(-1).setMetadata("")
                                            .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()));
                                } else {
                                    hidden.add(t);
                                }
                            });
                    group.topics().removeAll(hidden);
                }
                data.groups().addAll(denied);
                return data;
            });
        };
    }

    static AccessRule<DescribeGroupsRequest> describeGroups() {
        return (caller, request, handler) -> handler.apply(request).thenApply(response -> {
            DescribeGroupsResponseData data = (DescribeGroupsResponseData) response;
            List<DescribeGroupsResponseData.DescribedGroup> answered = new ArrayList<>();
            for (DescribeGroupsResponseData.DescribedGroup group : data.groups()) {
                if (!caller.may(DESCRIBE, ResourceType.GROUP, group.groupId())) {
                    answered.add(new DescribeGroupsResponseData.DescribedGroup().setGroupId(group.groupId())
                            .setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code()).setGroupState("")
                            .setProtocolType("").setProtocolData(""));
                } else {
                    if (group.authorizedOperations() != AuthorizedOperations.NOT_REQUESTED) {
                        group.setAuthorizedOperations(caller.authorizedOperations(ResourceType.GROUP,
                                group.groupId()));
                    }
                    answered.add(group);
                }
            }
            return data.setGroups(answered);
        });
    }

    static AccessRule<ConsumerGroupDescribeRequest> consumerGroupDescribe() {
        return (caller, request, handler) -> handler.apply(request).thenApply(response -> {
            ConsumerGroupDescribeResponseData data = (ConsumerGroupDescribeResponseData) response;
            List<ConsumerGroupDescribeResponseData.DescribedGroup> answered = new ArrayList<>();
            for (ConsumerGroupDescribeResponseData.DescribedGroup group : data.groups()) {
                if (!caller.may(DESCRIBE, ResourceType.GROUP, group.groupId())) {
                    answered.add(new ConsumerGroupDescribeResponseData.DescribedGroup().setGroupId(group.groupId())
                            .setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code())
                            .setErrorMessage(Errors.GROUP_AUTHORIZATION_FAILED.message()));
                } else if (!mayDescribeAssignedTopics(caller, group)) {
                    answered.add(new ConsumerGroupDescribeResponseData.DescribedGroup().setGroupId(group.groupId())
                            .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())
                            .setErrorMessage(UNDESCRIBABLE_TOPICS));
                } else {
                    if (group.authorizedOperations() != AuthorizedOperations.NOT_REQUESTED) {
                        group.setAuthorizedOperations(caller.authorizedOperations(ResourceType.GROUP,
                                group.groupId()));
                    }
                    answered.add(group);
                }
            }
            return data.setGroups(answered);
        });
    }

    /** Kafka's message for a consumer group whose members are assigned a topic the caller may not DESCRIBE. */
    static final String UNDESCRIBABLE_TOPICS =
            "The group has described topic(s) that the client is not authorized to describe.";

    /**
     * Whether the caller may DESCRIBE every topic the group's members are assigned or being assigned, as Kafka checks
     * before it answers a ConsumerGroupDescribe: a group DESCRIBE alone does not show a topic's name.
     */
    private static boolean mayDescribeAssignedTopics(Caller caller,
                                                     ConsumerGroupDescribeResponseData.DescribedGroup group) {
        for (ConsumerGroupDescribeResponseData.Member member : group.members()) {
            for (ConsumerGroupDescribeResponseData.Assignment assignment : List.of(member.assignment(),
                    member.targetAssignment())) {
                for (ConsumerGroupDescribeResponseData.TopicPartitions topic : assignment.topicPartitions()) {
                    if (!caller.may(DESCRIBE, ResourceType.TOPIC, topic.topicName())) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    static AccessRule<ListGroupsRequest> listGroups() {
        return (caller, request, handler) -> {
            if (caller.mayOnCluster(DESCRIBE)) {
                return handler.apply(request);
            }
            return handler.apply(request).thenApply(response -> {
                ListGroupsResponseData data = (ListGroupsResponseData) response;
                data.groups().removeIf(g -> !caller.may(DESCRIBE, ResourceType.GROUP, g.groupId()));
                return data;
            });
        };
    }

    static AccessRule<DeleteGroupsRequest> deleteGroups() {
        return (caller, request, handler) -> {
            List<DeletableGroupResult> denied = new ArrayList<>();
            request.data().groupsNames().removeIf(group -> {
                if (caller.may(DELETE, ResourceType.GROUP, group)) {
                    return false;
                }
                denied.add(new DeletableGroupResult().setGroupId(group)
                        .setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code()));
                return true;
            });
            if (denied.isEmpty()) {
                return handler.apply(request);
            }
            CompletableFuture<ApiMessage> served = request.data().groupsNames().isEmpty()
                    ? CompletableFuture.completedFuture(new DeleteGroupsResponseData())
                    : handler.apply(request);
            return served.thenApply(response -> {
                denied.forEach(((DeleteGroupsResponseData) response).results()::add);
                return response;
            });
        };
    }

    /** FindCoordinator: DESCRIBE on each group (key type 0) or transactional id (key type 1) looked up. */
    static AccessRule<FindCoordinatorRequest> findCoordinator() {
        return (caller, request, handler) -> {
            byte keyType = request.data().keyType();
            if (request.version() < FindCoordinatorRequest.MIN_BATCHED_VERSION) {
                return mayFind(caller, keyType, request.data().key()) ? handler.apply(request)
                        : AccessRule.denied(findDenied(keyType, request.data().key()));
            }
            List<Coordinator> denied = new ArrayList<>();
            request.data().coordinatorKeys().removeIf(key -> {
                if (mayFind(caller, keyType, key)) {
                    return false;
                }
                Errors error = Errors.forException(findDenied(keyType, key));
                denied.add(new Coordinator().setKey(key).setNodeId(-1).setHost("").setPort(-1)
                        .setErrorCode(error.code()).setErrorMessage(error.message()));
                return true;
            });
            if (denied.isEmpty()) {
                return handler.apply(request);
            }
            CompletableFuture<ApiMessage> served = request.data().coordinatorKeys().isEmpty()
                    ? CompletableFuture.completedFuture(new FindCoordinatorResponseData())
                    : handler.apply(request);
            return served.thenApply(response -> {
                ((FindCoordinatorResponseData) response).coordinators().addAll(denied);
                return response;
            });
        };
    }

    private static boolean mayFind(Caller caller, byte keyType, String key) {
        return keyType == 1 ? caller.may(DESCRIBE, ResourceType.TRANSACTIONAL_ID, key)
                : caller.may(DESCRIBE, ResourceType.GROUP, key);
    }

    private static org.apache.kafka.common.errors.ApiException findDenied(byte keyType, String key) {
        return keyType == 1
                ? new TransactionalIdAuthorizationException("Transactional id " + key + " is not authorized")
                : new GroupAuthorizationException("Not authorized to access group: " + key);
    }
}
