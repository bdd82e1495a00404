package io.cairn.metadata.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.common.config.ConfigDef;

/**
 * Kafka's configs of a consumer group (the GROUP config resource of KIP-848): the session timeout and heartbeat
 * interval a group's members get instead of the broker's {@code group.consumer.*} defaults, checked against the
 * broker's bounds as Kafka's GroupConfig checks them.
 *
 * <p>Thread-safe (stateless).
 */
public final class GroupConfigs {

    public static final String CONSUMER_SESSION_TIMEOUT_MS = "consumer.session.timeout.ms";
    public static final String CONSUMER_HEARTBEAT_INTERVAL_MS = "consumer.heartbeat.interval.ms";

    /** A group config: the broker config it overrides and the broker configs bounding it, with Kafka's defaults. */
    private record Definition(String name, String brokerKey, int brokerDefault, String minKey, int minDefault,
                              String maxKey, int maxDefault, String documentation) {
    }

    private static final List<Definition> DEFINITIONS = List.of(
            new Definition(CONSUMER_SESSION_TIMEOUT_MS, "group.consumer.session.timeout.ms", 45_000,
                    "group.consumer.min.session.timeout.ms", 45_000, "group.consumer.max.session.timeout.ms", 60_000,
                    "The timeout to detect client failures when using the consumer group protocol."),
            new Definition(CONSUMER_HEARTBEAT_INTERVAL_MS, "group.consumer.heartbeat.interval.ms", 5_000,
                    "group.consumer.min.heartbeat.interval.ms", 5_000, "group.consumer.max.heartbeat.interval.ms",
                    15_000, "The heartbeat interval given to the members of a consumer group."));

    private GroupConfigs() {
    }

    /**
     * The first problem of a group's overrides, with Kafka's message, or empty.
     *
     * @param brokerConfigs the node's static broker configs (the bounds)
     */
    public static Optional<String> validate(Map<String, String> overrides, Map<String, String> brokerConfigs) {
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            Optional<Definition> definition = definition(e.getKey());
            if (definition.isEmpty()) {
                return Optional.of("Unknown group config name: " + e.getKey());
            }
            Definition d = definition.get();
            int value;
            try {
                value = Integer.parseInt(e.getValue().trim());
            } catch (NumberFormatException | NullPointerException ex) {
                return Optional.of("Invalid value " + e.getValue() + " for configuration " + d.name()
                        + ": Not a number of type INT");
            }
            int min = intConfig(brokerConfigs, d.minKey(), d.minDefault());
            int max = intConfig(brokerConfigs, d.maxKey(), d.maxDefault());
            if (value < min) {
                return Optional.of(d.name() + " must be greater than or equal to " + d.minKey());
            }
            if (value > max) {
                return Optional.of(d.name() + " must be less than or equal to " + d.maxKey());
            }
        }
        return Optional.empty();
    }

    /** Every group config with its value: the group's override, else the broker's setting, else Kafka's default. */
    public static List<DescribedConfig> describe(Map<String, String> overrides, Map<String, String> brokerConfigs) {
        List<DescribedConfig> described = new ArrayList<>();
        for (Definition d : DEFINITIONS) {
            String override = overrides.get(d.name());
            String value = override != null ? override
                    : Integer.toString(intConfig(brokerConfigs, d.brokerKey(), d.brokerDefault()));
            ConfigSource source = override != null ? ConfigSource.DYNAMIC_GROUP_CONFIG : ConfigSource.DEFAULT_CONFIG;
            described.add(new DescribedConfig(d.name(), value, source, ConfigDef.Type.INT, false, false,
                    d.documentation()));
        }
        return described;
    }

    /** The value of a group config for a group with {@code overrides}, else {@code fallback}. */
    public static int value(Map<String, String> overrides, String name, int fallback) {
        String override = overrides.get(name);
        if (override == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(override.trim());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static Optional<Definition> definition(String name) {
        return DEFINITIONS.stream().filter(d -> d.name().equals(name)).findFirst();
    }

    private static int intConfig(Map<String, String> configs, String key, int fallback) {
        String value = configs.get(key);
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
