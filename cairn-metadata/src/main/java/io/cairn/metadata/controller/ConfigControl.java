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
import io.cairn.metadata.config.DynamicBrokerConfigs;
import io.cairn.metadata.config.GroupConfigs;
import io.cairn.metadata.config.KafkaBrokerConfigs;
import io.cairn.metadata.config.TopicConfigs;
import io.cairn.metadata.record.ConfigRecord;
import io.cairn.metadata.record.MetadataRecord;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;

/**
 * Decides IncrementalAlterConfigs and AlterConfigs for TOPIC resources (the topic's overrides), BROKER
 * resources (a broker id, or "" for the cluster-wide default), the latter with Kafka's dynamic broker config rules
 * ({@link DynamicBrokerConfigs}), and GROUP resources (a consumer group's {@link GroupConfigs}). Writes one ConfigRecord per changed key; validation-only requests write nothing.
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
            Outcome outcome;
            if (resource.resourceType() == ConfigResource.Type.BROKER.id()) {
                outcome = incrementalBroker(image, resource);
            } else {
                outcome = resolve(image, resource.resourceType(), resource.resourceName());
                if (outcome.error() == Errors.NONE) {
                    outcome = applyOps(image, settings, outcome, resource.resourceName(), resource.configs());
                }
                if (outcome.error() == Errors.NONE) {
                    outcome = validate(outcome, settings);
                }
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
                                                                          ControllerSettings settings,
                                                                          AlterConfigsRequestData request) {
        AlterConfigsResponseData response = new AlterConfigsResponseData();
        List<MetadataRecord> records = new ArrayList<>();
        for (AlterConfigsRequestData.AlterConfigsResource resource : request.resources()) {
            if (resource.resourceType() == ConfigResource.Type.BROKER.id()) {
                Outcome outcome = legacyBroker(image, resource);
                response.responses().add(new AlterConfigsResponseData.AlterConfigsResourceResponse()
                        .setResourceType(resource.resourceType()).setResourceName(resource.resourceName())
                        .setErrorCode(outcome.error().code()).setErrorMessage(outcome.message()));
                if (outcome.error() == Errors.NONE && !request.validateOnly()) {
                    records.addAll(diff(outcome, resource.resourceName()));
                }
                continue;
            }
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
                    outcome = validate(new Outcome(Errors.NONE, null, outcome.type(), outcome.before(), after),
                            settings);
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
        if (type == ConfigResource.Type.GROUP) {
            // As Kafka, a group's configs may be set before the group exists.
            if (name == null || name.isEmpty()) {
                return Outcome.fail(Errors.INVALID_REQUEST, "Group id cannot be empty.");
            }
            return new Outcome(Errors.NONE, null, ConfigRecord.ResourceType.GROUP, image.groupConfigs(name),
                    image.groupConfigs(name));
        }
        return Outcome.fail(Errors.INVALID_REQUEST, "Unsupported resource type " + type);
    }

    /**
     * A BROKER resource, as Kafka's receiving broker and controller check it together (ConfigAdminManager
     * .preprocess, DynamicBrokerConfig.validate, the controller's existence check): duplicate keys and null values,
     * the broker id, the operations on the stored configs, Kafka's dynamic-config rules, a registered broker.
     * The receiving node has already checked that a broker id is its own.
     */
    private static Outcome incrementalBroker(MetadataImage image,
                                             IncrementalAlterConfigsRequestData.AlterConfigsResource resource) {
        Set<String> names = new HashSet<>();
        List<String> nulls = new ArrayList<>();
        List<DynamicBrokerConfigs.Op> ops = new ArrayList<>();
        for (AlterableConfig op : resource.configs()) {
            if (!names.add(op.name())) {
                return Outcome.fail(Errors.INVALID_REQUEST, "Error due to duplicate config keys");
            }
            if (op.configOperation() != DELETE && op.value() == null) {
                nulls.add(op.name());
            }
            ops.add(new DynamicBrokerConfigs.Op(op.name(), op.configOperation(), op.value()));
        }
        if (!nulls.isEmpty()) {
            return Outcome.fail(Errors.INVALID_REQUEST, "Null value not supported for : " + String.join(", ", nulls));
        }
        String name = resource.resourceName();
        Optional<ApiError> badName = DynamicBrokerConfigs.parseError(name);
        if (badName.isPresent()) {
            return Outcome.fail(badName.get().error(), badName.get().message());
        }
        Map<String, String> stored = image.brokerConfigs(name);
        DynamicBrokerConfigs.Change change = DynamicBrokerConfigs.applyOps(
                DynamicBrokerConfigs.effectiveStored(stored, !name.isEmpty()), ops);
        if (change.error().isFailure()) {
            return Outcome.fail(change.error().error(), change.error().message());
        }
        Outcome checked = checkBroker(image, name, change.configs());
        if (checked != null) {
            return checked;
        }
        // Only the keys the request names change; stored configs Kafka ignores are left as they are.
        Map<String, String> after = new TreeMap<>(stored);
        for (String key : names) {
            if (change.configs().containsKey(key)) {
                after.put(key, change.configs().get(key));
            } else {
                after.remove(key);
            }
        }
        return new Outcome(Errors.NONE, null, ConfigRecord.ResourceType.BROKER, stored, after);
    }

    /** Legacy AlterConfigs on a BROKER resource: the given configs replace every stored one. */
    private static Outcome legacyBroker(MetadataImage image, AlterConfigsRequestData.AlterConfigsResource resource) {
        Map<String, String> after = new TreeMap<>();
        List<String> nulls = new ArrayList<>();
        for (AlterConfigsRequestData.AlterableConfig c : resource.configs()) {
            if (after.containsKey(c.name())) {
                return Outcome.fail(Errors.INVALID_REQUEST, "Error due to duplicate config keys");
            }
            if (c.value() == null) {
                nulls.add(c.name());
            }
            after.put(c.name(), c.value());
        }
        if (!nulls.isEmpty()) {
            return Outcome.fail(Errors.INVALID_REQUEST, "Null value not supported for : " + String.join(", ", nulls));
        }
        String name = resource.resourceName();
        Optional<ApiError> badName = DynamicBrokerConfigs.parseError(name);
        if (badName.isPresent()) {
            return Outcome.fail(badName.get().error(), badName.get().message());
        }
        Outcome checked = checkBroker(image, name, after);
        return checked != null ? checked
                : new Outcome(Errors.NONE, null, ConfigRecord.ResourceType.BROKER, image.brokerConfigs(name), after);
    }

    /** Kafka's dynamic-config rules, a registered broker id, Kafka's value size limit; null when all pass. */
    private static Outcome checkBroker(MetadataImage image, String name, Map<String, String> configs) {
        ApiError invalid = DynamicBrokerConfigs.validate(configs, !name.isEmpty());
        if (invalid.isFailure()) {
            return Outcome.fail(invalid.error(), invalid.message());
        }
        // Stricter than Kafka: a topic default (log.retention.ms, message.max.bytes...) must also be a value the
        // topic config it gives accepts, or every log of the cluster would refuse it when applying it.
        for (Map.Entry<String, String> e : configs.entrySet()) {
            if (TopicConfigs.topicConfigForBrokerKey(e.getKey()).isPresent()) {
                Optional<String> error = TopicConfigs.validateBrokerConfig(e.getKey(), e.getValue());
                if (error.isPresent()) {
                    return Outcome.fail(Errors.INVALID_REQUEST, error.get());
                }
            }
        }
        try {
            KafkaBrokerConfigs.parsePerIpOverrides(configs.get("max.connections.per.ip.overrides"));
        } catch (ConfigException e) {
            return Outcome.fail(Errors.INVALID_REQUEST, e.getMessage());
        }
        if (!name.isEmpty() && !image.brokers().containsKey(Integer.parseInt(name))) {
            return Outcome.fail(Errors.BROKER_ID_NOT_REGISTERED, "No node with id " + name + " found.");
        }
        for (String value : configs.values()) {
            if (value.length() > Short.MAX_VALUE) {
                return Outcome.fail(Errors.INVALID_CONFIG, "The configuration value cannot be added because it "
                        + "exceeds the maximum value size of " + Short.MAX_VALUE + " bytes.");
            }
        }
        return null;
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
        return TopicConfigs.type(name);
    }

    /** The effective value before the change, for APPEND/SUBTRACT on a key without an override. */
    private static String currentValue(MetadataImage image, ControllerSettings settings,
                                       ConfigRecord.ResourceType type, String resourceName, String key) {
        Map<String, String> overrides = image.topic(resourceName).map(TopicImage::configs).orElse(Map.of());
        for (DescribedConfig c : TopicConfigs.describe(settings.brokerConfigs(), DynamicBrokerConfigs.clusterDefaults(image),
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

    private static Outcome validate(Outcome outcome, ControllerSettings settings) {
        Optional<String> error = outcome.type() == ConfigRecord.ResourceType.GROUP
                ? GroupConfigs.validate(outcome.after(), settings.brokerConfigs())
                : TopicConfigs.validate(outcome.after());
        return error.isPresent() ? Outcome.fail(Errors.INVALID_CONFIG, error.get()) : outcome;
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
