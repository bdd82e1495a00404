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
}
