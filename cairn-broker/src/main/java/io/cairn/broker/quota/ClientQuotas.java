package io.cairn.broker.quota;

import java.util.function.Supplier;

import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.config.QuotaConfigs;
import io.cairn.protocol.ApiHandler;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.utils.Time;

/**
 * The client byte-rate quotas a broker enforces, Produce's and Fetch's, and the handlers that enforce them around
 * the Produce and Fetch handlers. The quotas themselves are metadata (AlterClientQuotas); the request-rate quota
 * ({@code request_percentage}) is stored and shown but not enforced (docs/adr/0022).
 *
 * <p>Thread-safe.
 */
public final class ClientQuotas {

    private final ClientQuotaManager produce;
    private final ClientQuotaManager fetch;
    private final Time time;
    private volatile ThrottleObserver observer = ThrottleObserver.NONE;

    public ClientQuotas(Supplier<MetadataImage> image, Time time) {
        this.produce = new ClientQuotaManager(QuotaConfigs.PRODUCER_BYTE_RATE, image);
        this.fetch = new ClientQuotaManager(QuotaConfigs.CONSUMER_BYTE_RATE, image);
        this.time = time;
    }

    /** Told each throttle time given, per quota type. Thread-safe implementations only. */
    interface ThrottleObserver {
        ThrottleObserver NONE = (type, throttleTimeMs) -> { };

        void onThrottle(String quotaType, long throttleTimeMs);
    }

    /** The Produce handler, throttled by {@code producer_byte_rate}. */
    public ApiHandler<ProduceRequest> produce(ApiHandler<ProduceRequest> handler) {
        return new ProduceQuotaHandler(handler, produce, time, ms -> observer.onThrottle("Produce", ms));
    }

    /** The Fetch handler, throttling consumers (not followers) by {@code consumer_byte_rate}. */
    public ApiHandler<FetchRequest> fetch(ApiHandler<FetchRequest> handler) {
        return new FetchQuotaHandler(handler, fetch, time, ms -> observer.onThrottle("Fetch", ms));
    }

    /**
     * Registers Kafka's throttle-time metric of each quota type (kafka.server:type=Produce|Fetch, throttle-time)
     * as {@code cairn_quota_throttle_time_ms{quota="Produce"|"Fetch"}}: count, sum and max of the throttle times
     * given. Per quota type rather than per user and client id as in Kafka, so that a client id cannot grow the
     * registry.
     */
    public void bindTo(MeterRegistry registry) {
        DistributionSummary produceThrottle = summary(registry, "Produce");
        DistributionSummary fetchThrottle = summary(registry, "Fetch");
        observer = (type, ms) -> ("Produce".equals(type) ? produceThrottle : fetchThrottle).record(ms);
    }

    private static DistributionSummary summary(MeterRegistry registry, String type) {
        return DistributionSummary.builder("cairn.quota.throttle.time")
                .description("Throttle times given to clients above their " + type + " byte-rate quota")
                .baseUnit("ms").tag("quota", type).register(registry);
    }
}
