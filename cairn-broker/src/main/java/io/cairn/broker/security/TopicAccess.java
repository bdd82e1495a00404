package io.cairn.broker.security;

import static org.apache.kafka.common.acl.AclOperation.ALTER;
import static org.apache.kafka.common.acl.AclOperation.CLUSTER_ACTION;
import static org.apache.kafka.common.acl.AclOperation.CREATE;
import static org.apache.kafka.common.acl.AclOperation.DELETE;
import static org.apache.kafka.common.acl.AclOperation.DESCRIBE;
import static org.apache.kafka.common.acl.AclOperation.DESCRIBE_CONFIGS;
import static org.apache.kafka.common.acl.AclOperation.READ;
import static org.apache.kafka.common.acl.AclOperation.WRITE;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import io.cairn.broker.handlers.AuthorizedOperations;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsTopic;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreatePartitionsResponseData.CreatePartitionsTopicResult;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsTopic;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsPartitionResult;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsTopicResult;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResult;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.message.FetchRequestData.FetchTopic;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsTopicResponse;
import org.apache.kafka.common.message.MetadataRequestData.MetadataRequestTopic;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopic;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.EpochEndOffset;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.CreatePartitionsRequest;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.apache.kafka.common.requests.DeleteRecordsRequest;
import org.apache.kafka.common.requests.DeleteTopicsRequest;
import org.apache.kafka.common.requests.DescribeProducersRequest;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochRequest;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The topic checks of the data-path APIs, as KafkaApis makes them: Produce (WRITE, and WRITE on its transactional
 * id), Fetch (READ; CLUSTER_ACTION for a follower), ListOffsets and OffsetForLeaderEpoch (DESCRIBE; CLUSTER_ACTION
 * for a follower), Metadata (DESCRIBE; CREATE on the cluster or the topic to auto-create it; the topics of an
 * all-topics request are those the caller may describe) and CreateTopics (CREATE on the cluster or the topic).
 * A denied topic is answered TOPIC_AUTHORIZATION_FAILED whether it exists or not, so that its existence is not
 * revealed; an allowed one that does not exist gets the handler's UNKNOWN_TOPIC_OR_PARTITION.
 *
 * <p>Thread-safe (stateless).
 */
final class TopicAccess {

    private TopicAccess() {
    }

    static AccessRule<ProduceRequest> produce() {
        return (caller, request, handler) -> {
            String transactionalId = request.data().transactionalId();
            if (transactionalId != null && !caller.may(WRITE, ResourceType.TRANSACTIONAL_ID, transactionalId)) {
                return AccessRule.denied(new TransactionalIdAuthorizationException(
                        "Transactional id " + transactionalId + " is not authorized"));
            }
            List<TopicProduceResponse> denied = new ArrayList<>();
            for (TopicProduceData topic : new ArrayList<>(request.data().topicData())) {
                String name = caller.topicName(topic.name(), topic.topicId());
                if (name != null && !caller.mayOnTopic(WRITE, name)) {
                    request.data().topicData().remove(topic);
                    TopicProduceResponse answer = new TopicProduceResponse().setName(topic.name())
                            .setTopicId(topic.topicId());
                    topic.partitionData().forEach(p -> answer.partitionResponses().add(new PartitionProduceResponse()
                            .setIndex(p.index()).setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())
                            .setBaseOffset(-1).setLogAppendTimeMs(-1).setLogStartOffset(-1)));
                    denied.add(answer);
                }
            }
            if (denied.isEmpty()) {
                return handler.apply(request);
            }
            CompletableFuture<ApiMessage> served = request.data().topicData().isEmpty()
                    ? CompletableFuture.completedFuture(new ProduceResponseData())
                    : handler.apply(request);
            return served.thenApply(response -> {
                if (response == null || request.acks() == 0) {
                    return null;
                }
                denied.forEach(t -> ((ProduceResponseData) response).responses().add(t));
                return response;
            });
        };
    }

    static AccessRule<FetchRequest> fetch() {
        return (caller, request, handler) -> {
            boolean follower = request.isFromFollower();
            List<FetchableTopicResponse> denied = new ArrayList<>();
            for (FetchTopic topic : new ArrayList<>(request.data().topics())) {
                String name = caller.topicName(topic.topic(), topic.topicId());
                boolean allowed = follower ? caller.mayOnCluster(CLUSTER_ACTION)
                        : name == null || caller.mayOnTopic(READ, name);
                if (!allowed) {
                    request.data().topics().remove(topic);
                    FetchableTopicResponse answer = new FetchableTopicResponse().setTopic(topic.topic())
                            .setTopicId(topic.topicId());
                    topic.partitions().forEach(p -> answer.partitions().add(new FetchResponseData.PartitionData()
                            .setPartitionIndex(p.partition()).setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())
                            .setHighWatermark(-1).setLastStableOffset(-1).setLogStartOffset(-1)
                            .setRecords(MemoryRecords.EMPTY)));
                    denied.add(answer);
                }
            }
            if (denied.isEmpty()) {
                return handler.apply(request);
            }
            CompletableFuture<ApiMessage> served = request.data().topics().isEmpty()
                    ? CompletableFuture.completedFuture(new FetchResponseData())
                    : handler.apply(request);
            return served.thenApply(response -> {
                ((FetchResponseData) response).responses().addAll(denied);
                return response;
            });
        };
    }

    static AccessRule<ListOffsetsRequest> listOffsets() {
        return (caller, request, handler) -> {
            if (request.replicaId() >= 0) {
                return whole(caller.mayOnCluster(CLUSTER_ACTION), topicNames(request.data().topics(),
                        ListOffsetsTopic::name), request, handler);
            }
            List<ListOffsetsTopicResponse> denied = new ArrayList<>();
            for (ListOffsetsTopic topic : new ArrayList<>(request.data().topics())) {
                if (!caller.mayOnTopic(DESCRIBE, topic.name())) {
                    request.data().topics().remove(topic);
                    ListOffsetsTopicResponse answer = new ListOffsetsTopicResponse().setName(topic.name());
                    topic.partitions().forEach(p -> answer.partitions().add(new ListOffsetsPartitionResponse()
                            .setPartitionIndex(p.partitionIndex())
                            .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()).setTimestamp(-1).setOffset(-1)
                            .setLeaderEpoch(-1)));
                    denied.add(answer);
                }
            }
            if (denied.isEmpty()) {
                return handler.apply(request);
            }
            CompletableFuture<ApiMessage> served = request.data().topics().isEmpty()
                    ? CompletableFuture.completedFuture(new ListOffsetsResponseData())
                    : handler.apply(request);
            return served.thenApply(response -> {
                ((ListOffsetsResponseData) response).topics().addAll(denied);
                return response;
            });
        };
    }

    static AccessRule<OffsetsForLeaderEpochRequest> offsetForLeaderEpoch() {
        return (caller, request, handler) -> {
            if (request.replicaId() >= 0) {
                Set<String> topics = new TreeSet<>();
                request.data().topics().forEach(t -> topics.add(t.topic()));
                return whole(caller.mayOnCluster(CLUSTER_ACTION), topics, request, handler);
            }
            List<OffsetForLeaderTopicResult> denied = new ArrayList<>();
            for (OffsetForLeaderTopic topic : new ArrayList<>(request.data().topics())) {
                if (!caller.mayOnTopic(DESCRIBE, topic.topic())) {
                    request.data().topics().remove(topic);
                    OffsetForLeaderTopicResult answer = new OffsetForLeaderTopicResult().setTopic(topic.topic());
                    topic.partitions().forEach(p -> answer.partitions().add(new EpochEndOffset()
                            .setPartition(p.partition()).setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())
                            .setLeaderEpoch(-1).setEndOffset(-1)));
                    denied.add(answer);
                }
            }
            if (denied.isEmpty()) {
                return handler.apply(request);
            }
            CompletableFuture<ApiMessage> served = request.data().topics().isEmpty()
                    ? CompletableFuture.completedFuture(new OffsetForLeaderEpochResponseData())
                    : handler.apply(request);
            return served.thenApply(response -> {
                denied.forEach(((OffsetForLeaderEpochResponseData) response).topics()::add);
                return response;
            });
        };
    }

    /**
     * Metadata: named topics the caller may not describe, or may not create when the request would auto-create
     * them, are answered TOPIC_AUTHORIZATION_FAILED; an all-topics answer keeps those it may describe; the
     * authorized operations asked for are the caller's own.
     */
    static AccessRule<MetadataRequest> metadata(boolean autoCreateTopics) {
        return (caller, request, handler) -> {
            List<MetadataResponseTopic> denied = new ArrayList<>();
            if (request.data().topics() != null) {
                boolean create = request.data().allowAutoTopicCreation() && autoCreateTopics;
                boolean clusterCreate = create && caller.mayOnCluster(CREATE);
                for (MetadataRequestTopic topic : new ArrayList<>(request.data().topics())) {
                    String name = caller.topicName(topic.name(), topic.topicId());
                    if (name == null) {
                        continue;
                    }
                    boolean allowed = caller.mayOnTopic(DESCRIBE, name)
                            && (!create || clusterCreate || caller.image().topic(name).isPresent()
                            || caller.mayOnTopic(CREATE, name));
                    if (!allowed) {
                        request.data().topics().remove(topic);
                        // asked by id, the name stays unknown to the caller
                        denied.add(new MetadataResponseTopic().setName(topic.name()).setTopicId(topic.topicId())
                                .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()));
                    }
                }
            }
            return handler.apply(request).thenApply(response -> {
                MetadataResponseData data = (MetadataResponseData) response;
                List<MetadataResponseTopic> hidden = new ArrayList<>();
                for (MetadataResponseTopic topic : data.topics()) {
                    if (topic.name() == null) {
                        continue; // an error for an unknown topic id: it names nothing
                    }
                    if (!caller.mayOnTopic(DESCRIBE, topic.name())) {
                        hidden.add(topic);
                    } else if (topic.topicAuthorizedOperations() != AuthorizedOperations.NOT_REQUESTED) {
                        topic.setTopicAuthorizedOperations(caller.authorizedOperations(ResourceType.TOPIC,
                                topic.name()));
                    }
                }
                hidden.forEach(data.topics()::remove);
                denied.forEach(data.topics()::add);
                if (data.clusterAuthorizedOperations() != AuthorizedOperations.NOT_REQUESTED) {
                    data.setClusterAuthorizedOperations(AccessRules.clusterOperations(caller));
                }
                return data;
            });
        };
    }

    /**
     * CreateTopics: CREATE on the cluster, else on each topic; the configs of a created topic are answered only to a
     * caller who may DESCRIBE_CONFIGS it (else its config error is TOPIC_AUTHORIZATION_FAILED), as Kafka.
     */
    static AccessRule<CreateTopicsRequest> createTopics() {
        AccessRule<CreateTopicsRequest> create = createOrDeny();
        return (caller, request, handler) -> create.serve(caller, request, handler).thenApply(response -> {
            for (CreatableTopicResult topic : ((CreateTopicsResponseData) response).topics()) {
                if (topic.errorCode() == Errors.NONE.code() && !caller.mayOnTopic(DESCRIBE_CONFIGS, topic.name())) {
                    topic.setConfigs(new ArrayList<>()).setNumPartitions(-1).setReplicationFactor((short) -1)
                            .setTopicConfigErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code());
                }
            }
            return response;
        });
    }

    private static AccessRule<CreateTopicsRequest> createOrDeny() {
        return (caller, request, handler) -> {
            if (caller.mayOnCluster(CREATE)) {
                return handler.apply(request);
            }
            List<CreatableTopicResult> denied = new ArrayList<>();
            for (CreatableTopic topic : new ArrayList<>(request.data().topics())) {
                if (!caller.mayOnTopic(CREATE, topic.name())) {
                    request.data().topics().remove(topic);
                    denied.add(new CreatableTopicResult().setName(topic.name())
                            .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())
                            .setErrorMessage("Authorization failed."));
                }
            }
            if (denied.isEmpty()) {
                return handler.apply(request);
            }
            CompletableFuture<ApiMessage> served = request.data().topics().isEmpty()
                    ? CompletableFuture.completedFuture(new CreateTopicsResponseData())
                    : handler.apply(request);
            return served.thenApply(response -> {
                denied.forEach(((CreateTopicsResponseData) response).topics()::add);
                return response;
            });
        };
    }

    /**
     * DeleteTopics: DELETE per topic, by name (v0-5) or by name or id (v6+); a denied topic asked by id keeps its
     * name from the caller.
     */
    static AccessRule<DeleteTopicsRequest> deleteTopics() {
        return (caller, request, handler) -> {
            List<DeletableTopicResult> denied = new ArrayList<>();
            request.data().topicNames().removeIf(name -> {
                boolean deny = !caller.mayOnTopic(DELETE, name);
                if (deny) {
                    denied.add(deleteDenied(name, Uuid.ZERO_UUID));
                }
                return deny;
            });
            request.data().topics().removeIf(topic -> {
                String name = caller.topicName(topic.name(), topic.topicId());
                boolean deny = name != null && !caller.mayOnTopic(DELETE, name);
                if (deny) {
                    denied.add(deleteDenied(topic.name(), topic.topicId()));
                }
                return deny;
            });
            if (denied.isEmpty()) {
                return handler.apply(request);
            }
            CompletableFuture<ApiMessage> served = request.data().topicNames().isEmpty()
                    && request.data().topics().isEmpty()
                    ? CompletableFuture.completedFuture(new DeleteTopicsResponseData())
                    : handler.apply(request);
            return served.thenApply(response -> {
                denied.forEach(((DeleteTopicsResponseData) response).responses()::add);
                return response;
            });
        };
    }

    /** CreatePartitions: ALTER per topic. */
    static AccessRule<CreatePartitionsRequest> createPartitions() {
        return (caller, request, handler) -> {
            List<CreatePartitionsTopicResult> denied = new ArrayList<>();
            for (CreatePartitionsTopic topic : new ArrayList<>(request.data().topics())) {
                if (!caller.mayOnTopic(ALTER, topic.name())) {
                    request.data().topics().remove(topic);
                    denied.add(new CreatePartitionsTopicResult().setName(topic.name())
                            .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())
                            .setErrorMessage(Errors.TOPIC_AUTHORIZATION_FAILED.message()));
                }
            }
            if (denied.isEmpty()) {
                return handler.apply(request);
            }
            CompletableFuture<ApiMessage> served = request.data().topics().isEmpty()
                    ? CompletableFuture.completedFuture(new CreatePartitionsResponseData())
                    : handler.apply(request);
            return served.thenApply(response -> {
                ((CreatePartitionsResponseData) response).results().addAll(denied);
                return response;
            });
        };
    }

    /** DeleteRecords: DELETE per topic. */
    static AccessRule<DeleteRecordsRequest> deleteRecords() {
        return (caller, request, handler) -> {
            List<DeleteRecordsTopicResult> denied = new ArrayList<>();
            for (DeleteRecordsTopic topic : new ArrayList<>(request.data().topics())) {
                if (!caller.mayOnTopic(DELETE, topic.name())) {
                    request.data().topics().remove(topic);
                    DeleteRecordsTopicResult answer = new DeleteRecordsTopicResult().setName(topic.name());
                    topic.partitions().forEach(p -> answer.partitions().add(new DeleteRecordsPartitionResult()
                            .setPartitionIndex(p.partitionIndex()).setLowWatermark(-1)
                            .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())));
                    denied.add(answer);
                }
            }
            if (denied.isEmpty()) {
                return handler.apply(request);
            }
            CompletableFuture<ApiMessage> served = request.data().topics().isEmpty()
                    ? CompletableFuture.completedFuture(new DeleteRecordsResponseData())
                    : handler.apply(request);
            return served.thenApply(response -> {
                denied.forEach(((DeleteRecordsResponseData) response).topics()::add);
                return response;
            });
        };
    }

    /**
     * DescribeProducers: READ per topic, a denied topic's partitions answered TOPIC_AUTHORIZATION_FAILED (whether the
     * topic exists or not), as Kafka.
     */
    static AccessRule<DescribeProducersRequest> describeProducers() {
        return (caller, request, handler) -> {
            List<DescribeProducersResponseData.TopicResponse> denied = new ArrayList<>();
            for (DescribeProducersRequestData.TopicRequest topic : new ArrayList<>(request.data().topics())) {
                if (!caller.mayOnTopic(READ, topic.name())) {
                    request.data().topics().remove(topic);
                    DescribeProducersResponseData.TopicResponse answer = new DescribeProducersResponseData
                            .TopicResponse().setName(topic.name());
                    topic.partitionIndexes().forEach(p -> answer.partitions().add(new DescribeProducersResponseData
                            .PartitionResponse().setPartitionIndex(p)
                            .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())));
                    denied.add(answer);
                }
            }
            if (denied.isEmpty()) {
                return handler.apply(request);
            }
            CompletableFuture<ApiMessage> served = request.data().topics().isEmpty()
                    ? CompletableFuture.completedFuture(new DescribeProducersResponseData())
                    : handler.apply(request);
            return served.thenApply(response -> {
                ((DescribeProducersResponseData) response).topics().addAll(denied);
                return response;
            });
        };
    }

    private static DeletableTopicResult deleteDenied(String name, Uuid id) {
        return new DeletableTopicResult().setName(name).setTopicId(id == null ? Uuid.ZERO_UUID : id)
                .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())
                .setErrorMessage(Errors.TOPIC_AUTHORIZATION_FAILED.message());
    }

    /**
     * A request served only if every topic it names is allowed {@code operation}; otherwise its error answer, with
     * TOPIC_AUTHORIZATION_FAILED everywhere (the APIs an ordinary client sends for the topics it was granted).
     */
    static <R extends AbstractRequest> AccessRule<R> allTopics(AclOperation operation,
                                                               Function<R, Collection<String>> topics) {
        return (caller, request, handler) -> allTopics(caller, operation, topics.apply(request), request, handler);
    }

    static <R extends AbstractRequest> CompletableFuture<ApiMessage> allTopics(
            Caller caller, AclOperation operation, Collection<String> topics, R request,
            Function<R, CompletableFuture<ApiMessage>> handler) {
        Set<String> denied = new TreeSet<>();
        topics.stream().filter(t -> t != null && !caller.mayOnTopic(operation, t)).forEach(denied::add);
        return denied.isEmpty() ? handler.apply(request)
                : AccessRule.denied(new TopicAuthorizationException(denied));
    }

    private static <R extends AbstractRequest> CompletableFuture<ApiMessage> whole(
            boolean allowed, Collection<String> topics, R request, Function<R, CompletableFuture<ApiMessage>> handler) {
        return allowed ? handler.apply(request) : AccessRule.denied(new TopicAuthorizationException(
                new TreeSet<>(topics)));
    }

    static <T> List<String> topicNames(Collection<T> topics, Function<T, String> name) {
        return topics.stream().map(name).toList();
    }
}
