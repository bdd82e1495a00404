package io.cairn.protocol;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiVersionsRequest;

/**
 * ApiVersions: advertises exactly the registry's handlers and their version ranges, and (v3+) its features: the
 * levels supported and the level finalized as of now, at the registry's epoch (clients ignore finalized features at
 * an epoch below the last they took).
 *
 * <p>Thread-safe (stateless).
 */
public final class ApiVersionsHandler implements ApiHandler<ApiVersionsRequest> {

    private final Supplier<ApiRegistry> registry;

    public ApiVersionsHandler(Supplier<ApiRegistry> registry) {
        this.registry = registry;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.API_VERSIONS;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, ApiVersionsRequest request) {
        ApiRegistry current = registry.get();
        ApiVersionsResponseData response = new ApiVersionsResponseData().setApiKeys(current.apiVersions());
        java.util.Map<String, ApiRegistry.Feature> features = current.features();
        if (!features.isEmpty()) {
            response.setFinalizedFeaturesEpoch(current.featuresEpoch());
            features.forEach((name, feature) -> {
                response.supportedFeatures().add(new ApiVersionsResponseData.SupportedFeatureKey().setName(name)
                        .setMinVersion(feature.minLevel()).setMaxVersion(feature.maxLevel()));
                if (feature.finalizedLevel() >= feature.minLevel()) { // below: none finalized yet
                    response.finalizedFeatures().add(new ApiVersionsResponseData.FinalizedFeatureKey().setName(name)
                        .setMinVersionLevel(feature.finalizedLevel()).setMaxVersionLevel(feature.finalizedLevel()));
                }
            });
        }
        if (request.version() >= 3 && !request.isValid()) {
            response.setErrorCode(Errors.INVALID_REQUEST.code());
        }
        return CompletableFuture.completedFuture(response);
    }
}
