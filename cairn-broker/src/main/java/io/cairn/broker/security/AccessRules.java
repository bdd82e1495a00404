package io.cairn.broker.security;

import static org.apache.kafka.common.acl.AclOperation.ALTER;
import static org.apache.kafka.common.acl.AclOperation.ALTER_CONFIGS;
import static org.apache.kafka.common.acl.AclOperation.CLUSTER_ACTION;
import static org.apache.kafka.common.acl.AclOperation.DELETE;
import static org.apache.kafka.common.acl.AclOperation.DESCRIBE;
import static org.apache.kafka.common.acl.AclOperation.DESCRIBE_CONFIGS;
import static org.apache.kafka.common.acl.AclOperation.IDEMPOTENT_WRITE;
import static org.apache.kafka.common.acl.AclOperation.READ;
import static org.apache.kafka.common.acl.AclOperation.WRITE;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.cairn.broker.handlers.AuthorizedOperations;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestTopic;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponsePartition;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponseTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AddOffsetsToTxnRequest;
import org.apache.kafka.common.requests.AddPartitionsToTxnRequest;
import org.apache.kafka.common.requests.AddPartitionsToTxnResponse;
import org.apache.kafka.common.requests.AlterConfigsRequest;
import org.apache.kafka.common.requests.ConsumerGroupHeartbeatRequest;
import org.apache.kafka.common.requests.DescribeClusterRequest;
import org.apache.kafka.common.requests.DescribeConfigsRequest;
import org.apache.kafka.common.requests.DescribeTransactionsRequest;
import org.apache.kafka.common.requests.EndTxnRequest;
import org.apache.kafka.common.requests.HeartbeatRequest;
import org.apache.kafka.common.requests.IncrementalAlterConfigsRequest;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.LeaveGroupRequest;
import org.apache.kafka.common.requests.ListTransactionsRequest;
import org.apache.kafka.common.requests.OffsetDeleteRequest;
import org.apache.kafka.common.requests.SyncGroupRequest;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The operation each API checks, one entry per API key, following Kafka's KafkaApis and ControllerApis (the table
 * "Operations and Resources on Protocols" of Kafka's security documentation). An API without an entry is refused
 * CLUSTER_AUTHORIZATION_FAILED while an authorizer is on: a new handler cannot be served unchecked by mistake.
 *
 * <p>Thread-safe (immutable after construction).
 */
final class AccessRules {

    private final Map<ApiKeys, AccessRule<?>> rules = new EnumMap<>(ApiKeys.class);

    AccessRules(boolean autoCreateTopics) {
        // before authentication, or the exchange itself
        put(ApiKeys.API_VERSIONS, AccessRule.none());
        put(ApiKeys.SASL_HANDSHAKE, AccessRule.none());
        put(ApiKeys.SASL_AUTHENTICATE, AccessRule.none());
        // topics
        put(ApiKeys.PRODUCE, TopicAccess.produce());
        put(ApiKeys.FETCH, TopicAccess.fetch());
        put(ApiKeys.LIST_OFFSETS, TopicAccess.listOffsets());
        put(ApiKeys.OFFSET_FOR_LEADER_EPOCH, TopicAccess.offsetForLeaderEpoch());
        put(ApiKeys.METADATA, TopicAccess.metadata(autoCreateTopics));
        put(ApiKeys.CREATE_TOPICS, TopicAccess.createTopics());
        put(ApiKeys.DELETE_TOPICS, TopicAccess.deleteTopics());
        put(ApiKeys.CREATE_PARTITIONS, TopicAccess.createPartitions());
        put(ApiKeys.DELETE_RECORDS, TopicAccess.deleteRecords());
        put(ApiKeys.DESCRIBE_PRODUCERS, TopicAccess.describeProducers());
        // groups
        put(ApiKeys.JOIN_GROUP, GroupAccess.<JoinGroupRequest>group(READ, r -> r.data().groupId()));
        put(ApiKeys.SYNC_GROUP, GroupAccess.<SyncGroupRequest>group(READ, r -> r.data().groupId()));
        put(ApiKeys.HEARTBEAT, GroupAccess.<HeartbeatRequest>group(READ, r -> r.data().groupId()));
        put(ApiKeys.LEAVE_GROUP, GroupAccess.<LeaveGroupRequest>group(READ, r -> r.data().groupId()));
        put(ApiKeys.CONSUMER_GROUP_HEARTBEAT, consumerGroupHeartbeat());
        put(ApiKeys.OFFSET_COMMIT, GroupAccess.offsetCommit());
        put(ApiKeys.OFFSET_FETCH, GroupAccess.offsetFetch());
        put(ApiKeys.OFFSET_DELETE, offsetDelete());
        put(ApiKeys.DESCRIBE_GROUPS, GroupAccess.describeGroups());
        put(ApiKeys.CONSUMER_GROUP_DESCRIBE, GroupAccess.consumerGroupDescribe());
        put(ApiKeys.LIST_GROUPS, GroupAccess.listGroups());
        put(ApiKeys.DELETE_GROUPS, GroupAccess.deleteGroups());
        put(ApiKeys.FIND_COORDINATOR, GroupAccess.findCoordinator());
        put(ApiKeys.TXN_OFFSET_COMMIT, GroupAccess.txnOffsetCommit());
        // transactions and producer ids
        put(ApiKeys.INIT_PRODUCER_ID, initProducerId());
        put(ApiKeys.ADD_PARTITIONS_TO_TXN, addPartitionsToTxn());
        put(ApiKeys.ADD_OFFSETS_TO_TXN, addOffsetsToTxn());
        put(ApiKeys.END_TXN, endTxn());
        put(ApiKeys.DESCRIBE_TRANSACTIONS, describeTransactions());
        put(ApiKeys.LIST_TRANSACTIONS, listTransactions());
        // configs
        put(ApiKeys.DESCRIBE_CONFIGS, describeConfigs());
        put(ApiKeys.ALTER_CONFIGS, alterConfigs());
        put(ApiKeys.INCREMENTAL_ALTER_CONFIGS, incrementalAlterConfigs());
        // the cluster
        put(ApiKeys.DESCRIBE_CLUSTER, describeCluster());
        put(ApiKeys.DESCRIBE_LOG_DIRS, cluster(DESCRIBE));
        put(ApiKeys.DESCRIBE_QUORUM, cluster(DESCRIBE));
        put(ApiKeys.LIST_PARTITION_REASSIGNMENTS, cluster(DESCRIBE));
        put(ApiKeys.ALTER_PARTITION_REASSIGNMENTS, cluster(ALTER));
        put(ApiKeys.ELECT_LEADERS, cluster(ALTER));
        put(ApiKeys.UPDATE_FEATURES, cluster(ALTER));
        put(ApiKeys.CREATE_ACLS, cluster(ALTER));
        put(ApiKeys.DELETE_ACLS, cluster(ALTER));
        put(ApiKeys.DESCRIBE_ACLS, cluster(DESCRIBE));
        put(ApiKeys.ALTER_USER_SCRAM_CREDENTIALS, cluster(ALTER));
        put(ApiKeys.DESCRIBE_USER_SCRAM_CREDENTIALS, cluster(DESCRIBE));
        put(ApiKeys.ALTER_CLIENT_QUOTAS, cluster(ALTER_CONFIGS));
        put(ApiKeys.DESCRIBE_CLIENT_QUOTAS, cluster(DESCRIBE_CONFIGS));
        // delegation tokens (docs/adr/0034)
        put(ApiKeys.CREATE_DELEGATION_TOKEN, DelegationTokenAccess.create());
        put(ApiKeys.RENEW_DELEGATION_TOKEN, DelegationTokenAccess.forwardedOnly());
        put(ApiKeys.EXPIRE_DELEGATION_TOKEN, DelegationTokenAccess.forwardedOnly());
        put(ApiKeys.DESCRIBE_DELEGATION_TOKEN, DelegationTokenAccess.describe());
        // broker to broker, broker to controller
        put(ApiKeys.BROKER_REGISTRATION, cluster(CLUSTER_ACTION));
        put(ApiKeys.BROKER_HEARTBEAT, cluster(CLUSTER_ACTION));
        put(ApiKeys.ALTER_PARTITION, cluster(CLUSTER_ACTION));
        put(ApiKeys.ALLOCATE_PRODUCER_IDS, cluster(CLUSTER_ACTION));
        put(ApiKeys.WRITE_TXN_MARKERS, cluster(CLUSTER_ACTION));
    }

    @SuppressWarnings("unchecked")
    <R extends AbstractRequest> AccessRule<R> rule(ApiKeys apiKey) {
        AccessRule<?> rule = rules.get(apiKey);
        return rule != null ? (AccessRule<R>) rule : cluster(CLUSTER_ACTION);
    }

    boolean covers(ApiKeys apiKey) {
        return rules.containsKey(apiKey);
    }

    private void put(ApiKeys apiKey, AccessRule<?> rule) {
        rules.put(apiKey, rule);
    }

    static <R extends AbstractRequest> AccessRule<R> cluster(AclOperation operation) {
        return (caller, request, handler) -> caller.mayOnCluster(operation) ? handler.apply(request)
                : AccessRule.denied(new ClusterAuthorizationException("Request " + request.apiKey()
                        + " needs " + operation + " on the cluster"));
    }

    /** ConsumerGroupHeartbeat (KIP-848): READ on the group, DESCRIBE on every topic it subscribes to by name. */
    private static AccessRule<ConsumerGroupHeartbeatRequest> consumerGroupHeartbeat() {
        AccessRule<ConsumerGroupHeartbeatRequest> group = GroupAccess.group(READ, r -> r.data().groupId());
        return (caller, request, handler) -> group.serve(caller, request, r -> {
            List<String> topics = r.data().subscribedTopicNames();
            return topics == null ? handler.apply(r) : TopicAccess.allTopics(caller, DESCRIBE, topics, r, handler);
        });
    }

    private static AccessRule<EndTxnRequest> endTxn() {
        return (caller, request, handler) -> caller.may(WRITE, ResourceType.TRANSACTIONAL_ID,
                request.data().transactionalId()) ? handler.apply(request)
                : AccessRule.denied(transactionalIdDenied(request.data().transactionalId()));
    }

    private static AccessRule<AddOffsetsToTxnRequest> addOffsetsToTxn() {
        AccessRule<AddOffsetsToTxnRequest> group = GroupAccess.group(READ, r -> r.data().groupId());
        return (caller, request, handler) -> caller.may(WRITE, ResourceType.TRANSACTIONAL_ID,
                request.data().transactionalId()) ? group.serve(caller, request, handler)
                : AccessRule.denied(transactionalIdDenied(request.data().transactionalId()));
    }

    /**
     * OffsetDelete: DELETE on the group, else GROUP_AUTHORIZATION_FAILED for the request; then READ per topic, a
     * denied topic's partitions answered TOPIC_AUTHORIZATION_FAILED. As Kafka, the group is asked even when no
     * topic is left, and an error of the whole group replaces the topics' answers.
     */
    private static AccessRule<OffsetDeleteRequest> offsetDelete() {
        AccessRule<OffsetDeleteRequest> group = GroupAccess.group(DELETE, r -> r.data().groupId());
        return (caller, request, handler) -> group.serve(caller, request, r -> {
            List<OffsetDeleteResponseTopic> denied = new ArrayList<>();
            for (OffsetDeleteRequestTopic topic : new ArrayList<>(r.data().topics())) {
                if (!caller.mayOnTopic(READ, topic.name())) {
                    r.data().topics().remove(topic);
                    OffsetDeleteResponseTopic answer = new OffsetDeleteResponseTopic().setName(topic.name());
                    topic.partitions().forEach(p -> answer.partitions().add(new OffsetDeleteResponsePartition()
                            .setPartitionIndex(p.partitionIndex())
                            .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())));
                    denied.add(answer);
                }
            }
            return denied.isEmpty() ? handler.apply(r) : handler.apply(r).thenApply(response -> {
                OffsetDeleteResponseData data = (OffsetDeleteResponseData) response;
                if (data.errorCode() == Errors.NONE.code()) {
                    denied.forEach(topic -> data.topics().add(topic));
                }
                return data;
            });
        });
    }

    /** DescribeCluster, like Metadata, is open to all; the cluster's operations need DESCRIBE on it, else none. */
    private static AccessRule<DescribeClusterRequest> describeCluster() {
        return (caller, request, handler) -> handler.apply(request).thenApply(response -> {
            DescribeClusterResponseData data = (DescribeClusterResponseData) response;
            if (data.clusterAuthorizedOperations() != AuthorizedOperations.NOT_REQUESTED) {
                data.setClusterAuthorizedOperations(clusterOperations(caller));
            }
            return data;
        });
    }

    /** The operations the caller may perform on the cluster, reported only to those who may describe it. */
    static int clusterOperations(Caller caller) {
        return caller.mayOnCluster(DESCRIBE)
                ? caller.authorizedOperations(ResourceType.CLUSTER, RequestAuthorizer.CLUSTER) : 0;
    }

    private static ApiException transactionalIdDenied(String id) {
        return new TransactionalIdAuthorizationException("Transactional id " + id + " is not authorized");
    }

    /**
     * InitProducerId: WRITE on the transactional id; without one (idempotence), IDEMPOTENT_WRITE on the cluster or
     * WRITE on at least one topic (KIP-679).
     */
    private static AccessRule<InitProducerIdRequest> initProducerId() {
        return (caller, request, handler) -> {
            String id = request.data().transactionalId();
            if (id != null) {
                return caller.may(WRITE, ResourceType.TRANSACTIONAL_ID, id) ? handler.apply(request)
                        : AccessRule.denied(transactionalIdDenied(id));
            }
            boolean idempotent = caller.mayOnCluster(IDEMPOTENT_WRITE) || caller.authorizer()
                    .authorizeByResourceType(caller.context(), WRITE, ResourceType.TOPIC);
            return idempotent ? handler.apply(request) : AccessRule.denied(new ClusterAuthorizationException(
                    "Idempotent producers need IDEMPOTENT_WRITE on the cluster or WRITE on a topic"));
        };
    }

    /**
     * AddPartitionsToTxn: from a client (v3 and below) WRITE on the transactional id and on every topic, the allowed
     * partitions answered OPERATION_NOT_ATTEMPTED when one is denied, as Kafka; from a broker verifying a
     * transaction (v4+) CLUSTER_ACTION.
     */
    private static AccessRule<AddPartitionsToTxnRequest> addPartitionsToTxn() {
        return (caller, request, handler) -> {
            if (request.version() >= 4) {
                return AccessRules.<AddPartitionsToTxnRequest>cluster(CLUSTER_ACTION).serve(caller, request, handler);
            }
            String id = request.data().v3AndBelowTransactionalId();
            if (!caller.may(WRITE, ResourceType.TRANSACTIONAL_ID, id)) {
                return AccessRule.denied(transactionalIdDenied(id));
            }
            Map<TopicPartition, Errors> errors = new HashMap<>();
            boolean anyDenied = false;
            for (var topic : request.data().v3AndBelowTopics()) {
                boolean allowed = caller.mayOnTopic(WRITE, topic.name());
                anyDenied |= !allowed;
                for (int partition : topic.partitions()) {
                    errors.put(new TopicPartition(topic.name(), partition),
                            allowed ? Errors.OPERATION_NOT_ATTEMPTED : Errors.TOPIC_AUTHORIZATION_FAILED);
                }
            }
            if (!anyDenied) {
                return handler.apply(request);
            }
            return CompletableFuture.completedFuture(new AddPartitionsToTxnResponseData().setResultsByTopicV3AndBelow(
                    AddPartitionsToTxnResponse.resultForTransaction(AddPartitionsToTxnResponse.V3_AND_BELOW_TXN_ID,
                            errors).topicResults()));
        };
    }

    private static AccessRule<DescribeTransactionsRequest> describeTransactions() {
        return (caller, request, handler) -> handler.apply(request).thenApply(response -> {
            DescribeTransactionsResponseData data = (DescribeTransactionsResponseData) response;
            List<DescribeTransactionsResponseData.TransactionState> answered = new ArrayList<>();
            for (var state : data.transactionStates()) {
                answered.add(caller.may(DESCRIBE, ResourceType.TRANSACTIONAL_ID, state.transactionalId()) ? state
                        : new DescribeTransactionsResponseData.TransactionState()
                        .setTransactionalId(state.transactionalId())
                        .setErrorCode(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code()));
            }
            return data.setTransactionStates(answered);
        });
    }

    private static AccessRule<ListTransactionsRequest> listTransactions() {
        return (caller, request, handler) -> handler.apply(request).thenApply(response -> {
            ListTransactionsResponseData data = (ListTransactionsResponseData) response;
            data.transactionStates().removeIf(s -> !caller.may(DESCRIBE, ResourceType.TRANSACTIONAL_ID,
                    s.transactionalId()));
            return data;
        });
    }

    /** The resource, operation and error of a config resource: topics, groups, else the cluster (brokers). */
    private static ApiException configDenied(Caller caller, byte type, String name, AclOperation operation) {
        ConfigResource.Type resourceType = ConfigResource.Type.forId(type);
        boolean allowed;
        Errors error;
        if (resourceType == ConfigResource.Type.TOPIC) {
            allowed = caller.mayOnTopic(operation, name);
            error = Errors.TOPIC_AUTHORIZATION_FAILED;
        } else if (resourceType == ConfigResource.Type.GROUP) {
            allowed = caller.may(operation, ResourceType.GROUP, name);
            error = Errors.GROUP_AUTHORIZATION_FAILED;
        } else {
            allowed = caller.mayOnCluster(operation);
            error = Errors.CLUSTER_AUTHORIZATION_FAILED;
        }
        return allowed ? null : error.exception();
    }

    private static AccessRule<DescribeConfigsRequest> describeConfigs() {
        return (caller, request, handler) -> {
            List<DescribeConfigsResponseData.DescribeConfigsResult> denied = new ArrayList<>();
            request.data().resources().removeIf(r -> {
                ApiException error = configDenied(caller, r.resourceType(), r.resourceName(), DESCRIBE_CONFIGS);
                if (error != null) {
                    denied.add(new DescribeConfigsResponseData.DescribeConfigsResult().setResourceType(r.resourceType())
                            .setResourceName(r.resourceName()).setErrorCode(Errors.forException(error).code())
                            .setErrorMessage(error.getMessage()));
                }
                return error != null;
            });
            CompletableFuture<ApiMessage> served = denied.isEmpty() || !request.data().resources().isEmpty()
                    ? handler.apply(request) : CompletableFuture.completedFuture(new DescribeConfigsResponseData());
            return served.thenApply(response -> {
                ((DescribeConfigsResponseData) response).results().addAll(denied);
                return response;
            });
        };
    }

    private static AccessRule<AlterConfigsRequest> alterConfigs() {
        return (caller, request, handler) -> {
            List<AlterConfigsResponseData.AlterConfigsResourceResponse> denied = new ArrayList<>();
            for (var r : new ArrayList<>(request.data().resources())) {
                ApiException error = configDenied(caller, r.resourceType(), r.resourceName(), ALTER_CONFIGS);
                if (error != null) {
                    request.data().resources().remove(r);
                    denied.add(new AlterConfigsResponseData.AlterConfigsResourceResponse()
                            .setResourceType(r.resourceType()).setResourceName(r.resourceName())
                            .setErrorCode(Errors.forException(error).code()).setErrorMessage(error.getMessage()));
                }
            }
            CompletableFuture<ApiMessage> served = denied.isEmpty() || !request.data().resources().isEmpty()
                    ? handler.apply(request) : CompletableFuture.completedFuture(new AlterConfigsResponseData());
            return served.thenApply(response -> {
                ((AlterConfigsResponseData) response).responses().addAll(denied);
                return response;
            });
        };
    }

    private static AccessRule<IncrementalAlterConfigsRequest> incrementalAlterConfigs() {
        return (caller, request, handler) -> {
            List<IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse> denied = new ArrayList<>();
            for (var r : new ArrayList<>(request.data().resources())) {
                ApiException error = configDenied(caller, r.resourceType(), r.resourceName(), ALTER_CONFIGS);
                if (error != null) {
                    request.data().resources().remove(r);
                    denied.add(new IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse()
                            .setResourceType(r.resourceType()).setResourceName(r.resourceName())
                            .setErrorCode(Errors.forException(error).code()).setErrorMessage(error.getMessage()));
                }
            }
            CompletableFuture<ApiMessage> served = denied.isEmpty() || !request.data().resources().isEmpty()
                    ? handler.apply(request)
                    : CompletableFuture.completedFuture(new IncrementalAlterConfigsResponseData());
            return served.thenApply(response -> {
                ((IncrementalAlterConfigsResponseData) response).responses().addAll(denied);
                return response;
            });
        };
    }
}
