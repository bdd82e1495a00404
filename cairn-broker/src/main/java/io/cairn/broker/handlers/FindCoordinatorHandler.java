package io.cairn.broker.handlers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import io.cairn.broker.group.GroupConfig;
import io.cairn.broker.group.GroupCoordinatorRuntime;
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
 * abs(G.hashCode()) % partitions, read from the committed image (never "node 1", LESSONS.md 18). The topic is
 * created through the single metadata write path on first use; until it exists (and while its partition
 * has no leader) the answer is COORDINATOR_NOT_AVAILABLE, which clients retry. Transaction coordinators are
 * refused with a non-retriable error that the producer reports, as transactions are not implemented.
 *
 * <p>Thread-safe.
 */
public final class FindCoordinatorHandler implements ApiHandler<FindCoordinatorRequest> {

    private static final long CREATE_WAIT_MS = 10_000;

    private final Supplier<MetadataImage> image;
    private final MetadataWriter writer;
    private final GroupConfig config;
    /** A creation of the offsets topic under way, shared by concurrent requests. */
    private final AtomicReference<CompletableFuture<CreateTopicsResponseData>> creating = new AtomicReference<>();

    public FindCoordinatorHandler(Supplier<MetadataImage> image, MetadataWriter writer, GroupConfig config) {
        this.image = image;
        this.writer = writer;
        this.config = config;
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
        CoordinatorType type = CoordinatorType.forId(data.keyType());
        boolean needsTopic = type == CoordinatorType.GROUP && image.get().topic(GroupConfig.OFFSETS_TOPIC).isEmpty();
        CompletableFuture<?> ready = needsTopic ? createOffsetsTopic() : CompletableFuture.completedFuture(null);
        return ready.handle((created, error) -> respond(version, type, keys));
    }

    private ApiMessage respond(short version, CoordinatorType type, List<String> keys) {
        MetadataImage current = image.get();
        List<Coordinator> coordinators = new ArrayList<>();
        for (String key : keys) {
            coordinators.add(find(current, type, key));
        }
        FindCoordinatorResponseData response = new FindCoordinatorResponseData();
        if (version >= 4) {
            return response.setCoordinators(coordinators);
        }
        Coordinator only = coordinators.get(0);
        return response.setErrorCode(only.errorCode()).setErrorMessage(only.errorMessage())
                .setNodeId(only.nodeId()).setHost(only.host()).setPort(only.port());
    }

    private Coordinator find(MetadataImage current, CoordinatorType type, String key) {
        Coordinator coordinator = new Coordinator().setKey(key).setNodeId(-1).setHost("").setPort(-1);
        if (type != CoordinatorType.GROUP) {
            Errors error = type == CoordinatorType.TRANSACTION ? Errors.UNSUPPORTED_VERSION : Errors.INVALID_REQUEST;
            return coordinator.setErrorCode(error.code()).setErrorMessage(type == CoordinatorType.TRANSACTION
                    ? "Transactions are not supported by Cairn yet" : "Coordinator type " + type + " is not supported");
        }
        if (key == null || key.isEmpty()) {
            return coordinator.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage("Empty group id");
        }
        Optional<TopicImage> topic = current.topic(GroupConfig.OFFSETS_TOPIC);
        if (topic.isEmpty() || topic.get().partitions().isEmpty()) {
            return notAvailable(coordinator, "The offsets topic is being created");
        }
        int partition = GroupCoordinatorRuntime.partitionFor(key, topic.get().partitions().size());
        PartitionImage leader = topic.get().partitions().get(partition);
        BrokerImage broker = leader == null ? null : current.brokers().get(leader.leader());
        if (broker == null || broker.fenced()) {
            return notAvailable(coordinator, GroupConfig.OFFSETS_TOPIC + "-" + partition + " has no leader");
        }
        return coordinator.setNodeId(broker.id()).setHost(broker.host()).setPort(broker.port())
                .setErrorCode(Errors.NONE.code());
    }

    private static Coordinator notAvailable(Coordinator coordinator, String message) {
        return coordinator.setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code()).setErrorMessage(message);
    }

    private CompletableFuture<CreateTopicsResponseData> createOffsetsTopic() {
        CompletableFuture<CreateTopicsResponseData> fresh = new CompletableFuture<>();
        CompletableFuture<CreateTopicsResponseData> existing = creating.compareAndExchange(null, fresh);
        if (existing != null) {
            return existing;
        }
        int brokers = Math.max(1, image.get().unfencedBrokers().size());
        short replicationFactor = (short) Math.max(1, Math.min(config.offsetsTopicReplicationFactor(), brokers));
        CreatableTopicConfigCollection configs = new CreatableTopicConfigCollection();
        Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                TopicConfig.SEGMENT_BYTES_CONFIG, Integer.toString(config.offsetsTopicSegmentBytes()))
                .forEach((name, value) -> configs.add(new CreatableTopicConfig().setName(name).setValue(value)));
        CreateTopicsRequestData create = new CreateTopicsRequestData().setTimeoutMs(30_000);
        create.topics().add(new CreatableTopic()
                .setName(GroupConfig.OFFSETS_TOPIC)
                .setNumPartitions(config.offsetsTopicPartitions())
                .setReplicationFactor(replicationFactor)
                .setConfigs(configs));
        writer.createTopics(create)
                .orTimeout(CREATE_WAIT_MS, TimeUnit.MILLISECONDS)
                .whenComplete((response, error) -> {
                    creating.set(null);
                    if (error != null) {
                        fresh.completeExceptionally(error);
                    } else {
                        fresh.complete(response);
                    }
                });
        return fresh;
    }
}
