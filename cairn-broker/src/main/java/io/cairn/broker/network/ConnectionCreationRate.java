package io.cairn.broker.network;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.cairn.metadata.config.QuotaConfigs;
import org.apache.kafka.common.metrics.MetricConfig;
import org.apache.kafka.common.metrics.stats.Rate;

/**
 * Kafka's broker-wide and per-listener bounds on how fast a node accepts connections (KIP-612,
 * {@code max.connection.creation.rate} and {@code listener.name.<listener>.max.connection.creation.rate}), as Kafka's
 * {@code ConnectionQuotas} computes them: every new connection is recorded in its listener's rate and, unless the
 * listener is the inter-broker one of a node with more than one listener, in the node's rate; each is kafka-clients'
 * {@link Rate} over the quota window ({@value QuotaConfigs#QUOTA_WINDOW_NUM} samples of
 * {@value QuotaConfigs#QUOTA_WINDOW_SIZE_SECONDS} s). A connection that takes a rate above its bound is still
 * counted, and accepting waits (O - T) / T * W for the longer of the two, at most one window: the acceptor is
 * delayed, the connection is not refused. A listener without its own bound has the node's
 * ({@code max.connection.creation.rate} applies to each listener too, as Kafka reads a listener's configs with the
 * listener prefix overriding).
 *
 * <p>Thread-safe (synchronized: one short computation per new connection).
 */
public final class ConnectionCreationRate {

    private static final long MAX_THROTTLE_TIME_MS = TimeUnit.SECONDS.toMillis(QuotaConfigs.QUOTA_WINDOW_SIZE_SECONDS);

    /**
     * @param brokerRate   {@code max.connection.creation.rate}: connections a second for the whole node
     * @param listenerRate {@code listener.name.<listener>.max.connection.creation.rate} by listener name (upper
     *                     case, as listeners are named); a listener not in it has {@code brokerRate}
     */
    public record Limits(int brokerRate, Map<String, Integer> listenerRate) {

        /** No bound (Kafka's default, Integer.MAX_VALUE). */
        public static final Limits NONE = new Limits(Integer.MAX_VALUE, Map.of());

        public Limits {
            listenerRate = Map.copyOf(listenerRate);
        }

        int of(String listener) {
            return listenerRate.getOrDefault(listener, brokerRate);
        }
    }

    private final MetricConfig config = new MetricConfig().samples(QuotaConfigs.QUOTA_WINDOW_NUM)
            .timeWindow(QuotaConfigs.QUOTA_WINDOW_SIZE_SECONDS, TimeUnit.SECONDS);
    private final Rate broker = new Rate();
    private final Map<String, Rate> listeners = new HashMap<>();
    /** The inter-broker listener when the node has another: exempt from the node's rate. */
    private final String protectedListener;
    private Limits limits;

    /**
     * @param listenerNames      every listener the node serves
     * @param interBrokerListener inter.broker.listener.name, or null
     */
    public ConnectionCreationRate(Limits limits, List<String> listenerNames, String interBrokerListener) {
        this.limits = limits;
        listenerNames.forEach(name -> listeners.put(name, new Rate()));
        this.protectedListener = listenerNames.size() > 1 ? interBrokerListener : null;
    }

    /** New bounds; the rates observed so far are kept (a connection already waiting keeps its wait, as in Kafka). */
    public synchronized void update(Limits limits) {
        this.limits = limits;
    }

    public synchronized Limits limits() {
        return limits;
    }

    /**
     * Counts a new connection of {@code listener} at {@code nowMs}: 0 when within both bounds, else how long
     * accepting waits before this connection is served.
     */
    public synchronized long recordAndGetThrottleTimeMs(String listener, long nowMs) {
        long throttleMs = 0;
        if (!listener.equals(protectedListener)) {
            throttleMs = record(broker, limits.brokerRate(), nowMs);
        }
        Rate own = listeners.get(listener);
        if (own != null) {
            throttleMs = Math.max(throttleMs, record(own, limits.of(listener), nowMs));
        }
        return throttleMs;
    }

    /**
     * Takes back a connection counted by {@link #recordAndGetThrottleTimeMs} that its address's own quota then
     * refused: as in Kafka, a connection not accepted does not count against the node or the listener.
     */
    public synchronized void unrecord(String listener, long nowMs) {
        if (!listener.equals(protectedListener)) {
            broker.record(config, -1, nowMs);
        }
        Rate own = listeners.get(listener);
        if (own != null) {
            own.record(config, -1, nowMs);
        }
    }

    private long record(Rate rate, int bound, long nowMs) {
        rate.record(config, 1, nowMs);
        double observed = rate.measure(config, nowMs);
        if (observed <= bound) {
            return 0;
        }
        double throttleMs = (observed - bound) / bound * rate.windowSize(config, nowMs);
        return Math.min(MAX_THROTTLE_TIME_MS, Math.round(throttleMs)); // a bound of 0: infinite, so one window
    }
}
