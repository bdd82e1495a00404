package io.cairn.broker;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import io.cairn.metadata.BrokerImage;

/**
 * Which host and port a client is told for a broker (Metadata, DescribeCluster, FindCoordinator): as Kafka, the
 * broker's endpoint on the listener the client connected through.
 *
 * <p>A broker registers every advertised listener, its inter-broker one first (docs/adr/0017). On the inter-broker
 * listener every broker is answered with its registered inter-broker endpoint; on another listener, with the
 * endpoint it registered for a listener of that name, this node with its own advertised one; a broker without
 * that listener (or registered by a node that sent only its inter-broker endpoint) has none, and is left out as
 * Kafka leaves out a broker without the client's listener.
 *
 * <p>Immutable, thread-safe.
 */
public final class AdvertisedEndpoints {

    /** Every listener answers the registered endpoints: a node with one listener, and tests. */
    public static final AdvertisedEndpoints REGISTERED = new AdvertisedEndpoints(-1, null, Map.of());

    public record HostPort(String host, int port) {
    }

    private final int nodeId;
    private final String registeredListener;
    private final Map<String, HostPort> own;

    /**
     * @param nodeId             this node
     * @param registeredListener the name of the listener whose endpoint brokers register (inter-broker)
     * @param own                this node's advertised endpoint by listener name
     */
    public AdvertisedEndpoints(int nodeId, String registeredListener, Map<String, HostPort> own) {
        this.nodeId = nodeId;
        this.registeredListener = registeredListener == null ? null : normalised(registeredListener);
        Map<String, HostPort> byName = new java.util.HashMap<>();
        own.forEach((name, endpoint) -> byName.put(normalised(name), endpoint));
        this.own = Map.copyOf(byName);
    }

    /**
     * The endpoint of {@code broker} a client on {@code listenerName} is told, or empty when it has none there.
     *
     * @param listenerName the listener the request came through; null for the registered one (internal callers)
     */
    public Optional<HostPort> of(BrokerImage broker, String listenerName) {
        if (listenerName == null || registeredListener == null || normalised(listenerName).equals(registeredListener)) {
            return Optional.of(new HostPort(broker.host(), broker.port()));
        }
        if (broker.id() == nodeId) {
            return Optional.ofNullable(own.get(normalised(listenerName)));
        }
        return broker.endpoint(listenerName).map(e -> new HostPort(e.host(), e.port()));
    }

    /** Listener names compare as Kafka's ListenerName.normalised: upper case. */
    private static String normalised(String name) {
        return name.toUpperCase(Locale.ROOT);
    }
}
