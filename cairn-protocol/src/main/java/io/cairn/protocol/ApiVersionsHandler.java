package io.cairn.protocol;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiVersionsRequest;

/**
 * ApiVersions: advertises exactly the registry's handlers and their version ranges.
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
        ApiVersionsResponseData response = new ApiVersionsResponseData().setApiKeys(registry.get().apiVersions());
        if (request.version() >= 3 && !request.isValid()) {
            response.setErrorCode(Errors.INVALID_REQUEST.code());
        }
        return CompletableFuture.completedFuture(response);
    }
}
