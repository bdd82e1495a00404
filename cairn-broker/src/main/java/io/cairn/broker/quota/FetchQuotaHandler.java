package io.cairn.broker.quota;

import java.util.concurrent.CompletableFuture;
import java.util.function.LongConsumer;

import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import io.cairn.protocol.WireSize;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.utils.Time;

/**
 * Fetch under {@code consumer_byte_rate}, as Kafka's KafkaApis, for consumers only (a follower's fetch is
 * replication, which client quotas do not cover): a fetch asks for at most what the quota allows in one window
 * (Kafka's maxValueInQuotaWindow bounds fetch.max.bytes); once answered, the response's size is recorded against the
 * client's quota; above it, the client gets an empty response carrying the throttle time in {@code throttle_time_ms}
 * (the bytes read are taken back from its rate, as they are not sent), and the connection stops reading for that
 * long (KIP-219).
 *
 * <p>Thread-safe.
 */
final class FetchQuotaHandler extends QuotaDecorator<FetchRequest> {

    private final ClientQuotaManager quota;
    private final Time time;
    private final LongConsumer throttled;

    FetchQuotaHandler(ApiHandler<FetchRequest> handler, ClientQuotaManager quota, Time time, LongConsumer throttled) {
        super(handler);
        this.quota = quota;
        this.time = time;
        this.throttled = throttled;
    }




    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, FetchRequest request) {
        if (request.isFromFollower() || quota.quota(context.principal(), context.clientId()).isEmpty()) {
            return handler.handle(context, request);
        }
        FetchRequestData data = request.data();
        long maxInWindow = quota.maxValueInQuotaWindow(context.principal(), context.clientId());
        if (maxInWindow < data.maxBytes()) {
            data.setMaxBytes((int) maxInWindow);
            data.setMinBytes(Math.min(data.minBytes(), data.maxBytes()));
        }
        return handler.handle(context, request).thenApply(response -> {
            if (!(response instanceof FetchResponseData fetched)) {
                return response;
            }
            long nowMs = time.milliseconds();
            int size = WireSize.of(fetched, request.version());
            long throttleTimeMs = quota.recordAndGetThrottleTimeMs(context.principal(), context.clientId(), size,
                    nowMs);
            if (throttleTimeMs <= 0) {
                return response;
            }
            quota.unrecord(context.principal(), context.clientId(), size, nowMs);
            throttled.accept(throttleTimeMs);
            context.connection().throttle(throttleTimeMs);
            return new FetchResponseData().setErrorCode(Errors.NONE.code()).setSessionId(fetched.sessionId())
                    .setThrottleTimeMs((int) Math.min(Integer.MAX_VALUE, throttleTimeMs));
        });
    }
}
