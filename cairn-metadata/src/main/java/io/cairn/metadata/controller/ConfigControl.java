package io.cairn.metadata.controller;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.TopicImage;
import io.cairn.metadata.config.DescribedConfig;
import io.cairn.metadata.config.TopicConfigs;
import io.cairn.metadata.record.ConfigRecord;
import io.cairn.metadata.record.MetadataRecord;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.protocol.Errors;

/**
 * Decides IncrementalAlterConfigs and AlterConfigs for TOPIC resources (the topic's overrides) and BROKER
 * resources (a broker id, or "" for the cluster-wide default; only the settings that give topic defaults are
 * dynamic). Writes one ConfigRecord per changed key; validation-only requests write nothing.
 *
 * <p>Thread-safe (stateless, pure).
 */
public final class ConfigControl {

    private static final byte SET = 0;
    private static final byte DELETE = 1;
    private static final byte APPEND = 2;
    private static final byte SUBTRACT = 3;

    private ConfigControl() {
    }

    /** A resource's outcome: an error, or the new override map. */
    private record Outcome(Errors error, String message, ConfigRecord.ResourceType type, Map<String, String> before,
                           Map<String, String> after) {
        static Outcome fail(Errors error, String message) {
            return new Outcome(error, message, null, null, null);
        }
    }

    public static ControllerResult<IncrementalAlterConfigsResponseData> incrementalAlterConfigs(
            MetadataImage image, ControllerSettings settings, IncrementalAlterConfigsRequestData request) {
        IncrementalAlterConfigsResponseData response = new IncrementalAlterConfigsResponseData();
        List<MetadataRecord> records = new ArrayList<>();
        for (IncrementalAlterConfigsRequestData.AlterConfigsResource resource : request.resources()) {
            Outcome outcome = resolve(image, resource.resourceType(), resource.resourceName());
            if (outcome.error() == Errors.NONE) {
                outcome = applyOps(image, settings, outcome, resource.resourceName(), resource.configs());
            }
            if (outcome.error() == Errors.NONE) {
                outcome = validate(outcome);
            }
            response.responses().add(new AlterConfigsResourceResponse()
                    .setResourceType(resource.resourceType()).setResourceName(resource.resourceName())
                    .setErrorCode(outcome.error().code()).setErrorMessage(outcome.message()));
            if (outcome.error() == Errors.NONE && !request.validateOnly()) {
                records.addAll(diff(outcome, resource.resourceName()));
            }
        }
        return ControllerResult.of(records, response);
    }

    /** Legacy AlterConfigs: the given configs replace all overrides of the resource. */
    public static ControllerResult<AlterConfigsResponseData> alterConfigs(MetadataImage image,
                                                                          AlterConfigsRequestData request) {
        AlterConfigsResponseData response = new AlterConfigsResponseData();
        List<MetadataRecord> records = new ArrayList<>();
        for (AlterConfigsRequestData.AlterConfigsResource resource : request.resources()) {
            Outcome outcome = resolve(image, resource.resourceType(), resource.resourceName());
            if (outcome.error() == Errors.NONE) {
                Map<String, String> after = new TreeMap<>();
                for (AlterConfigsRequestData.AlterableConfig c : resource.configs()) {
                    if (after.put(c.name(), c.value()) != null) {
                        outcome = Outcome.fail(Errors.INVALID_REQUEST, "Duplicate config key " + c.name());
                        break;
                    }
                }
                if (outcome.error() == Errors.NONE) {
                    outcome = validate(new Outcome(Errors.NONE, null, outcome.type(), outcome.before(), after));
                }
            }
            response.responses().add(new AlterConfigsResponseData.AlterConfigsResourceResponse()
                    .setResourceType(resource.resourceType()).setResourceName(resource.resourceName())
                    .setErrorCode(outcome.error().code()).setErrorMessage(outcome.message()));
            if (outcome.error() == Errors.NONE && !request.validateOnly()) {
                records.addAll(diff(outcome, resource.resourceName()));
            }
        }
        return ControllerResult.of(records, response);
    }

    /** Finds the resource and its current overrides. */
    private static Outcome resolve(MetadataImage image, byte resourceType, String name) {
        ConfigResource.Type type = ConfigResource.Type.forId(resourceType);
        if (type == ConfigResource.Type.TOPIC) {
            Optional<TopicImage> topic = image.topic(name);
            if (topic.isEmpty()) {
                return Outcome.fail(Errors.UNKNOWN_TOPIC_OR_PARTITION, "Topic '" + name + "' does not exist.");
            }
            return new Outcome(Errors.NONE, null, ConfigRecord.ResourceType.TOPIC, topic.get().configs(),
                    topic.get().configs());
        }
        if (type == ConfigResource.Type.BROKER) {
            if (!name.isEmpty()) {
                try {
                    Integer.parseInt(name);
                } catch (NumberFormatException e) {
                    return Outcome.fail(Errors.INVALID_REQUEST, "Broker id must be an integer or empty: " + name);
                }
            }
            Map<String, String> current = image.brokerConfigs(name);
            return new Outcome(Errors.NONE, null, ConfigRecord.ResourceType.BROKER, current, current);
        }
        return Outcome.fail(Errors.INVALID_REQUEST, "Unsupported resource type " + type);
    }

    private static Outcome applyOps(MetadataImage image, ControllerSettings settings, Outcome resolved,
                                    String resourceName, IncrementalAlterConfigsRequestData.AlterableConfigCollection ops) {
        Map<String, String> after = new TreeMap<>(resolved.before());
        Set<String> seen = new HashSet<>();
        for (AlterableConfig op : ops) {
            if (!seen.add(op.name())) {
                return Outcome.fail(Errors.INVALID_REQUEST, "Duplicate config key " + op.name());
            }
            switch (op.configOperation()) {
                case SET -> after.put(op.name(), op.value());
                case DELETE -> after.remove(op.name());
                case APPEND, SUBTRACT -> {
                    Optional<ConfigDef.Type> type = listType(resolved.type(), op.name());
                    if (type.isEmpty() || type.get() != ConfigDef.Type.LIST) {
                        return Outcome.fail(Errors.INVALID_CONFIG, "Config " + op.name()
                                + " is not a list; APPEND and SUBTRACT apply to lists only.");
                    }
                    String current = after.containsKey(op.name()) ? after.get(op.name())
                            : currentValue(image, settings, resolved.type(), resourceName, op.name());
                    after.put(op.name(), appendOrSubtract(current, op.value(), op.configOperation() == APPEND));
                }
                default -> {
                    return Outcome.fail(Errors.INVALID_REQUEST, "Unknown config operation "
                            + op.configOperation());
                }
            }
        }
        return new Outcome(Errors.NONE, null, resolved.type(), resolved.before(), after);
    }

    private static Optional<ConfigDef.Type> listType(ConfigRecord.ResourceType type, String name) {
        String topicKey = type == ConfigRecord.ResourceType.TOPIC ? name
                : TopicConfigs.topicConfigForBrokerKey(name).orElse(null);
        return topicKey == null ? Optional.empty() : TopicConfigs.type(topicKey);
    }

    /** The effective value before the change, for APPEND/SUBTRACT on a key without an override. */
    private static String currentValue(MetadataImage image, ControllerSettings settings,
                                       ConfigRecord.ResourceType type, String resourceName, String key) {
        if (type == ConfigRecord.ResourceType.BROKER) {
            return settings.brokerConfigs().getOrDefault(key, "");
        }
        Map<String, String> overrides = image.topic(resourceName).map(TopicImage::configs).orElse(Map.of());
        for (DescribedConfig c : TopicConfigs.describe(settings.brokerConfigs(), image.brokerConfigs(""),
                overrides)) {
            if (c.name().equals(key)) {
                return c.value();
            }
        }
        return "";
    }

    private static String appendOrSubtract(String current, String value, boolean append) {
        Set<String> items = new LinkedHashSet<>();
        for (String s : current.split(",")) {
            if (!s.isBlank()) {
                items.add(s.trim());
            }
        }
        for (String s : (value == null ? "" : value).split(",")) {
            if (!s.isBlank()) {
                if (append) {
                    items.add(s.trim());
                } else {
                    items.remove(s.trim());
                }
            }
        }
        return String.join(",", items);
    }

    private static Outcome validate(Outcome outcome) {
        if (outcome.type() == ConfigRecord.ResourceType.TOPIC) {
            Optional<String> error = TopicConfigs.validate(outcome.after());
            return error.isPresent() ? Outcome.fail(Errors.INVALID_CONFIG, error.get()) : outcome;
        }
        for (Map.Entry<String, String> e : outcome.after().entrySet()) {
            if (e.getValue() == null) {
                return Outcome.fail(Errors.INVALID_CONFIG, "Null value for broker config " + e.getKey());
            }
            if (!e.getValue().equals(outcome.before().get(e.getKey()))) {
                Optional<String> error = TopicConfigs.validateBrokerConfig(e.getKey(), e.getValue());
                if (error.isPresent()) {
                    return Outcome.fail(Errors.INVALID_CONFIG, error.get());
                }
            }
        }
        return outcome;
    }

    private static List<MetadataRecord> diff(Outcome outcome, String resourceName) {
        List<MetadataRecord> records = new ArrayList<>();
        Set<String> keys = new TreeSet<>(outcome.before().keySet());
        keys.addAll(outcome.after().keySet());
        for (String key : keys) {
            String before = outcome.before().get(key);
            String after = outcome.after().get(key);
            if (after == null ? before != null : !after.equals(before)) {
                records.add(new ConfigRecord(outcome.type(), resourceName, key, after));
            }
        }
        return records;
    }
}
