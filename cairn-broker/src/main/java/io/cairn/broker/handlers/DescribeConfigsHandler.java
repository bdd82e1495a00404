package io.cairn.broker.handlers;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.TopicImage;
import io.cairn.metadata.config.BrokerConfigDescriptions;
import io.cairn.metadata.config.DescribedConfig;
import io.cairn.metadata.config.DynamicBrokerConfigs;
import io.cairn.metadata.config.GroupConfigs;
import io.cairn.metadata.config.TopicConfigs;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.DescribeConfigsRequestData.DescribeConfigsResource;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsSynonym;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.DescribeConfigsRequest;

/**
 * DescribeConfigs for topics (every topic config with its effective value and source) and brokers (this broker's
 * id: its configs with Kafka's sources and synonyms; "": the cluster-wide dynamic defaults; see
 * {@link BrokerConfigDescriptions}); and, when asked for exactly that key, the decision history of a topic's
 * partitions or of a broker ({@link DecisionHistoryConfigs}).
 *
 * <p>Thread-safe (stateless).
 */
public final class DescribeConfigsHandler implements ApiHandler<DescribeConfigsRequest> {

    private final int nodeId;
    private final Supplier<MetadataImage> image;
    private final Map<String, String> staticBrokerConfigs;
    private final Map<String, String> nodeDefaults;

    /**
     * @param staticBrokerConfigs the node's properties as given
     * @param nodeDefaults        the defaults of the properties the node defines, where they are not Kafka's
     */
    public DescribeConfigsHandler(int nodeId, Supplier<MetadataImage> image, Map<String, String> staticBrokerConfigs,
                                  Map<String, String> nodeDefaults) {
        this.nodeId = nodeId;
        this.image = image;
        this.staticBrokerConfigs = Map.copyOf(staticBrokerConfigs);
        this.nodeDefaults = Map.copyOf(nodeDefaults);
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DESCRIBE_CONFIGS;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, DescribeConfigsRequest request) {
        MetadataImage current = image.get();
        DescribeConfigsResponseData response = new DescribeConfigsResponseData();
        for (DescribeConfigsResource resource : request.data().resources()) {
            Optional<DescribeConfigsResult> history = DecisionHistoryConfigs.describe(current, resource);
            if (history.isPresent()) {
                response.results().add(history.get());
                continue;
            }
            DescribeConfigsResult result = new DescribeConfigsResult()
                    .setResourceType(resource.resourceType())
                    .setResourceName(resource.resourceName());
            ConfigResource.Type type = ConfigResource.Type.forId(resource.resourceType());
            if (type == ConfigResource.Type.BROKER) {
                Optional<ApiError> badName = brokerNameError(resource.resourceName());
                if (badName.isPresent()) {
                    response.results().add(result.setErrorCode(badName.get().error().code())
                            .setErrorMessage(badName.get().message()));
                    continue;
                }
            }
            Optional<List<DescribedConfig>> configs = switch (type) {
                case TOPIC -> current.topic(resource.resourceName()).map(topic -> describeTopic(current, topic));
                case BROKER -> Optional.of(BrokerConfigDescriptions.describe(resource.resourceName(),
                        staticBrokerConfigs, nodeDefaults, current.brokerConfigs(""),
                        current.brokerConfigs(Integer.toString(nodeId))));
                case GROUP -> resource.resourceName() == null || resource.resourceName().isEmpty() ? Optional.empty()
                        : Optional.of(GroupConfigs.describe(current.groupConfigs(resource.resourceName()),
                                staticBrokerConfigs));
                default -> Optional.empty();
            };
            if (configs.isEmpty()) {
                Errors error = type == ConfigResource.Type.TOPIC ? Errors.UNKNOWN_TOPIC_OR_PARTITION
                        : Errors.INVALID_REQUEST;
                response.results().add(result.setErrorCode(error.code())
                        .setErrorMessage("Cannot describe " + type + " " + resource.resourceName()));
                continue;
            }
            for (DescribedConfig config : configs.get()) {
                if (resource.configurationKeys() == null || resource.configurationKeys().isEmpty()
                        || resource.configurationKeys().contains(config.name())) {
                    result.configs().add(toResult(config, request.data().includeSynonyms(),
                            request.data().includeDocumentation()));
                }
            }
            response.results().add(result);
        }
        return CompletableFuture.completedFuture(response);
    }

    /** Kafka's answer to a broker resource that is neither "" nor this broker's id. */
    private Optional<ApiError> brokerNameError(String name) {
        if (name.isEmpty()) {
            return Optional.empty();
        }
        try {
            if (Integer.parseInt(name) == nodeId) {
                return Optional.empty();
            }
        } catch (NumberFormatException e) {
            return Optional.of(new ApiError(Errors.INVALID_REQUEST, "Broker id must be an integer, but it is: " + name));
        }
        return Optional.of(new ApiError(Errors.INVALID_REQUEST, "Unexpected broker id, expected " + nodeId
                + " or empty string, but received " + name));
    }

    private List<DescribedConfig> describeTopic(MetadataImage current, TopicImage topic) {
        return TopicConfigs.describe(staticBrokerConfigs, DynamicBrokerConfigs.clusterDefaults(current),
                DynamicBrokerConfigs.effectiveStored(current.brokerConfigs(Integer.toString(nodeId)), true),
                topic.configs());
    }

    private static DescribeConfigsResourceResult toResult(DescribedConfig config, boolean synonyms,
                                                          boolean documentation) {
        DescribeConfigsResourceResult result = new DescribeConfigsResourceResult()
                .setName(config.name())
                .setValue(config.value())
                .setReadOnly(config.readOnly())
                .setConfigSource(config.source().id())
                .setIsSensitive(config.sensitive())
                .setConfigType(config.typeId())
                .setDocumentation(documentation ? config.documentation() : null);
        if (synonyms) {
            for (DescribedConfig.Synonym synonym : config.synonyms()) {
                result.synonyms().add(new DescribeConfigsSynonym()
                        .setName(synonym.name()).setValue(synonym.value()).setSource(synonym.source().id()));
            }
        }
        return result;
    }
}
