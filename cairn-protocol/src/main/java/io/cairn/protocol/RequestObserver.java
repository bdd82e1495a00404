package io.cairn.protocol;

import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Told about every request the dispatcher served, for metrics. Implementations must be cheap and
 * thread-safe: they run on request-handler threads.
 */
public interface RequestObserver {

    RequestObserver NONE = (apiKey, latencyNanos, failed) -> { };

    /**
     * @param latencyNanos from dispatch until the response was encoded (parked time included)
     * @param failed       whether the handler failed as a whole (per-partition errors are not counted here)
     */
    void onResponse(ApiKeys apiKey, long latencyNanos, boolean failed);

    /**
     * A request's handler starts (Kafka's RequestQueueTimeMs).
     *
     * @param queueNanos from the request's arrival at the dispatcher (right after its frame was decoded) until its
     *                   handler started: waiting behind the connection's earlier requests, for a request thread,
     *                   and for the serving gate while the node catches up
     */
    default void onHandlerStart(ApiKeys apiKey, long queueNanos) {
    }
}
