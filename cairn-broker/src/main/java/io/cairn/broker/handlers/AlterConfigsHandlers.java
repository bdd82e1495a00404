package io.cairn.broker.handlers;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import io.cairn.broker.cluster.InterBrokerChannel;
import io.cairn.metadata.MetadataWriter;
import io.cairn.metadata.config.DynamicBrokerConfigs;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.AlterConfigsRequest;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.IncrementalAlterConfigsRequest;

/**
 * AlterConfigs and IncrementalAlterConfigs: as Kafka's receiving broker does ({@code ConfigAdminManager
 * .preprocess}), a BROKER resource naming a broker id must name this broker ("Unexpected broker id, expected N, but
 * received M"): a dynamic config of a broker is changed through that broker. Those resources are answered here;
 * the rest go whole to the metadata write path (the controller validates and stores them) and the answers are put
 * back in request order. A request another node forwarded was checked there and is not checked again.
 *
 * <p>Thread-safe (stateless).
 */
public final class AlterConfigsHandlers {

    private AlterConfigsHandlers() {
    }

    public static ApiHandler<IncrementalAlterConfigsRequest> incremental(
            int nodeId, Function<RequestContext, MetadataWriter> writer) {
        return new Incremental(nodeId, writer);
    }

    public static ApiHandler<AlterConfigsRequest> legacy(int nodeId, Function<RequestContext, MetadataWriter> writer) {
        return new Legacy(nodeId, writer);
    }

    private static ApiError check(int nodeId, byte resourceType, String name) {
        return resourceType == ConfigResource.Type.BROKER.id()
                ? DynamicBrokerConfigs.checkResourceName(name, nodeId) : ApiError.NONE;
    }

    /** Thread-safe (stateless). */
    private record Incremental(int nodeId, Function<RequestContext, MetadataWriter> writer)
            implements ApiHandler<IncrementalAlterConfigsRequest> {

        @Override
        public ApiKeys apiKey() {
            return ApiKeys.INCREMENTAL_ALTER_CONFIGS;
        }

        @Override
        public CompletableFuture<ApiMessage> handle(RequestContext context, IncrementalAlterConfigsRequest request) {
            IncrementalAlterConfigsRequestData data = request.data();
            Map<IncrementalAlterConfigsRequestData.AlterConfigsResource, ApiError> refused = new IdentityHashMap<>();
            if (!InterBrokerChannel.isForwarded(context.clientId())) {
                for (IncrementalAlterConfigsRequestData.AlterConfigsResource r : data.resources()) {
                    ApiError error = check(nodeId, r.resourceType(), r.resourceName());
                    if (error.isFailure()) {
                        refused.put(r, error);
                    }
                }
            }
            if (refused.isEmpty()) {
                return writer.apply(context).incrementalAlterConfigs(data).thenApply(response -> response);
            }
            IncrementalAlterConfigsRequestData rest = new IncrementalAlterConfigsRequestData()
                    .setValidateOnly(data.validateOnly());
            data.resources().forEach(r -> {
                if (!refused.containsKey(r)) {
                    rest.resources().mustAdd(r.duplicate());
                }
            });
            CompletableFuture<IncrementalAlterConfigsResponseData> decided = rest.resources().isEmpty()
                    ? CompletableFuture.completedFuture(new IncrementalAlterConfigsResponseData())
                    : writer.apply(context).incrementalAlterConfigs(rest);
            return decided.thenApply(answers -> {
                IncrementalAlterConfigsResponseData response = new IncrementalAlterConfigsResponseData()
                        .setThrottleTimeMs(answers.throttleTimeMs());
                var remaining = answers.responses().iterator();
                for (IncrementalAlterConfigsRequestData.AlterConfigsResource r : data.resources()) {
                    ApiError error = refused.get(r);
                    response.responses().add(error == null ? remaining.next()
                            : new IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse()
                            .setResourceType(r.resourceType()).setResourceName(r.resourceName())
                            .setErrorCode(error.error().code()).setErrorMessage(error.message()));
                }
                return response;
            });
        }
    }

    /** Thread-safe (stateless). */
    private record Legacy(int nodeId, Function<RequestContext, MetadataWriter> writer)
            implements ApiHandler<AlterConfigsRequest> {

        @Override
        public ApiKeys apiKey() {
            return ApiKeys.ALTER_CONFIGS;
        }

        @Override
        public CompletableFuture<ApiMessage> handle(RequestContext context, AlterConfigsRequest request) {
            AlterConfigsRequestData data = request.data();
            Map<AlterConfigsRequestData.AlterConfigsResource, ApiError> refused = new IdentityHashMap<>();
            if (!InterBrokerChannel.isForwarded(context.clientId())) {
                for (AlterConfigsRequestData.AlterConfigsResource r : data.resources()) {
                    ApiError error = check(nodeId, r.resourceType(), r.resourceName());
                    if (error.isFailure()) {
                        refused.put(r, error);
                    }
                }
            }
            if (refused.isEmpty()) {
                return writer.apply(context).alterConfigs(data).thenApply(response -> response);
            }
            AlterConfigsRequestData rest = new AlterConfigsRequestData().setValidateOnly(data.validateOnly());
            data.resources().forEach(r -> {
                if (!refused.containsKey(r)) {
                    rest.resources().mustAdd(r.duplicate());
                }
            });
            CompletableFuture<AlterConfigsResponseData> decided = rest.resources().isEmpty()
                    ? CompletableFuture.completedFuture(new AlterConfigsResponseData())
                    : writer.apply(context).alterConfigs(rest);
            return decided.thenApply(answers -> {
                AlterConfigsResponseData response = new AlterConfigsResponseData()
                        .setThrottleTimeMs(answers.throttleTimeMs());
                var remaining = answers.responses().iterator();
                for (AlterConfigsRequestData.AlterConfigsResource r : data.resources()) {
                    ApiError error = refused.get(r);
                    response.responses().add(error == null ? remaining.next()
                            : new AlterConfigsResponseData.AlterConfigsResourceResponse()
                            .setResourceType(r.resourceType()).setResourceName(r.resourceName())
                            .setErrorCode(error.error().code()).setErrorMessage(error.message()));
                }
                return response;
            });
        }
    }
}
