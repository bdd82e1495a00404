package io.cairn.broker.quota;

import io.cairn.protocol.ApiHandler;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;

/**
 * A quota wrapped around an API's handler: it serves the handler's API and versions, and decides in
 * {@link #handle} whether, when and how the handler's answer is throttled. Immutable if the subclass is.
 */
abstract class QuotaDecorator<R extends AbstractRequest> implements ApiHandler<R> {

    /** The handler whose requests this quota counts. */
    protected final ApiHandler<R> handler;

    protected QuotaDecorator(ApiHandler<R> handler) {
        this.handler = handler;
    }

    @Override
    public final ApiKeys apiKey() {
        return handler.apiKey();
    }

    @Override
    public final short minVersion() {
        return handler.minVersion();
    }

    @Override
    public final short maxVersion() {
        return handler.maxVersion();
    }
}
