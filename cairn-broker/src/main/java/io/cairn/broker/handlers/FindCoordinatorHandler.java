package io.cairn.broker.handlers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import io.cairn.broker.AdvertisedEndpoints;
import io.cairn.broker.group.GroupConfig;
import io.cairn.broker.group.GroupCoordinatorRuntime;
import io.cairn.broker.txn.TransactionConfig;
import io.cairn.metadata.BrokerImage;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.MetadataWriter;
import io.cairn.metadata.PartitionImage;
import io.cairn.metadata.TopicImage;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicConfig;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicConfigCollection;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.FindCoordinatorResponseData.Coordinator;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorRequest.CoordinatorType;

/**
 * FindCoordinator: the coordinator of group G is the leader of {@code __consumer_offsets} partition
 * abs(G.hashCode()) % partitions, and that of transactional id T the leader of {@code __transaction_state}
 * partition abs(T.hashCode()) % partitions, read from the committed image (never "node 1", LESSONS.md 18). Each
 * topic is created through the single metadata write path on first use (compacted, its replication factor capped
 * by the registered brokers, as are its min.insync.replicas); until it exists (and while its partition has no
 * leader) the answer is COORDINATOR_NOT_AVAILABLE, which clients retry. Any node answers, whoever leads what.
 *
 * <p>Thread-safe.
 */
public final class FindCoordinatorHandler implements ApiHandler<FindCoordinatorRequest> {

    private static final int CREATE_WAIT_MS = 10_000;

    /** How a coordinator's internal topic is made: name, partitions, replication factor, min ISR, segment size. */
    private record InternalTopic(String name, int partitions, short replicationFactor, int minIsr,
                                 int segmentBytes) {
    }

    private final Supplier<MetadataImage> image;
    private final AdvertisedEndpoints endpoints;
    private final MetadataWriter writer;
    private final InternalTopic offsets;
    private final InternalTopic transactions;
    /** Creations of internal topics under way, by name, shared by concurrent requests. */
    private final Map<String, CompletableFuture<CreateTopicsResponseData>> creating =
            new java.util.concurrent.ConcurrentHashMap<>();

    public FindCoordinatorHandler(Supplier<MetadataImage> image, MetadataWriter writer, GroupConfig groups,
                                  TransactionConfig txns) {
        this(image, writer, groups, txns, AdvertisedEndpoints.REGISTERED);
    }

    /** @param endpoints the brokers' endpoints on the listener a request came through */
    public FindCoordinatorHandler(Supplier<MetadataImage> image, MetadataWriter writer, GroupConfig groups,
                                  TransactionConfig txns, AdvertisedEndpoints endpoints) {
        this.endpoints = endpoints;
        this.image = image;
        this.writer = writer;
        this.offsets = new InternalTopic(GroupConfig.OFFSETS_TOPIC, groups.offsetsTopicPartitions(),
                groups.offsetsTopicReplicationFactor(), 1, groups.offsetsTopicSegmentBytes());
        this.transactions = new InternalTopic(TransactionConfig.TRANSACTION_STATE_TOPIC, txns.stateLogNumPartitions(),
                txns.stateLogReplicationFactor(), txns.stateLogMinIsr(), txns.stateLogSegmentBytes());
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.FIND_COORDINATOR;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, FindCoordinatorRequest request) {
        FindCoordinatorRequestData data = request.data();
        short version = context.apiVersion();
        List<String> keys = version >= 4 ? data.coordinatorKeys() : List.of(data.key());
        CoordinatorType type = typeOf(data.keyType());
        InternalTopic topic = topicOf(type);
        boolean needsTopic = topic != null && image.get().topic(topic.name()).isEmpty();
        CompletableFuture<?> ready = needsTopic ? create(topic) : CompletableFuture.completedFuture(null);
        return ready.handle((created, error) -> respond(version, type, keys, context.listenerName()));
    }

    /** The key type, or null for one kafka-clients does not know (answered INVALID_REQUEST). */
    private static CoordinatorType typeOf(byte keyType) {
        for (CoordinatorType type : CoordinatorType.values()) {
            if (type.id() == keyType) {
                return type;
            }
        }
        return null;
    }

    /** The internal topic of the coordinators of {@code type}, or null when Cairn has none of that type. */
    private InternalTopic topicOf(CoordinatorType type) {
        if (type == CoordinatorType.GROUP) {
            return offsets;
        }
        return type == CoordinatorType.TRANSACTION ? transactions : null;
    }

    private ApiMessage respond(short version, CoordinatorType type, List<String> keys, String listenerName) {
        MetadataImage current = image.get();
        List<Coordinator> coordinators = new ArrayList<>();
        for (String key : keys) {
            coordinators.add(find(current, type, key, listenerName));
        }
        FindCoordinatorResponseData response = new FindCoordinatorResponseData();
        if (version >= 4) {
            return response.setCoordinators(coordinators);
        }
        Coordinator only = coordinators.get(0);
        return response.setErrorCode(only.errorCode()).setErrorMessage(only.errorMessage())
                .setNodeId(only.nodeId()).setHost(only.host()).setPort(only.port());
    }

    private Coordinator find(MetadataImage current, CoordinatorType type, String key, String listenerName) {
        Coordinator coordinator = new Coordinator().setKey(key).setNodeId(-1).setHost("").setPort(-1);
        InternalTopic internal = topicOf(type);
        if (internal == null) {
            return coordinator.setErrorCode(Errors.INVALID_REQUEST.code())
                    .setErrorMessage(type == null ? "Unknown coordinator key type"
                            : "Coordinator type " + type + " is not supported");
        }
        if (key == null || key.isEmpty()) {
            return coordinator.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage(
                    type == CoordinatorType.GROUP ? "Empty group id" : "Empty transactional id");
        }
        Optional<TopicImage> topic = current.topic(internal.name());
        if (topic.isEmpty() || topic.get().partitions().isEmpty()) {
            return notAvailable(coordinator, internal.name() + " is being created");
        }
        int partitions = topic.get().partitions().size();
        int partition = type == CoordinatorType.GROUP ? GroupCoordinatorRuntime.partitionFor(key, partitions)
                : TransactionConfig.partitionFor(key, partitions);
        PartitionImage leader = topic.get().partitions().get(partition);
        BrokerImage broker = leader == null ? null : current.brokers().get(leader.leader());
        if (broker == null || broker.fenced()) {
            return notAvailable(coordinator, internal.name() + "-" + partition + " has no leader");
        }
        Optional<AdvertisedEndpoints.HostPort> endpoint = endpoints.of(broker, listenerName);
        if (endpoint.isEmpty()) {
            // As Kafka, when the coordinator has no endpoint on the client's listener.
            return notAvailable(coordinator, "the coordinator has no endpoint on listener " + listenerName);
        }
        // Kafka's prepareCoordinatorResponse names the error even on success: "NONE".
        return coordinator.setNodeId(broker.id()).setHost(endpoint.get().host()).setPort(endpoint.get().port())
                .setErrorCode(Errors.NONE.code()).setErrorMessage(Errors.NONE.message());
    }

    private static Coordinator notAvailable(Coordinator coordinator, String message) {
        return coordinator.setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code()).setErrorMessage(message);
    }

    private CompletableFuture<CreateTopicsResponseData> create(InternalTopic topic) {
        CompletableFuture<CreateTopicsResponseData> fresh = new CompletableFuture<>();
        CompletableFuture<CreateTopicsResponseData> existing = creating.putIfAbsent(topic.name(), fresh);
        if (existing != null) {
            return existing;
        }
        int brokers = Math.max(1, image.get().unfencedBrokers().size());
        short replicationFactor = (short) Math.max(1, Math.min(topic.replicationFactor(), brokers));
        CreatableTopicConfigCollection configs = new CreatableTopicConfigCollection();
        Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                TopicConfig.SEGMENT_BYTES_CONFIG, Integer.toString(topic.segmentBytes()),
                TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(Math.min(topic.minIsr(), replicationFactor)))
                .forEach((name, value) -> configs.add(new CreatableTopicConfig().setName(name).setValue(value)));
        // The writer bounds the creation by the request's timeout, on the node's scheduler: a FindCoordinator
        // waits at most that long, then answers from the image (COORDINATOR_NOT_AVAILABLE until the topic exists).
        CreateTopicsRequestData create = new CreateTopicsRequestData().setTimeoutMs(CREATE_WAIT_MS);
        create.topics().add(new CreatableTopic()
                .setName(topic.name())
                .setNumPartitions(topic.partitions())
                .setReplicationFactor(replicationFactor)
                .setConfigs(configs));
        writer.createTopics(create)
                .whenComplete((response, error) -> {
                    creating.remove(topic.name());
                    if (error != null) {
                        fresh.completeExceptionally(error);
                    } else {
                        fresh.complete(response);
                    }
                });
        return fresh;
    }
}
