package io.cairn.metadata.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

import io.cairn.metadata.MetadataImage;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;

/**
 * Kafka's rules for changing broker configs at run time (KIP-226), as its brokers apply them to AlterConfigs and
 * IncrementalAlterConfigs on a BROKER resource (Kafka's {@code ConfigAdminManager.preprocess} and
 * {@code DynamicBrokerConfig.validate}): the resource is a broker id (this broker's) or "" for the cluster-wide
 * default; every {@link KafkaBrokerConfigs#isDynamic dynamic} config is accepted with its type checked, and so is
 * a name Kafka does not know (a custom config); a config Kafka never changes dynamically, a listener-only security
 * config without its prefix and a per-broker config at the cluster level are refused with Kafka's messages.
 *
 * <p>Thread-safe (stateless, pure).
 */
public final class DynamicBrokerConfigs {

    private DynamicBrokerConfigs() {
    }

    /**
     * The receiving broker's check of the resource name: "" or its own id.
     *
     * @return NONE, or INVALID_REQUEST with Kafka's message
     */
    public static ApiError checkResourceName(String name, int thisBrokerId) {
        if (name.isEmpty()) {
            return ApiError.NONE;
        }
        Optional<ApiError> parse = parseError(name);
        if (parse.isPresent()) {
            return parse.get();
        }
        if (Integer.parseInt(name) != thisBrokerId) {
            return new ApiError(Errors.INVALID_REQUEST, "Unexpected broker id, expected " + thisBrokerId
                    + ", but received " + name);
        }
        return ApiError.NONE;
    }

    /** INVALID_REQUEST when a non-empty broker resource name is not a non-negative integer. */
    public static Optional<ApiError> parseError(String name) {
        if (name.isEmpty()) {
            return Optional.empty();
        }
        try {
            if (Integer.parseInt(name) < 0) {
                return Optional.of(new ApiError(Errors.INVALID_REQUEST, "Invalid negative broker ID."));
            }
            return Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.of(new ApiError(Errors.INVALID_REQUEST, "Node id must be an integer, but it is: " + name));
        }
    }

    /**
     * The stored configs of a resource that still count, as Kafka reads them back ({@code fromPersistentProps}):
     * without non-dynamic configs, listener-only security configs without prefix, per-broker configs stored at the
     * cluster level, and values of the wrong type (which an older Cairn may have stored).
     */
    public static Map<String, String> effectiveStored(Map<String, String> stored, boolean perBroker) {
        Map<String, String> result = new TreeMap<>();
        stored.forEach((name, value) -> {
            if (value != null && !KafkaBrokerConfigs.isStatic(name) && !KafkaBrokerConfigs.isListenerOnlySecurity(name)
                    && (perBroker || !KafkaBrokerConfigs.isPerBrokerOnly(name))
                    && typeError(Map.of(name, value)).isEmpty()) {
                result.put(name, value);
            }
        });
        return result;
    }

    /** The cluster-wide dynamic broker configs in force (see {@link #effectiveStored}). */
    public static Map<String, String> clusterDefaults(MetadataImage image) {
        return effectiveStored(image.brokerConfigs(""), false);
    }

    /**
     * The dynamic configs that apply to a broker: the cluster-wide defaults overlaid with the broker's own, as
     * Kafka merges them (only the ones Kafka would read back, see {@link #effectiveStored}).
     */
    public static Map<String, String> forBroker(MetadataImage image, int brokerId) {
        Map<String, String> result = new TreeMap<>(effectiveStored(image.brokerConfigs(""), false));
        result.putAll(effectiveStored(image.brokerConfigs(Integer.toString(brokerId)), true));
        return result;
    }

    /** An incremental change: Kafka's AlterConfigOp with its op type id (0 SET, 1 DELETE, 2 APPEND, 3 SUBTRACT). */
    public record Op(String name, byte operation, String value) {
    }

    /** The new configs, or the error that refused the change. */
    public record Change(ApiError error, Map<String, String> configs) {
        static Change fail(Errors error, String message) {
            return new Change(new ApiError(error, message), null);
        }
    }

    /**
     * Applies IncrementalAlterConfigs operations to a resource's effective stored configs, as Kafka's
     * {@code prepareIncrementalConfigs}: APPEND and SUBTRACT start from the stored value or Kafka's default, and
     * apply to LIST configs only.
     */
    public static Change applyOps(Map<String, String> current, List<Op> ops) {
        Map<String, String> after = new TreeMap<>(current);
        for (Op op : ops) {
            switch (op.operation()) {
                case 0 -> after.put(op.name(), op.value());
                case 1 -> after.remove(op.name());
                case 2, 3 -> {
                    boolean append = op.operation() == 2;
                    Optional<Type> type = KafkaBrokerConfigs.type(op.name());
                    if (type.isEmpty()) {
                        return Change.fail(Errors.INVALID_CONFIG, "Unknown config name: " + op.name());
                    }
                    if (type.get() != Type.LIST) {
                        return Change.fail(Errors.INVALID_CONFIG, "Config value " + (append ? "append" : "subtract")
                                + " is not allowed for config key: " + op.name());
                    }
                    String old = after.containsKey(op.name()) ? after.get(op.name())
                            : KafkaBrokerConfigs.dynamicDefault(op.name()).orElse("");
                    after.put(op.name(), appendOrSubtract(old, op.value(), append));
                }
                default -> {
                    return Change.fail(Errors.INVALID_REQUEST, "Unknown operations type " + op.operation());
                }
            }
        }
        return new Change(ApiError.NONE, after);
    }

    private static String appendOrSubtract(String old, String value, boolean append) {
        List<String> items = new ArrayList<>(append && old.isEmpty() ? List.of() : List.of(old.split(",", -1)));
        for (String s : value.split(",")) {
            if (!append) {
                items.remove(s);
            } else if (!items.contains(s)) {
                items.add(s);
            }
        }
        return String.join(",", items);
    }

    /**
     * Kafka's validation of a broker resource's configs after a change (all of them, old and new):
     * non-dynamic names, then listener-only security configs, then value types, then per-broker configs at the
     * cluster level. Kafka answers each with INVALID_REQUEST and the ConfigException's message.
     */
    public static ApiError validate(Map<String, String> configs, boolean perBroker) {
        Set<String> nonDynamic = names(configs, KafkaBrokerConfigs::isStatic);
        if (!nonDynamic.isEmpty()) {
            return invalid("Cannot update these configs dynamically: " + nonDynamic);
        }
        Set<String> security = names(configs, KafkaBrokerConfigs::isListenerOnlySecurity);
        if (!security.isEmpty()) {
            return invalid("These security configs can be dynamically updated only per-listener using the listener "
                    + "prefix: " + security);
        }
        Optional<String> typeError = typeError(configs);
        if (typeError.isPresent()) {
            return invalid(typeError.get());
        }
        if (!perBroker) {
            Set<String> perBrokerOnly = names(configs, KafkaBrokerConfigs::isPerBrokerOnly);
            if (!perBrokerOnly.isEmpty()) {
                return invalid("Cannot update these configs at default cluster level, broker id must be specified: "
                        + perBrokerOnly);
            }
        }
        return ApiError.NONE;
    }

    private static ApiError invalid(String message) {
        return new ApiError(Errors.INVALID_REQUEST, message);
    }

    private static Set<String> names(Map<String, String> configs, Predicate<String> test) {
        Set<String> names = new TreeSet<>();
        for (String name : configs.keySet()) {
            if (test.test(name)) {
                names.add(name);
            }
        }
        return names;
    }

    /** Parses every dynamic config (a listener-prefixed one as its base config) with Kafka's types and validators. */
    private static Optional<String> typeError(Map<String, String> configs) {
        Map<String, String> base = new LinkedHashMap<>();
        configs.forEach((name, value) -> base.put(KafkaBrokerConfigs.listenerBase(name).orElse(name), value));
        try {
            KafkaBrokerConfigs.dynamicDef().parse(base);
            return Optional.empty();
        } catch (ConfigException e) {
            return Optional.of(e.getMessage());
        }
    }
}
