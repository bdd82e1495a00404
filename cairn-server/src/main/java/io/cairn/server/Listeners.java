package io.cairn.server;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * A node's Kafka listeners, as Kafka reads them: {@code listeners} and {@code advertised.listeners} name one or
 * more {@code NAME://host:port} endpoints, {@code listener.security.protocol.map} gives each name its protocol
 * (PLAINTEXT, SSL, SASL_PLAINTEXT and SASL_SSL are served), and {@code inter.broker.listener.name} picks the one whose
 * advertised endpoint the broker registers (docs/adr/0017). Names compare in upper case, as Kafka's.
 *
 * <p>Immutable.
 */
public final class Listeners {

    /** Kafka's default listener.security.protocol.map. */
    public static final String DEFAULT_PROTOCOL_MAP = "SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,SSL:SSL,"
            + "SASL_PLAINTEXT:SASL_PLAINTEXT";
    /** Kafka's listener syntax: NAME://host:port, host possibly empty or a bracketed IPv6 address. */
    private static final Pattern ENDPOINT = Pattern.compile("^(.*)://\\[?([0-9a-zA-Z\\-%._:]*?)\\]?:(-?[0-9]+)$");

    /**
     * One listener.
     *
     * @param name     upper case, e.g. PLAINTEXT, SSL, INTERNAL
     * @param host     the address to bind or advertise; 0.0.0.0 (or empty in the property) for every interface
     * @param port     0 picks a free one (bound), then the bound one is advertised
     */
    public record Endpoint(String name, SecurityProtocol protocol, String host, int port) {
    }

    private final List<Endpoint> bound;
    private final Map<String, Endpoint> advertised;
    private final Endpoint interBroker;

    private Listeners(List<Endpoint> bound, Map<String, Endpoint> advertised, Endpoint interBroker) {
        this.bound = List.copyOf(bound);
        this.advertised = Map.copyOf(advertised);
        this.interBroker = interBroker;
    }

    /**
     * @param advertisedValue     advertised.listeners, or null: each listener advertises its own address
     * @param interBrokerName     inter.broker.listener.name, or null: the listener named PLAINTEXT (Kafka's
     *                            default), else the first
     * @param controllerNames     controller.listener.names, or null: listeners of those names are left out (a Kafka
     *                            configuration's; Cairn's controllers speak Raft on controller.quorum.voters' ports)
     * @throws ConfigException naming the property at fault
     */
    static Listeners parse(String listenersValue, String advertisedValue, String protocolMapValue,
                           String interBrokerName, String controllerNames) {
        Map<String, SecurityProtocol> protocols = protocolMap(protocolMapValue);
        Set<String> controllers = new HashSet<>();
        if (controllerNames != null) {
            for (String name : controllerNames.split(",")) {
                controllers.add(name.trim().toUpperCase(Locale.ROOT));
            }
        }
        List<Endpoint> bound = new ArrayList<>(endpoints(CairnConfig.LISTENERS, listenersValue, protocols));
        bound.removeIf(endpoint -> controllers.contains(endpoint.name()));
        if (bound.isEmpty()) {
            throw new ConfigException(CairnConfig.LISTENERS, listenersValue, "names no listener");
        }
        Set<Integer> ports = new HashSet<>();
        Set<String> names = new HashSet<>();
        for (Endpoint endpoint : bound) {
            if (!names.add(endpoint.name())) {
                throw new ConfigException(CairnConfig.LISTENERS, listenersValue,
                        "each listener must have a different name; " + endpoint.name() + " is repeated");
            }
            if (endpoint.port() != 0 && !ports.add(endpoint.port())) {
                throw new ConfigException(CairnConfig.LISTENERS, listenersValue,
                        "each listener must have a different port; " + endpoint.port() + " is repeated");
            }
        }
        Map<String, Endpoint> advertised = new LinkedHashMap<>();
        bound.forEach(endpoint -> advertised.put(endpoint.name(), endpoint));
        if (advertisedValue != null && !advertisedValue.isBlank()) {
            for (Endpoint endpoint : endpoints(CairnConfig.ADVERTISED_LISTENERS, advertisedValue, protocols)) {
                if (controllers.contains(endpoint.name())) {
                    continue;
                }
                if (!names.contains(endpoint.name())) {
                    throw new ConfigException(CairnConfig.ADVERTISED_LISTENERS, advertisedValue, "advertises "
                            + endpoint.name() + ", which is not one of listeners (" + String.join(",", names) + ")");
                }
                advertised.put(endpoint.name(), endpoint);
            }
        }
        Endpoint interBroker;
        if (interBrokerName != null && !interBrokerName.isBlank()) {
            interBroker = advertised.get(interBrokerName.trim().toUpperCase(Locale.ROOT));
            if (interBroker == null) {
                throw new ConfigException(CairnConfig.INTER_BROKER_LISTENER_NAME, interBrokerName,
                        "not one of listeners (" + String.join(",", names) + ")");
            }
        } else {
            interBroker = advertised.getOrDefault(SecurityProtocol.PLAINTEXT.name, advertised.get(bound.get(0).name()));
        }
        return new Listeners(bound, advertised, interBroker);
    }

    private static Map<String, SecurityProtocol> protocolMap(String value) {
        Map<String, SecurityProtocol> map = new HashMap<>();
        for (String entry : value.split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            String[] parts = entry.trim().split(":");
            if (parts.length != 2) {
                throw new ConfigException(CairnConfig.LISTENER_SECURITY_PROTOCOL_MAP, value,
                        "expected NAME:PROTOCOL entries, comma separated");
            }
            try {
                map.put(parts[0].trim().toUpperCase(Locale.ROOT),
                        SecurityProtocol.forName(parts[1].trim().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(CairnConfig.LISTENER_SECURITY_PROTOCOL_MAP, value,
                        "unknown security protocol " + parts[1].trim());
            }
        }
        return map;
    }

    private static List<Endpoint> endpoints(String property, String value, Map<String, SecurityProtocol> protocols) {
        List<Endpoint> endpoints = new ArrayList<>();
        for (String entry : value.split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            Matcher matcher = ENDPOINT.matcher(entry.trim());
            if (!matcher.matches()) {
                throw new ConfigException(property, value, "expected NAME://host:port entries, e.g. "
                        + "PLAINTEXT://127.0.0.1:9092,SSL://127.0.0.1:9093");
            }
            String name = matcher.group(1).toUpperCase(Locale.ROOT);
            SecurityProtocol protocol = protocols.get(name);
            if (protocol == null) {
                throw new ConfigException(property, value, "no security protocol for listener " + name + " in "
                        + CairnConfig.LISTENER_SECURITY_PROTOCOL_MAP);
            }
            int port = Integer.parseInt(matcher.group(3));
            if (port < 0 || port > 65535) {
                throw new ConfigException(property, value, "port " + port + " of listener " + name
                        + " is not between 0 and 65535");
            }
            String host = matcher.group(2).isEmpty() ? "0.0.0.0" : matcher.group(2);
            endpoints.add(new Endpoint(name, protocol, host, port));
        }
        return endpoints;
    }

    /** The listeners to bind, in the order given. */
    public List<Endpoint> bound() {
        return bound;
    }

    /** The advertised endpoint of a listener: from advertised.listeners, else its own address. */
    public Endpoint advertised(String name) {
        return advertised.get(name);
    }

    /** The listener whose advertised endpoint the broker registers, and other brokers use. */
    public Endpoint interBroker() {
        return interBroker;
    }

    /** The bound listener of that name. */
    public Endpoint bound(String name) {
        return bound.stream().filter(endpoint -> endpoint.name().equals(name)).findFirst().orElseThrow();
    }
}
