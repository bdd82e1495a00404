package io.cairn.broker.quota;

import java.util.concurrent.CompletableFuture;
import java.util.function.LongConsumer;
import java.util.function.Predicate;

import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.utils.Time;

/**
 * Any API under {@code request_percentage} (KIP-124), as Kafka's ClientRequestQuotaManager: the time the request took
 * on the request threads, as a percentage of one thread over a second, is recorded against its client's quota once
 * it is answered; above the quota the response carries the throttle time (or its own, if longer: a byte-rate quota's)
 * in {@code throttle_time_ms} and the connection stops reading for that long (KIP-219). A throttled consumer's fetch is
 * answered empty, as Kafka answers it.
 *
 * <p>The time counted is what the handler spends before it hands its work off (Kafka's requestThreadTimeNanos: from
 * the handler's start to its local completion), so a long poll or an acks=all produce counts its reading and
 * appending, not its wait.
 *
 * <p>Exempt, as in Kafka: the cluster actions (a broker's registration, heartbeat, AlterPartition, WriteTxnMarkers,
 * AllocateProducerIds, ...), a follower's fetch, requests another node forwarded (their client was counted where it
 * connected), the SASL exchange, and requests without a response (acks=0 produce); and ApiVersions ({@link #exempt}).
 *
 * <p>Thread-safe.
 */
final class RequestQuotaHandler<R extends AbstractRequest> extends QuotaDecorator<R> {

    private static final double NANOS_TO_PERCENTAGE_PER_SECOND = 100.0 / 1_000_000_000L;

    private final ClientQuotaManager quota;
    private final Time time;
    private final LongConsumer throttled;
    private final Predicate<RequestContext> forwarded;

    RequestQuotaHandler(ApiHandler<R> handler, ClientQuotaManager quota, Time time, LongConsumer throttled,
                        Predicate<RequestContext> forwarded) {
        super(handler);
        this.quota = quota;
        this.time = time;
        this.throttled = throttled;
        this.forwarded = forwarded;
    }

    /**
     * Whether the API is exempt from the request quota, whoever sends it: Kafka's cluster actions and SASL exchange,
     * and ApiVersions, which Kafka counts once a connection is authenticated but which Cairn answers from its registry
     * outside every handler decoration (as it is outside the authorizer's).
     */
    static boolean exempt(ApiKeys apiKey) {
        return apiKey.clusterAction || apiKey == ApiKeys.SASL_HANDSHAKE || apiKey == ApiKeys.SASL_AUTHENTICATE
                || apiKey == ApiKeys.API_VERSIONS;
    }




    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, R request) {
        if ((request instanceof FetchRequest fetch && fetch.isFromFollower()) || forwarded.test(context)
                || quota.quota(context.principal(), context.clientId()).isEmpty()) {
            return handler.handle(context, request);
        }
        long startNanos = time.nanoseconds();
        CompletableFuture<ApiMessage> answer = handler.handle(context, request);
        long threadNanos = Math.max(0, time.nanoseconds() - startNanos);
        return answer.thenApply(response -> {
            if (response == null) {
                return null;
            }
            long throttleTimeMs = quota.recordAndGetThrottleTimeMs(context.principal(), context.clientId(),
                    threadNanos * NANOS_TO_PERCENTAGE_PER_SECOND, time.milliseconds());
            if (throttleTimeMs <= 0) {
                return response;
            }
            throttled.accept(throttleTimeMs);
            int own = ThrottleTimes.get(response);
            if (own >= throttleTimeMs) {
                return response; // a byte-rate quota throttles it longer, and has paused the connection for that
            }
            context.connection().throttle(throttleTimeMs);
            if (response instanceof FetchResponseData fetched && fetched.errorCode() == Errors.NONE.code()) {
                return new FetchResponseData().setErrorCode(Errors.NONE.code()).setSessionId(fetched.sessionId())
                        .setThrottleTimeMs((int) Math.min(Integer.MAX_VALUE, throttleTimeMs));
            }
            ThrottleTimes.set(response, throttleTimeMs);
            return response;
        });
    }
}
