package io.cairn.broker.quota;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

import io.cairn.broker.network.ConnectionRateQuota;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.config.QuotaConfigs;
import org.apache.kafka.common.metrics.MetricConfig;
import org.apache.kafka.common.metrics.stats.Rate;
import org.apache.kafka.common.quota.ClientQuotaEntity;

/**
 * {@code connection_creation_rate} of ip entities (KIP-612), as Kafka's ConnectionQuotas: the quota of an address is
 * its own entity's ({@code --entity-type ips --entity-name 10.0.0.1}), else the default ip entity's
 * ({@code --entity-default}), else none. Each address has its own rate of new connections, kafka-clients'
 * {@link Rate} over the quota window ({@value QuotaConfigs#QUOTA_WINDOW_NUM} samples of
 * {@value QuotaConfigs#QUOTA_WINDOW_SIZE_SECONDS} s); a connection that takes it above the quota is not counted and
 * is held for (O - T) / T * W, at most one window, before it is closed: Kafka's acceptor neither serves nor closes
 * such a connection until then, so a client that reconnects at once is slowed to the rate.
 *
 * <p>Thread-safe: each address's rate is guarded by its own lock.
 */
public final class IpConnectionRateQuota implements ConnectionRateQuota {

    private static final long INACTIVE_MS = TimeUnit.HOURS.toMillis(1);
    private static final long SWEEP_INTERVAL_MS = TimeUnit.MINUTES.toMillis(1);
    private static final long MAX_THROTTLE_TIME_MS = TimeUnit.SECONDS.toMillis(QuotaConfigs.QUOTA_WINDOW_SIZE_SECONDS);

    private final Supplier<MetadataImage> image;
    private final LongConsumer throttled;
    private final MetricConfig config = new MetricConfig()
            .samples(QuotaConfigs.QUOTA_WINDOW_NUM)
            .timeWindow(QuotaConfigs.QUOTA_WINDOW_SIZE_SECONDS, TimeUnit.SECONDS);
    private final Map<InetAddress, AddressRate> rates = new ConcurrentHashMap<>();
    private volatile long nextSweepMs;

    /**
     * @param image     the committed metadata image, read at each new connection
     * @param throttled told each throttle time given (the metrics)
     */
    public IpConnectionRateQuota(Supplier<MetadataImage> image, LongConsumer throttled) {
        this.image = image;
        this.throttled = throttled;
    }

    private static final class AddressRate {
        final Rate rate = new Rate();
        long lastRecordMs;
    }

    /**
     * The ip quotas of one image's client quotas, by address (entity names parsed as Kafka's InetAddress.getByName
     * does, so that {@code ::1} and {@code 0:0:0:0:0:0:0:1} are one address); {@code defaultRate} null when no
     * default ip entity has the key.
     */
    private record IpQuotas(Map<ClientQuotaEntity, Map<String, Double>> source, Map<InetAddress, Double> byAddress,
                            Double defaultRate) {
    }

    private volatile IpQuotas ipQuotas = new IpQuotas(Map.of(), Map.of(), null);

    /** The address's connection_creation_rate, null when none applies. */
    Double quota(InetAddress address) {
        Map<ClientQuotaEntity, Map<String, Double>> quotas = image.get().clientQuotas();
        if (quotas.isEmpty()) {
            return null;
        }
        IpQuotas current = ipQuotas;
        if (current.source() != quotas) {
            current = ipQuotas(quotas);
            ipQuotas = current;
        }
        Double own = current.byAddress().get(address);
        return own != null ? own : current.defaultRate();
    }

    /**
     * Reads the ip entities of an image. An entity named by a host name rather than an address is not matched: it
     * would take a DNS lookup on the event loop that accepts connections.
     */
    private static IpQuotas ipQuotas(Map<ClientQuotaEntity, Map<String, Double>> quotas) {
        Map<InetAddress, Double> byAddress = new HashMap<>();
        Double defaultRate = null;
        for (Map.Entry<ClientQuotaEntity, Map<String, Double>> e : quotas.entrySet()) {
            Map<String, String> entries = e.getKey().entries();
            Double rate = e.getValue().get(QuotaConfigs.CONNECTION_CREATION_RATE);
            if (rate == null || entries.size() != 1 || !entries.containsKey(ClientQuotaEntity.IP)) {
                continue;
            }
            String ip = entries.get(ClientQuotaEntity.IP);
            if (ip == null) {
                defaultRate = rate;
            } else if (isAddressLiteral(ip)) {
                try {
                    byAddress.put(InetAddress.getByName(ip), rate);
                } catch (java.net.UnknownHostException malformed) {
                    // not an address after all: matches no connection
                }
            }
        }
        return new IpQuotas(quotas, Map.copyOf(byAddress), defaultRate);
    }

    /** An IPv4 dotted quad or an IPv6 address, which InetAddress parses without a lookup. */
    private static boolean isAddressLiteral(String ip) {
        return ip.contains(":") || ip.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    }

    @Override
    public long recordAndGetThrottleTimeMs(InetAddress address, long nowMs) {
        Double bound = quota(address);
        if (bound == null) {
            return 0;
        }
        AddressRate rate = rate(address, nowMs);
        long throttleTimeMs;
        synchronized (rate) {
            rate.lastRecordMs = nowMs;
            rate.rate.record(config, 1, nowMs);
            double observed = rate.rate.measure(config, nowMs);
            if (observed <= bound) {
                return 0;
            }
            rate.rate.record(config, -1, nowMs);
            throttleTimeMs = Math.min(MAX_THROTTLE_TIME_MS,
                    Math.round((observed - bound) / bound * rate.rate.windowSize(config, nowMs)));
        }
        throttled.accept(throttleTimeMs);
        return throttleTimeMs;
    }

    private AddressRate rate(InetAddress address, long nowMs) {
        if (nowMs >= nextSweepMs) {
            nextSweepMs = nowMs + SWEEP_INTERVAL_MS;
            rates.entrySet().removeIf(e -> {
                synchronized (e.getValue()) {
                    return e.getValue().lastRecordMs < nowMs - INACTIVE_MS;
                }
            });
        }
        return rates.computeIfAbsent(address, a -> {
            AddressRate created = new AddressRate();
            created.lastRecordMs = nowMs;
            return created;
        });
    }
}
