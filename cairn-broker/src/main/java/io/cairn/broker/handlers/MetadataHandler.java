package io.cairn.broker.handlers;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

import io.cairn.broker.AdvertisedEndpoints;
import io.cairn.metadata.BrokerImage;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.MetadataWriter;
import io.cairn.metadata.PartitionImage;
import io.cairn.metadata.TopicImage;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseBroker;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.resource.ResourceType;

/**
 * Metadata: brokers, controller and topics, all read from one committed image. Unknown topics are
 * auto-created through the single metadata write path when the client allows it and
 * auto.create.topics.enable is set; the answer then describes the created topic.
 *
 * <p>Thread-safe (stateless; reads the published image).
 */
public final class MetadataHandler implements ApiHandler<MetadataRequest> {

    private final Supplier<MetadataImage> image;
    private final MetadataWriter writer;
    private final boolean autoCreateTopics;
    private final IntSupplier controllerId;
    private final ServingBrokerWait brokerWait;
    private final AdvertisedEndpoints endpoints;

    public MetadataHandler(Supplier<MetadataImage> image, MetadataWriter writer, boolean autoCreateTopics,
                           IntSupplier controllerId, ServingBrokerWait brokerWait) {
        this(image, writer, autoCreateTopics, controllerId, brokerWait, AdvertisedEndpoints.REGISTERED);
    }

    /**
     * @param controllerId the node hosting the active controller now (the metadata Raft leader)
     * @param brokerWait   holds a request while the cluster has no broker to name (a node starting)
     * @param endpoints    the brokers' endpoints on the listener a request came through
     */
    public MetadataHandler(Supplier<MetadataImage> image, MetadataWriter writer, boolean autoCreateTopics,
                           IntSupplier controllerId, ServingBrokerWait brokerWait, AdvertisedEndpoints endpoints) {
        this.endpoints = endpoints;
        this.image = image;
        this.writer = writer;
        this.autoCreateTopics = autoCreateTopics;
        this.controllerId = controllerId;
        this.brokerWait = brokerWait;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.METADATA;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, MetadataRequest request) {
        return brokerWait.await().thenCompose(v -> answer(request, context.listenerName()));
    }

    private CompletableFuture<ApiMessage> answer(MetadataRequest request, String listenerName) {
        MetadataRequestData data = request.data();
        MetadataImage current = image.get();
        List<String> toCreate = new ArrayList<>();
        if (data.topics() != null && autoCreateTopics && data.allowAutoTopicCreation()) {
            for (MetadataRequestData.MetadataRequestTopic topic : data.topics()) {
                if (topic.name() != null && current.topic(topic.name()).isEmpty() && isValidName(topic.name())) {
                    toCreate.add(topic.name());
                }
            }
        }
        if (toCreate.isEmpty()) {
            return CompletableFuture.completedFuture(respond(request, current, controllerId.getAsInt(), listenerName));
        }
        CreateTopicsRequestData create = new CreateTopicsRequestData().setTimeoutMs(30_000);
        toCreate.forEach(name -> create.topics().add(new CreatableTopic()
                .setName(name).setNumPartitions(-1).setReplicationFactor((short) -1)));
        // Whatever the outcome (created, or created meanwhile by someone else), answer from the image.
        return writer.createTopics(create).handle((response, error) -> respond(request, image.get(),
                controllerId.getAsInt(), listenerName));
    }

    private static boolean isValidName(String name) {
        try {
            Topic.validate(name);
            return !Topic.isInternal(name);
        } catch (InvalidTopicException e) {
            return false;
        }
    }

    private MetadataResponseData respond(MetadataRequest request, MetadataImage image, int controllerId,
                                         String listenerName) {
        MetadataRequestData data = request.data();
        MetadataResponseData response = new MetadataResponseData()
                .setClusterId(image.clusterId())
                .setControllerId(ControllerIds.reachable(image, controllerId));
        // Versions 8 to 10 carry the cluster's operations (later ones moved them to DescribeCluster).
        if (request.version() >= 8 && request.version() <= 10 && data.includeClusterAuthorizedOperations()) {
            response.setClusterAuthorizedOperations(AuthorizedOperations.all(ResourceType.CLUSTER));
        }
        boolean topicOperations = request.version() >= 8 && data.includeTopicAuthorizedOperations();
        for (BrokerImage broker : image.brokers().values()) {
            if (!broker.fenced()) {
                endpoints.of(broker, listenerName).ifPresent(endpoint -> response.brokers().add(
                        new MetadataResponseBroker()
                                .setNodeId(broker.id())
                                .setHost(endpoint.host())
                                .setPort(endpoint.port())
                                .setRack(broker.rack().orElse(null))));
            }
        }
        if (request.isAllTopics()) {
            image.topicsByName().values().forEach(topic -> response.topics().add(describe(topic, topicOperations)));
            return response;
        }
        for (MetadataRequestData.MetadataRequestTopic requested : data.topics()) {
            if (requested.name() == null && request.version() < 12) {
                // v10 and v11 requests may carry a null name, their answers cannot: Kafka refuses it so.
                response.topics().add(new MetadataResponseTopic().setName("")
                        .setErrorCode(Errors.INVALID_REQUEST.code()));
                continue;
            }
            // A request by id leaves the name at its default ("" or null), as kafka-clients' forTopicIds does.
            boolean byId = requested.topicId() != null && !Uuid.ZERO_UUID.equals(requested.topicId());
            Optional<TopicImage> topic = byId ? image.topic(requested.topicId()) : image.topic(requested.name());
            response.topics().add(topic.map(t -> describe(t, topicOperations))
                    .orElseGet(() -> missing(requested, byId, request.version())));
        }
        return response;
    }

    private static MetadataResponseTopic missing(MetadataRequestData.MetadataRequestTopic requested, boolean byId,
                                                 short version) {
        // Names are nullable in answers from version 12 on.
        MetadataResponseTopic topic = new MetadataResponseTopic()
                .setName(byId ? (version >= 12 ? null : "") : requested.name())
                .setTopicId(requested.topicId() == null ? Uuid.ZERO_UUID : requested.topicId());
        if (byId || requested.name() == null) {
            return topic.setErrorCode(Errors.UNKNOWN_TOPIC_ID.code());
        }
        try {
            Topic.validate(requested.name());
            return topic.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        } catch (InvalidTopicException e) {
            return topic.setErrorCode(Errors.INVALID_TOPIC_EXCEPTION.code());
        }
    }

    /** @param withOperations whether to report the operations allowed on it (unknown topics never get them) */
    private static MetadataResponseTopic describe(TopicImage topic, boolean withOperations) {
        MetadataResponseTopic described = new MetadataResponseTopic()
                .setName(topic.name())
                .setTopicId(topic.id())
                .setIsInternal(Topic.isInternal(topic.name()));
        if (withOperations) {
            described.setTopicAuthorizedOperations(AuthorizedOperations.all(ResourceType.TOPIC));
        }
        for (PartitionImage partition : topic.partitions().values()) {
            described.partitions().add(new MetadataResponsePartition()
                    .setPartitionIndex(partition.partition())
                    .setErrorCode(partition.leader() < 0 ? Errors.LEADER_NOT_AVAILABLE.code() : Errors.NONE.code())
                    .setLeaderId(partition.leader())
                    .setLeaderEpoch(partition.leaderEpoch())
                    .setReplicaNodes(partition.replicas())
                    .setIsrNodes(partition.isr())
                    .setOfflineReplicas(List.of()));
        }
        return described;
    }
}
