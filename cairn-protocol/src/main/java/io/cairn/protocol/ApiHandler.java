package io.cairn.protocol;

import java.util.concurrent.CompletableFuture;

import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.AbstractRequest;

/**
 * Serves one Kafka API. Each API is one small class; the {@link ApiRegistry} collects them and
 * ApiVersions is derived from the registry, so what is advertised and what is implemented cannot drift.
 *
 * <p>Threading: {@link #handle} runs on a request-handler thread, never on a network event loop. It must
 * not block on other requests (long polls and acks=all park a future instead). Errors thrown or completed
 * exceptionally are turned into the API's error response in one place ({@link RequestDispatcher}).
 *
 * @param <R> the request type parsed by kafka-clients for this API
 */
public interface ApiHandler<R extends AbstractRequest> {

    ApiKeys apiKey();

    /** The oldest version served; defaults to the oldest kafka-clients knows. */
    default short minVersion() {
        return apiKey().oldestVersion();
    }

    /** The newest version served; defaults to the newest stable version kafka-clients knows. */
    default short maxVersion() {
        return apiKey().latestVersion(false);
    }

    /**
     * Answers the request. A future completing with {@code null} sends no response (Produce with acks=0).
     */
    CompletableFuture<ApiMessage> handle(RequestContext context, R request);
}
