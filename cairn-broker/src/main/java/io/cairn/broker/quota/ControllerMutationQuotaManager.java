package io.cairn.broker.quota;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.config.QuotaConfigs;
import org.apache.kafka.common.metrics.MetricConfig;
import org.apache.kafka.common.metrics.Quota;
import org.apache.kafka.common.metrics.stats.TokenBucket;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.security.auth.KafkaPrincipal;

/**
 * {@code controller_mutation_rate} (KIP-599), as Kafka's ControllerMutationQuotaManager: the partitions a client
 * creates or deletes (CreateTopics, CreatePartitions, DeleteTopics) are taken from a token bucket per share of the
 * quota (resolved as the byte-rate quotas are, {@link QuotaResolution}). The bucket refills at the quota per second and
 * holds at most the quota times the window ({@value QuotaConfigs#QUOTA_WINDOW_NUM} samples of
 * {@value QuotaConfigs#QUOTA_WINDOW_SIZE_SECONDS} s), kafka-clients' {@link TokenBucket}; a bucket below zero
 * gives the time it takes to come back to zero, -tokens / quota.
 *
 * <p>Each request takes a {@link Mutations} of the client: strict (from CreateTopics v6, DeleteTopics v5,
 * CreatePartitions v3, which know THROTTLING_QUOTA_EXCEEDED) it refuses a mutation while the bucket is below zero and
 * lets one through otherwise, even one that takes it below zero; permissive (older versions) it lets every mutation
 * through and throttles the response instead.
 *
 * <p>Thread-safe: each bucket is guarded by its own lock; a {@link Mutations} belongs to one request.
 */
public final class ControllerMutationQuotaManager {

    private static final long INACTIVE_MS = TimeUnit.HOURS.toMillis(1);
    private static final long SWEEP_INTERVAL_MS = TimeUnit.MINUTES.toMillis(1);

    private final Supplier<MetadataImage> image;
    private final Map<Share, Bucket> buckets = new ConcurrentHashMap<>();
    private volatile long nextSweepMs;

    public ControllerMutationQuotaManager(Supplier<MetadataImage> image) {
        this.image = image;
    }

    private record Share(String user, String clientId) {
    }

    /** A token bucket and when it was last taken from. */
    private static final class Bucket {
        final TokenBucket tokens = new TokenBucket();
        long lastRecordMs;
    }

    /** The client's quota, if any applies. */
    Optional<QuotaResolution.Resolved> quota(KafkaPrincipal principal, String clientId) {
        Map<ClientQuotaEntity, Map<String, Double>> quotas = image.get().clientQuotas();
        if (quotas.isEmpty()) {
            return Optional.empty();
        }
        return QuotaResolution.resolve(quotas, QuotaConfigs.CONTROLLER_MUTATION_RATE, principal.getName(),
                clientId == null ? "" : clientId);
    }

    /**
     * The mutations of one request of the client; strict or permissive as above. Unbounded when no quota applies.
     */
    public Mutations mutations(KafkaPrincipal principal, String clientId, boolean strict) {
        return new Mutations(quota(principal, clientId).orElse(null), strict);
    }

    private static MetricConfig config(double bound) {
        return new MetricConfig().samples(QuotaConfigs.QUOTA_WINDOW_NUM)
                .timeWindow(QuotaConfigs.QUOTA_WINDOW_SIZE_SECONDS, TimeUnit.SECONDS)
                .quota(Quota.upperBound(bound));
    }

    private Bucket bucket(QuotaResolution.Resolved resolved, long nowMs) {
        if (nowMs >= nextSweepMs) {
            nextSweepMs = nowMs + SWEEP_INTERVAL_MS;
            buckets.entrySet().removeIf(e -> {
                synchronized (e.getValue()) {
                    return e.getValue().lastRecordMs < nowMs - INACTIVE_MS;
                }
            });
        }
        return buckets.computeIfAbsent(new Share(resolved.user(), resolved.clientId()), s -> new Bucket());
    }

    /** The tokens left in the client's bucket at {@code nowMs}; for tests and metrics. */
    double tokens(KafkaPrincipal principal, String clientId, long nowMs) {
        return quota(principal, clientId).map(resolved -> {
            Bucket bucket = bucket(resolved, nowMs);
            synchronized (bucket) {
                return bucket.tokens.measure(config(resolved.bound()), nowMs);
            }
        }).orElse(Double.POSITIVE_INFINITY);
    }

    /**
     * The partition mutations of one request (Kafka's ControllerMutationQuota). Not thread-safe: one request's.
     */
    public final class Mutations {

        /** Null when no quota applies: every mutation goes through. */
        private final QuotaResolution.Resolved resolved;
        private final boolean strict;
        private long lastThrottleTimeMs;
        private long lastRecordedMs;

        private Mutations(QuotaResolution.Resolved resolved, boolean strict) {
            this.resolved = resolved;
            this.strict = strict;
        }

        /** Whether a quota applies to the client at all. */
        public boolean bounded() {
            return resolved != null;
        }

        /**
         * Takes {@code partitions} from the bucket at {@code nowMs}: false (and nothing taken) when a strict quota
         * refuses it, the bucket being below zero already; true otherwise.
         */
        public boolean tryRecord(double partitions, long nowMs) {
            if (resolved == null) {
                return true;
            }
            Bucket bucket = bucket(resolved, nowMs);
            MetricConfig config = config(resolved.bound());
            synchronized (bucket) {
                bucket.lastRecordMs = nowMs;
                double tokens = bucket.tokens.measure(config, nowMs);
                if (strict && tokens < 0) {
                    throttledAt(tokens, nowMs);
                    return false;
                }
                bucket.tokens.record(config, partitions, nowMs);
                double left = bucket.tokens.measure(config, nowMs);
                if (!strict && left < 0) {
                    throttledAt(left, nowMs);
                }
                return true;
            }
        }

        /** Gives back partitions taken by {@link #tryRecord} that were not mutated after all (the controller refused). */
        public void unrecord(double partitions, long nowMs) {
            if (resolved == null) {
                return;
            }
            Bucket bucket = bucket(resolved, nowMs);
            synchronized (bucket) {
                bucket.tokens.record(config(resolved.bound()), -partitions, nowMs);
            }
        }

        private void throttledAt(double tokens, long nowMs) {
            lastThrottleTimeMs = Math.round(-tokens / resolved.bound() * 1000);
            lastRecordedMs = nowMs;
        }

        /** The throttle time at {@code nowMs}: what is left of the last one found, 0 if none. */
        public long throttleTimeMs(long nowMs) {
            return Math.max(0, lastThrottleTimeMs - (nowMs - lastRecordedMs));
        }
    }
}
