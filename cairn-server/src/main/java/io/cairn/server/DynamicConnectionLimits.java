package io.cairn.server;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;

import io.cairn.broker.network.ConnectionCreationRate;
import io.cairn.broker.network.KafkaServer;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.MetadataListener;
import io.cairn.metadata.config.DynamicBrokerConfigs;
import io.cairn.metadata.config.KafkaBrokerConfigs;
import org.apache.kafka.common.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies max.connections, max.connections.per.ip, max.connections.per.ip.overrides, max.connection.creation.rate
 * and listener.name.&lt;listener&gt;.max.connection.creation.rate set as dynamic broker configs (this broker's, else
 * the cluster-wide default, else the node's property) to the Kafka listener when the metadata image changes them, as
 * Kafka's SocketServer reconfigures its connection quotas.
 *
 * <p>Thread-safe: {@link #onImage} runs on the metadata thread and hands the update (which resolves host names)
 * to {@code executor}.
 */
final class DynamicConnectionLimits implements MetadataListener {

    private static final Logger log = LoggerFactory.getLogger(DynamicConnectionLimits.class);
    static final String MAX = CairnConfig.MAX_CONNECTIONS;
    static final String PER_IP = CairnConfig.MAX_CONNECTIONS_PER_IP;
    static final String OVERRIDES = CairnConfig.MAX_CONNECTIONS_PER_IP_OVERRIDES;
    static final String CREATION_RATE = CairnConfig.MAX_CONNECTION_CREATION_RATE;

    private final int nodeId;
    private final CairnConfig config;
    private final CompletableFuture<KafkaServer> server;
    private final Executor executor;
    private final String logPrefix;
    /** The limits the last image gives; whichever update runs last applies these. */
    private final AtomicReference<Limits> latest = new AtomicReference<>();

    private record Limits(int max, int perIp, Map<String, Integer> overrides,
                          ConnectionCreationRate.Limits creationRates) {
    }

    /** @param server completes when the listener is serving: limits from the image before that wait for it */
    DynamicConnectionLimits(int nodeId, CairnConfig config, CompletableFuture<KafkaServer> server, Executor executor) {
        this.nodeId = nodeId;
        this.config = config;
        this.server = server;
        this.executor = executor;
        this.logPrefix = "[node " + nodeId + "] ";
    }

    @Override
    public void onImage(MetadataImage previous, MetadataImage next) {
        Map<String, String> before = DynamicBrokerConfigs.forBroker(previous, nodeId);
        Map<String, String> after = DynamicBrokerConfigs.forBroker(next, nodeId);
        if (Objects.equals(before.get(MAX), after.get(MAX)) && Objects.equals(before.get(PER_IP), after.get(PER_IP))
                && Objects.equals(before.get(OVERRIDES), after.get(OVERRIDES))
                && creationRateConfigs(before).equals(creationRateConfigs(after))) {
            return;
        }
        try {
            int max = after.containsKey(MAX) ? Integer.parseInt(after.get(MAX).trim()) : config.getInt(MAX);
            int perIp = after.containsKey(PER_IP) ? Integer.parseInt(after.get(PER_IP).trim()) : config.getInt(PER_IP);
            Map<String, Integer> overrides = after.containsKey(OVERRIDES)
                    ? KafkaBrokerConfigs.parsePerIpOverrides(after.get(OVERRIDES)) : config.perIpOverrides();
            latest.set(new Limits(max, perIp, overrides, creationRates(config, after)));
            server.thenRunAsync(this::applyLatest, executor);
        } catch (NumberFormatException | ConfigException e) {
            // The controller validated them; a value stored by another version is kept out, not fatal.
            log.warn("{}Dynamic connection limits not applied: {}", logPrefix, e.getMessage());
        }
    }

    private void applyLatest() {
        Limits limits = latest.get();
        server.join().updateConnectionLimits(limits.max(), limits.perIp(), limits.overrides());
        server.join().updateConnectionCreationRates(limits.creationRates());
    }

    /** The creation-rate configs among a broker's dynamic configs (max.connection.creation.rate, with a prefix). */
    private static Map<String, String> creationRateConfigs(Map<String, String> configs) {
        Map<String, String> rates = new TreeMap<>();
        configs.forEach((name, value) -> {
            if (name.equals(CREATION_RATE) || name.startsWith("listener.name.") && name.endsWith("." + CREATION_RATE)) {
                rates.put(name, value);
            }
        });
        return rates;
    }

    /**
     * The node's and its listeners' creation rates: each name's dynamic value, else the node's property; a
     * listener's own (listener.name.&lt;listener&gt;.max.connection.creation.rate), else the node's, as Kafka reads
     * a listener's configs with the listener prefix overriding.
     *
     * @throws ConfigException a value that is not an integer of at least 0, naming the property
     */
    static ConnectionCreationRate.Limits creationRates(CairnConfig config, Map<String, String> dynamic) {
        int brokerRate = dynamic.containsKey(CREATION_RATE) ? rate(CREATION_RATE, dynamic.get(CREATION_RATE))
                : config.getInt(CREATION_RATE);
        Map<String, Integer> byListener = new HashMap<>();
        for (Listeners.Endpoint listener : config.listeners().bound()) {
            String name = ListenerTls.prefix(listener.name()) + CREATION_RATE;
            Object value = dynamic.containsKey(name) ? dynamic.get(name) : config.originals().get(name);
            if (value != null) {
                byListener.put(listener.name(), rate(name, value));
            }
        }
        return new ConnectionCreationRate.Limits(brokerRate, byListener);
    }

    private static int rate(String name, Object value) {
        try {
            int rate = value instanceof Integer i ? i : Integer.parseInt(value.toString().trim());
            if (rate >= 0) {
                return rate;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new ConfigException(name, value, "Expected an integer of at least 0 (connections per second)");
    }
}
