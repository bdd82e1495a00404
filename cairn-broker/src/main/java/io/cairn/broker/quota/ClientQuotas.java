package io.cairn.broker.quota;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import io.cairn.broker.cluster.InterBrokerChannel;
import io.cairn.broker.network.ConnectionRateQuota;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.config.QuotaConfigs;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.CreatePartitionsRequest;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.apache.kafka.common.requests.DeleteTopicsRequest;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.utils.Time;

/**
 * The client quotas a broker enforces, and the handlers that enforce them around the API handlers: the byte rates of
 * Produce and Fetch ({@code producer_byte_rate}, {@code consumer_byte_rate}), the request threads' time of every API
 * ({@code request_percentage}), the partitions CreateTopics, CreatePartitions and DeleteTopics mutate
 * ({@code controller_mutation_rate}), and the rate at which an address opens connections (ip entities'
 * {@code connection_creation_rate}). The quotas themselves are metadata (AlterClientQuotas; docs/adr/0022, 0029).
 *
 * <p>Thread-safe.
 */
public final class ClientQuotas {

    /** Kafka's quota types, as its throttle-time metrics name them (kafka.server:type=Produce, ...). */
    static final String PRODUCE = "Produce";
    static final String FETCH = "Fetch";
    static final String REQUEST = "Request";
    static final String CONTROLLER_MUTATION = "ControllerMutation";
    /** Kafka's ip-connection-accept-throttle-time (kafka.network:type=socket-server-metrics). */
    static final String CONNECTION_CREATION = "ConnectionCreation";

    private final Supplier<MetadataImage> image;
    private final ClientQuotaManager produce;
    private final ClientQuotaManager fetch;
    private final ClientQuotaManager request;
    private final ControllerMutationQuotaManager mutations;
    private final IpConnectionRateQuota connections;
    private final IntSupplier defaultPartitions;
    private final Time time;
    private final Predicate<RequestContext> forwarded = context -> InterBrokerChannel.isForwarded(context.clientId());
    private volatile ThrottleObserver observer = ThrottleObserver.NONE;

    /** With Kafka's default num.partitions, 1, for CreateTopics that leave it to the broker. */
    public ClientQuotas(Supplier<MetadataImage> image, Time time) {
        this(image, time, () -> 1);
    }

    /**
     * @param defaultPartitions num.partitions: what a CreateTopics topic of -1 partitions creates, and counts against
     *                          controller_mutation_rate
     */
    public ClientQuotas(Supplier<MetadataImage> image, Time time, IntSupplier defaultPartitions) {
        this.image = image;
        this.produce = new ClientQuotaManager(QuotaConfigs.PRODUCER_BYTE_RATE, image);
        this.fetch = new ClientQuotaManager(QuotaConfigs.CONSUMER_BYTE_RATE, image);
        // Kafka bounds the request quota's throttle to one quota window
        this.request = new ClientQuotaManager(QuotaConfigs.REQUEST_PERCENTAGE, image,
                TimeUnit.SECONDS.toMillis(QuotaConfigs.QUOTA_WINDOW_SIZE_SECONDS));
        this.mutations = new ControllerMutationQuotaManager(image);
        this.connections = new IpConnectionRateQuota(image, ms -> observer.onThrottle(CONNECTION_CREATION, ms));
        this.defaultPartitions = defaultPartitions;
        this.time = time;
    }

    /** Told each throttle time given, per quota type. Thread-safe implementations only. */
    interface ThrottleObserver {
        ThrottleObserver NONE = (type, throttleTimeMs) -> { };

        void onThrottle(String quotaType, long throttleTimeMs);
    }

    /** The Produce handler, throttled by {@code producer_byte_rate}. */
    public ApiHandler<ProduceRequest> produce(ApiHandler<ProduceRequest> handler) {
        return new ProduceQuotaHandler(handler, produce, time, ms -> observer.onThrottle(PRODUCE, ms));
    }

    /** The Fetch handler, throttling consumers (not followers) by {@code consumer_byte_rate}. */
    public ApiHandler<FetchRequest> fetch(ApiHandler<FetchRequest> handler) {
        return new FetchQuotaHandler(handler, fetch, time, ms -> observer.onThrottle(FETCH, ms));
    }

    /** The CreateTopics handler, under {@code controller_mutation_rate}. */
    public ApiHandler<CreateTopicsRequest> createTopics(ApiHandler<CreateTopicsRequest> handler) {
        return ControllerMutationQuotaHandler.createTopics(handler, mutations, image, defaultPartitions, time,
                ms -> observer.onThrottle(CONTROLLER_MUTATION, ms), forwarded);
    }

    /** The DeleteTopics handler, under {@code controller_mutation_rate}. */
    public ApiHandler<DeleteTopicsRequest> deleteTopics(ApiHandler<DeleteTopicsRequest> handler) {
        return ControllerMutationQuotaHandler.deleteTopics(handler, mutations, image, time,
                ms -> observer.onThrottle(CONTROLLER_MUTATION, ms), forwarded);
    }

    /** The CreatePartitions handler, under {@code controller_mutation_rate}. */
    public ApiHandler<CreatePartitionsRequest> createPartitions(ApiHandler<CreatePartitionsRequest> handler) {
        return ControllerMutationQuotaHandler.createPartitions(handler, mutations, image, time,
                ms -> observer.onThrottle(CONTROLLER_MUTATION, ms), forwarded);
    }

    /**
     * Puts every handler but those Kafka exempts under {@code request_percentage}; the outermost decoration, so that
     * the time counted includes the authorizer's and the other quotas' work.
     */
    public UnaryOperator<ApiHandler<?>> requestTime() {
        return handler -> RequestQuotaHandler.exempt(handler.apiKey()) ? handler : requestTime(handler);
    }

    private <R extends AbstractRequest> ApiHandler<R> requestTime(ApiHandler<R> handler) {
        return new RequestQuotaHandler<>(handler, request, time, ms -> observer.onThrottle(REQUEST, ms), forwarded);
    }

    /** The ip entities' {@code connection_creation_rate}, for the listeners. */
    public ConnectionRateQuota connections() {
        return connections;
    }

    /**
     * Registers Kafka's throttle-time metric of each quota type (kafka.server:type=Produce|Fetch|Request|
     * ControllerMutation, throttle-time; kafka.network ip-connection-accept-throttle-time) as
     * {@code cairn_quota_throttle_time_ms{quota="Produce"|"Fetch"|"Request"|"ControllerMutation"|
     * "ConnectionCreation"}}: count, sum and max of the throttle times given. Per quota type rather than per user and
     * client id as in Kafka, so that a client id cannot grow the registry.
     */
    public void bindTo(MeterRegistry registry) {
        Map<String, DistributionSummary> summaries = Map.of(
                PRODUCE, summary(registry, PRODUCE),
                FETCH, summary(registry, FETCH),
                REQUEST, summary(registry, REQUEST),
                CONTROLLER_MUTATION, summary(registry, CONTROLLER_MUTATION),
                CONNECTION_CREATION, summary(registry, CONNECTION_CREATION));
        observer = (type, ms) -> summaries.get(type).record(ms);
    }

    private static DistributionSummary summary(MeterRegistry registry, String type) {
        return DistributionSummary.builder("cairn.quota.throttle.time")
                .description("Throttle times given to clients above a quota, by quota type")
                .baseUnit("ms").tag("quota", type).register(registry);
    }
}
