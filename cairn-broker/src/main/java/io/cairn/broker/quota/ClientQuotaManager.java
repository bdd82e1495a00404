package io.cairn.broker.quota;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.config.QuotaConfigs;
import org.apache.kafka.common.metrics.MetricConfig;
import org.apache.kafka.common.metrics.stats.Rate;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.security.auth.KafkaPrincipal;

/**
 * One kind of client rate quota (Produce: {@code producer_byte_rate}; Fetch: {@code consumer_byte_rate}; request
 * time: {@code request_percentage}, as Kafka's ClientRequestQuotaManager), as Kafka's ClientQuotaManager: the quota of each request's client is resolved from the committed metadata image
 * ({@link QuotaResolution}), the bytes are recorded in the rate of the clients sharing that quota, and a rate above
 * the quota gives the time to wait for it to come back to the quota.
 *
 * <p>The rate is kafka-clients' {@link Rate} over {@value QuotaConfigs#QUOTA_WINDOW_NUM} samples of
 * {@value QuotaConfigs#QUOTA_WINDOW_SIZE_SECONDS} s (Kafka's quota.window.num and quota.window.size.seconds); a
 * rate measured at O over a window of W, for a quota T, is throttled for (O - T) / T * W, Kafka's QuotaUtils formula:
 * what brings the rate back to T if nothing more is recorded. A client that no quota applies to is not measured;
 * the rates of clients not seen for an hour are dropped, as Kafka's sensors expire.
 *
 * <p>Thread-safe: each rate is guarded by its own lock. The caller gives the time of each measurement, so tests
 * drive the clock.
 */
public final class ClientQuotaManager {

    private static final long INACTIVE_MS = TimeUnit.HOURS.toMillis(1);
    private static final long SWEEP_INTERVAL_MS = TimeUnit.MINUTES.toMillis(1);

    private final String key;
    private final Supplier<MetadataImage> image;
    private final long maxThrottleTimeMs;
    private final MetricConfig config = new MetricConfig()
            .samples(QuotaConfigs.QUOTA_WINDOW_NUM)
            .timeWindow(QuotaConfigs.QUOTA_WINDOW_SIZE_SECONDS, TimeUnit.SECONDS);
    private final Map<Share, ShareRate> rates = new ConcurrentHashMap<>();
    private volatile long nextSweepMs;

    /**
     * @param key   the quota key enforced, {@link QuotaConfigs#PRODUCER_BYTE_RATE},
     *              {@link QuotaConfigs#CONSUMER_BYTE_RATE} or {@link QuotaConfigs#REQUEST_PERCENTAGE}
     * @param image the committed metadata image, read at each request (a quota change applies to the next one)
     */
    public ClientQuotaManager(String key, Supplier<MetadataImage> image) {
        this(key, image, Long.MAX_VALUE);
    }

    /**
     * @param maxThrottleTimeMs the longest throttle given: Kafka bounds the request-time quota's throttle to one
     *                          quota window ({@code QuotaUtils.boundedThrottleTime}), the byte-rate ones not at all
     */
    public ClientQuotaManager(String key, Supplier<MetadataImage> image, long maxThrottleTimeMs) {
        this.key = key;
        this.image = image;
        this.maxThrottleTimeMs = maxThrottleTimeMs;
    }

    public String key() {
        return key;
    }

    /** The clients sharing one measured rate (Kafka's metric tags): "" stands for all. */
    private record Share(String user, String clientId) {
    }

    /** A rate and when it was last recorded. */
    private static final class ShareRate {
        final Rate rate = new Rate();
        long lastRecordMs;
    }

    /** The quota of a client, if any applies. */
    public Optional<QuotaResolution.Resolved> quota(KafkaPrincipal principal, String clientId) {
        Map<ClientQuotaEntity, Map<String, Double>> quotas = image.get().clientQuotas();
        if (quotas.isEmpty()) {
            return Optional.empty();
        }
        return QuotaResolution.resolve(quotas, key, principal.getName(), clientId == null ? "" : clientId);
    }

    /**
     * Records that the client moved {@code bytes} at {@code nowMs}; the time in ms its rate needs to come back to
     * its quota, 0 when within it or when no quota applies.
     */
    public long recordAndGetThrottleTimeMs(KafkaPrincipal principal, String clientId, double bytes, long nowMs) {
        Optional<QuotaResolution.Resolved> quota = quota(principal, clientId);
        if (quota.isEmpty()) {
            return 0;
        }
        QuotaResolution.Resolved resolved = quota.get();
        ShareRate share = share(resolved, nowMs);
        synchronized (share) {
            share.lastRecordMs = nowMs;
            share.rate.record(config, bytes, nowMs);
            double observed = share.rate.measure(config, nowMs);
            if (observed <= resolved.bound()) {
                return 0;
            }
            return Math.min(maxThrottleTimeMs,
                    Math.round((observed - resolved.bound()) / resolved.bound() * share.rate.windowSize(config, nowMs)));
        }
    }

    /**
     * Takes back bytes recorded by {@link #recordAndGetThrottleTimeMs}: a throttled fetch is answered empty, so what
     * it read does not count (Kafka records the negative amount).
     */
    public void unrecord(KafkaPrincipal principal, String clientId, double bytes, long nowMs) {
        quota(principal, clientId).ifPresent(resolved -> {
            ShareRate share = share(resolved, nowMs);
            synchronized (share) {
                share.rate.record(config, -bytes, nowMs);
            }
        });
    }

    /**
     * The most a client may move at once without being throttled for certain: its quota times the full windows of
     * the rate (Kafka's maxValueInQuotaWindow, which bounds a consumer's fetch). Long.MAX_VALUE without a quota.
     */
    public long maxValueInQuotaWindow(KafkaPrincipal principal, String clientId) {
        return quota(principal, clientId)
                .map(q -> (long) Math.min(Long.MAX_VALUE, q.bound() * (config.samples() - 1)
                        * QuotaConfigs.QUOTA_WINDOW_SIZE_SECONDS))
                .orElse(Long.MAX_VALUE);
    }

    /** The rate the client's share was last measured at, bytes per second; 0 when not measured. For tests. */
    double measuredRate(KafkaPrincipal principal, String clientId, long nowMs) {
        return quota(principal, clientId).map(q -> rates.get(new Share(q.user(), q.clientId()))).map(share -> {
            synchronized (share) {
                return share.rate.measure(config, nowMs);
            }
        }).orElse(0.0);
    }

    private ShareRate share(QuotaResolution.Resolved resolved, long nowMs) {
        if (nowMs >= nextSweepMs) {
            nextSweepMs = nowMs + SWEEP_INTERVAL_MS;
            rates.entrySet().removeIf(e -> {
                synchronized (e.getValue()) {
                    return e.getValue().lastRecordMs < nowMs - INACTIVE_MS;
                }
            });
        }
        return rates.computeIfAbsent(new Share(resolved.user(), resolved.clientId()), s -> {
            ShareRate created = new ShareRate();
            created.lastRecordMs = nowMs;
            return created;
        });
    }
}
