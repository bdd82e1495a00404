package io.cairn.broker.quota;

import java.util.concurrent.CompletableFuture;
import java.util.function.LongConsumer;

import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import io.cairn.protocol.WireSize;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.utils.Time;

/**
 * Produce under {@code producer_byte_rate}, as Kafka's KafkaApis: once the produce is answered (appended, and
 * replicated for acks=all) the request's size is recorded against the client's quota; above it, the response carries
 * the throttle time in {@code throttle_time_ms} and the connection stops reading for that long (KIP-219). A produce
 * with acks=0 gets no response, and its connection is throttled all the same.
 *
 * <p>Thread-safe.
 */
final class ProduceQuotaHandler extends QuotaDecorator<ProduceRequest> {

    private final ClientQuotaManager quota;
    private final Time time;
    private final LongConsumer throttled;

    ProduceQuotaHandler(ApiHandler<ProduceRequest> handler, ClientQuotaManager quota, Time time,
                        LongConsumer throttled) {
        super(handler);
        this.quota = quota;
        this.time = time;
        this.throttled = throttled;
    }




    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, ProduceRequest request) {
        if (quota.quota(context.principal(), context.clientId()).isEmpty()) {
            return handler.handle(context, request);
        }
        // Kafka's request.sizeInBytes: the header and the body, before the handler may drop the records' bytes
        int size = context.header().size() + WireSize.of(request.data(), request.version());
        return handler.handle(context, request).thenApply(response -> {
            long throttleTimeMs = quota.recordAndGetThrottleTimeMs(context.principal(), context.clientId(), size,
                    time.milliseconds());
            if (throttleTimeMs > 0) {
                throttled.accept(throttleTimeMs);
                context.connection().throttle(throttleTimeMs);
                if (response instanceof ProduceResponseData produce) {
                    produce.setThrottleTimeMs((int) Math.min(Integer.MAX_VALUE, throttleTimeMs));
                }
            }
            return response;
        });
    }
}
