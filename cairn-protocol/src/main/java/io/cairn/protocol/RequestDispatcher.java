package io.cairn.protocol;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.SendBuilder;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ResponseHeader;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each request's handler on the request executor and turns its outcome into the bytes to send:
 * the handler's response, or the API's own error response when the handler failed or the version is not
 * served. This is the one place where exceptions become Kafka error codes.
 *
 * <p>Thread-safe.
 */
public final class RequestDispatcher {

    private static final Logger log = LoggerFactory.getLogger(RequestDispatcher.class);

    private final ApiRegistry registry;
    private final Executor executor;
    private final String logPrefix;
    private final RequestObserver observer;
    private final ServingGate gate;
    /** The clock of the queue times and latencies the observer is told. */
    private final Time time;

    public RequestDispatcher(ApiRegistry registry, Executor executor, String logPrefix) {
        this(registry, executor, logPrefix, RequestObserver.NONE, ServingGate.alwaysOpen(), Time.SYSTEM);
    }

    public RequestDispatcher(ApiRegistry registry, Executor executor, String logPrefix, RequestObserver observer,
                             ServingGate gate, Time time) {
        this.registry = registry;
        this.executor = executor;
        this.logPrefix = logPrefix;
        this.observer = observer;
        this.gate = gate;
        this.time = time;
    }

    /**
     * Serves one request. The future completes with the encoded response, or with empty when the request
     * expects none (Produce with acks=0). It never completes exceptionally.
     *
     * @param connectionExecutor runs the handlers of one connection one at a time, in arrival order
     *                           (a {@link SerialExecutor} over {@link #executor()})
     */
    public CompletableFuture<Optional<Send>> dispatch(RequestContext context, KafkaRequest request,
                                                      Executor connectionExecutor) {
        var handler = registry.handler(request.header().apiKey(), request.apiVersion());
        if (handler.isEmpty()) {
            UnsupportedVersionException e = new UnsupportedVersionException(
                    request.header().apiKey() + " v" + request.apiVersion() + " is not supported by Cairn");
            try {
                return CompletableFuture.completedFuture(errorAnswer(request, e));
            } catch (RuntimeException malformed) {
                // kafka-clients builds an API's error answer from the request's fields; some null ones break it.
                return CompletableFuture.failedFuture(new InvalidRequestException("Malformed " + request
                        + ": its error answer cannot be built (" + malformed + ")"));
            }
        }
        long arrivedNanos = time.nanoseconds();
        if (gate.holds(request)) {
            return gate.awaitOpen().thenCompose(open -> open
                    ? serve(context, request, handler.get(), connectionExecutor, arrivedNanos)
                    : CompletableFuture.completedFuture(notServed(request)));
        }
        return serve(context, request, handler.get(), connectionExecutor, arrivedNanos);
    }

    private CompletableFuture<Optional<Send>> serve(RequestContext context, KafkaRequest request,
                                                    ApiHandler<AbstractRequest> handler, Executor connectionExecutor,
                                                    long arrivedNanos) {
        long startNanos = time.nanoseconds();
        return CompletableFuture
                .supplyAsync(() -> {
                    observer.onHandlerStart(request.header().apiKey(), time.nanoseconds() - arrivedNanos);
                    return handler.handle(context, request.body());
                }, connectionExecutor)
                .thenCompose(future -> future)
                .handle((response, error) -> {
                    observer.onResponse(request.header().apiKey(), time.nanoseconds() - startNanos, error != null);
                    if (error != null) {
                        return errorAnswer(request, unwrap(error));
                    }
                    if (response == null) {
                        return Optional.<Send>empty();
                    }
                    try {
                        return Optional.of(encode(request, response));
                    } catch (RuntimeException e) {
                        // A handler set a field this version cannot carry: a bug, but the client gets an answer.
                        log.error("{}Cannot encode the response to {}", logPrefix, request, e);
                        return Optional.of(encode(request, errorResponse(request, e)));
                    }
                });
    }

    /** The answer to a request the gate held past its bound: the API's retriable error; none for acks=0. */
    private Optional<Send> notServed(KafkaRequest request) {
        return errorAnswer(request, gate.notReadyError(request));
    }

    /** The shared request-handler pool; wrap it in a {@link SerialExecutor} per connection. */
    public Executor executor() {
        return executor;
    }

    /** The v0 answer to an ApiVersions request newer than this node knows. */
    public Send unsupportedApiVersions(int correlationId) {
        ApiVersionsResponseData data = new ApiVersionsResponseData()
                .setErrorCode(Errors.UNSUPPORTED_VERSION.code())
                .setApiKeys(registry.apiVersions());
        return SendBuilder.buildResponseSend(new ResponseHeader(correlationId, (short) 0), data, (short) 0);
    }

    /** The API's error answer to a request that failed whole; none to a Produce with acks=0, as to any of them. */
    private Optional<Send> errorAnswer(KafkaRequest request, Throwable error) {
        if (!(error instanceof ApiException)) {
            log.error("{}Unexpected error serving {} from {}", logPrefix, request, request.header().clientId(), error);
        }
        if (request.body() instanceof ProduceRequest produce && produce.acks() == 0) {
            return Optional.empty();
        }
        return Optional.of(encode(request, errorResponse(request, error)));
    }

    private ApiMessage errorResponse(KafkaRequest request, Throwable error) {
        AbstractRequest body = request.body();
        if (body instanceof ProduceRequest produce && hasNullRecords(produce.data())) {
            // kafka-clients' error answer counts each partition's records: give it empty ones where a client sent null
            ProduceRequestData copy = produce.data().duplicate();
            copy.topicData().forEach(t -> t.partitionData().forEach(p -> {
                if (p.records() == null) {
                    p.setRecords(MemoryRecords.EMPTY);
                }
            }));
            body = new ProduceRequest(copy, produce.version());
        }
        return body.getErrorResponse(0, error).data();
    }

    private static boolean hasNullRecords(ProduceRequestData data) {
        return data.topicData().stream().anyMatch(t -> t.partitionData().stream().anyMatch(p -> p.records() == null));
    }

    private static Send encode(KafkaRequest request, ApiMessage response) {
        return SendBuilder.buildResponseSend(request.header().toResponseHeader(), response, request.apiVersion());
    }

    private static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }
}
