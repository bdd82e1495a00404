package io.cairn.broker.handlers;

import java.util.List;
import java.util.Optional;

import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.TopicImage;
import io.cairn.metadata.record.MetadataRecord;
import io.cairn.metadata.record.MetadataRecordSerde;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.DescribeConfigsRequestData.DescribeConfigsResource;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeConfigsResponse;

/**
 * The decision history behind {@code cairn explain} (docs/adr/0023), answered through DescribeConfigs: a
 * DescribeConfigs that asks for exactly one key, {@value #KEY} (a topic's partitions, or a broker) or
 * {@value #KEY}{@code .<partition>} (one partition of a topic), gets one read-only entry per kept history step,
 * named as asked, whose value is the step's {@link io.cairn.metadata.record.PartitionHistoryRecord} or
 * {@link io.cairn.metadata.record.BrokerHistoryRecord} in the metadata log's own encoding
 * ({@link MetadataRecordSerde}). A describe of all configs never includes these keys, so Kafka's tools see nothing
 * new; authorization is DescribeConfigs' own (DESCRIBE_CONFIGS on the topic, or on the cluster for a broker).
 *
 * <p>Answered from this node's committed image (never forwarded): what this node has applied. A broker resource
 * may name any registered broker, unlike a config describe, which answers only for the node itself.
 *
 * <p>Thread-safe (stateless).
 */
public final class DecisionHistoryConfigs {

    /** The key that asks for history instead of configs. */
    public static final String KEY = "cairn.history";
    /**
     * The most steps one answer for a whole topic holds (about 300 bytes each); a topic with more is refused with a
     * message that says to ask for one partition, rather than building a response of hundreds of MB.
     */
    static final int MAX_STEPS = 20_000;

    private DecisionHistoryConfigs() {
    }

    /** The answer to {@code resource} if it asks for history; empty when it is an ordinary config describe. */
    static Optional<DescribeConfigsResult> describe(MetadataImage image, DescribeConfigsResource resource) {
        return describe(image, resource, MAX_STEPS);
    }

    static Optional<DescribeConfigsResult> describe(MetadataImage image, DescribeConfigsResource resource,
                                                    int maxSteps) {
        List<String> keys = resource.configurationKeys();
        if (keys == null || keys.size() != 1 || !keys.get(0).startsWith(KEY)) {
            return Optional.empty();
        }
        String key = keys.get(0);
        DescribeConfigsResult result = new DescribeConfigsResult().setResourceType(resource.resourceType())
                .setResourceName(resource.resourceName());
        ConfigResource.Type type = ConfigResource.Type.forId(resource.resourceType());
        if (type == ConfigResource.Type.TOPIC) {
            Optional<TopicImage> topic = image.topic(resource.resourceName());
            if (topic.isEmpty()) {
                return Optional.of(error(result, Errors.UNKNOWN_TOPIC_OR_PARTITION,
                        "Unknown topic " + resource.resourceName()));
            }
            if (key.equals(KEY)) {
                var histories = image.history().topic(topic.get().id());
                long steps = histories.values().stream().mapToLong(List::size).sum();
                if (steps > maxSteps) {
                    return Optional.of(error(result, Errors.INVALID_REQUEST, "Topic " + topic.get().name() + " has "
                            + steps + " recorded changes over " + histories.size() + " partitions, more than "
                            + maxSteps + " in one answer: ask for one partition (" + topic.get().name() + "-N)"));
                }
                histories.values().forEach(s -> add(result, key, s));
                return Optional.of(result);
            }
            Optional<Integer> partition = partitionOf(key);
            if (partition.isEmpty() || !topic.get().partitions().containsKey(partition.get())) {
                return Optional.of(error(result, Errors.UNKNOWN_TOPIC_OR_PARTITION, "Topic " + topic.get().name()
                        + " has no partition " + key.substring(KEY.length()).replaceFirst("^\\.", "")
                        + " (it has " + topic.get().partitions().size() + ")"));
            }
            add(result, key, image.history().partition(topic.get().id(), partition.get()));
            return Optional.of(result);
        }
        if (type == ConfigResource.Type.BROKER && key.equals(KEY)) {
            Integer id = parseInt(resource.resourceName());
            if (id == null || !image.brokers().containsKey(id)) {
                return Optional.of(error(result, Errors.BROKER_NOT_AVAILABLE, "Broker " + resource.resourceName()
                        + " is not registered (registered: " + image.brokers().keySet() + ")"));
            }
            add(result, key, image.history().broker(id));
            return Optional.of(result);
        }
        return Optional.of(error(result, Errors.INVALID_REQUEST, "History is kept for topics (" + KEY + " or "
                + KEY + ".<partition>) and brokers (" + KEY + ")"));
    }

    private static void add(DescribeConfigsResult result, String key, List<? extends MetadataRecord> steps) {
        for (MetadataRecord step : steps) {
            result.configs().add(new DescribeConfigsResourceResult().setName(key)
                    .setValue(new String(MetadataRecordSerde.serializeRecord(step),
                            java.nio.charset.StandardCharsets.UTF_8))
                    .setReadOnly(true).setIsSensitive(false)
                    .setConfigSource(DescribeConfigsResponse.ConfigSource.UNKNOWN.id()));
        }
    }

    private static Optional<Integer> partitionOf(String key) {
        if (!key.startsWith(KEY + ".")) {
            return Optional.empty();
        }
        Integer p = parseInt(key.substring(KEY.length() + 1));
        return p == null || p < 0 ? Optional.empty() : Optional.of(p);
    }

    private static Integer parseInt(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static DescribeConfigsResult error(DescribeConfigsResult result, Errors error, String message) {
        return result.setErrorCode(error.code()).setErrorMessage(message);
    }
}
