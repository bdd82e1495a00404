package io.cairn.broker.handlers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.TopicImage;
import io.cairn.metadata.config.ConfigSource;
import io.cairn.metadata.config.DescribedConfig;
import io.cairn.metadata.config.TopicConfigs;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.DescribeConfigsRequestData.DescribeConfigsResource;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsSynonym;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeConfigsRequest;

/**
 * DescribeConfigs for topics (every topic config with its effective value and source) and brokers (the
 * node's static settings and the dynamic ones in the metadata image).
 *
 * <p>Thread-safe (stateless).
 */
public final class DescribeConfigsHandler implements ApiHandler<DescribeConfigsRequest> {

    private final int nodeId;
    private final Supplier<MetadataImage> image;
    private final Map<String, String> staticBrokerConfigs;

    public DescribeConfigsHandler(int nodeId, Supplier<MetadataImage> image, Map<String, String> staticBrokerConfigs) {
        this.nodeId = nodeId;
        this.image = image;
        this.staticBrokerConfigs = Map.copyOf(staticBrokerConfigs);
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
            DescribeConfigsResult result = new DescribeConfigsResult()
                    .setResourceType(resource.resourceType())
                    .setResourceName(resource.resourceName());
            ConfigResource.Type type = ConfigResource.Type.forId(resource.resourceType());
            Optional<List<DescribedConfig>> configs = switch (type) {
                case TOPIC -> current.topic(resource.resourceName()).map(topic -> describeTopic(current, topic));
                case BROKER -> isThisBroker(resource.resourceName())
                        ? Optional.of(describeBroker(current, resource.resourceName()))
                        : Optional.empty();
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
                if (resource.configurationKeys() == null || resource.configurationKeys().contains(config.name())) {
                    result.configs().add(toResult(config, request.data().includeSynonyms(),
                            request.data().includeDocumentation()));
                }
            }
            response.results().add(result);
        }
        return CompletableFuture.completedFuture(response);
    }

    private boolean isThisBroker(String name) {
        return name.isEmpty() || name.equals(Integer.toString(nodeId));
    }

    private List<DescribedConfig> describeTopic(MetadataImage current, TopicImage topic) {
        return TopicConfigs.describe(staticBrokerConfigs, current.brokerConfigs(""), topic.configs());
    }

    private List<DescribedConfig> describeBroker(MetadataImage current, String name) {
        Map<String, DescribedConfig> configs = new TreeMap<>();
        staticBrokerConfigs.forEach((key, value) -> configs.put(key, new DescribedConfig(key, value,
                ConfigSource.STATIC_BROKER_CONFIG, ConfigDef.Type.STRING, true, false, null)));
        current.brokerConfigs("").forEach((key, value) -> configs.put(key, new DescribedConfig(key, value,
                ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG, ConfigDef.Type.STRING, false, false, null)));
        if (!name.isEmpty()) {
            current.brokerConfigs(name).forEach((key, value) -> configs.put(key, new DescribedConfig(key, value,
                    ConfigSource.DYNAMIC_BROKER_CONFIG, ConfigDef.Type.STRING, false, false, null)));
        }
        return new ArrayList<>(configs.values());
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
            result.synonyms().add(new DescribeConfigsSynonym()
                    .setName(config.name()).setValue(config.value()).setSource(config.source().id()));
        }
        return result;
    }
}
