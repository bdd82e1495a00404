package io.cairn.broker.security;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.AbstractRequest;

/**
 * What one API checks before (and, for what it reports, after) its handler runs, as Kafka's KafkaApis checks it: a
 * whole-request check fails the request with the authorization error, which the dispatcher turns into the API's own
 * error answer (every topic, partition or group carrying it); a per-resource check takes the denied topics or groups
 * out of the request, answers them with the error itself and merges that into the handler's answer; a read that
 * lists resources drops those the caller may not describe. Handlers never see the authorizer.
 *
 * <p>Implementations are stateless and thread-safe.
 */
@FunctionalInterface
interface AccessRule<R extends AbstractRequest> {

    /**
     * Serves {@code request} for {@code caller}: calls {@code handler} with what is allowed (perhaps a request with
     * fewer resources), or not at all.
     */
    CompletableFuture<ApiMessage> serve(Caller caller, R request,
                                        Function<R, CompletableFuture<ApiMessage>> handler);

    /** The request is served as it is: ApiVersions and the SASL exchange, which run before any principal exists. */
    static <R extends AbstractRequest> AccessRule<R> none() {
        return (caller, request, handler) -> handler.apply(request);
    }

    static CompletableFuture<ApiMessage> denied(ApiException error) {
        return CompletableFuture.failedFuture(error);
    }
}
