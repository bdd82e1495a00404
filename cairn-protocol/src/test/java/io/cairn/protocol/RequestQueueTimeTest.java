package io.cairn.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.utils.MockTime;
import org.junit.jupiter.api.Test;

/**
 * The dispatcher reports a request's queue time when its handler starts: after the request waited behind the
 * connection's executor and the serving gate, before the handler runs and before the response is reported.
 */
class RequestQueueTimeTest {

    private final List<String> events = new ArrayList<>();
    private final MockTime time = new MockTime();
    private final ApiRegistry registry = ApiRegistry.builder().add(new ApiHandler<MetadataRequest>() {
        @Override
        public ApiKeys apiKey() {
            return ApiKeys.METADATA;
        }

        @Override
        public CompletableFuture<ApiMessage> handle(RequestContext context, MetadataRequest request) {
            events.add("handled");
            time.sleep(3); // the handler takes 3 ms
            return CompletableFuture.completedFuture(new MetadataResponseData());
        }
    }).build();
    private final RequestObserver observer = new RequestObserver() {
        @Override
        public void onResponse(ApiKeys apiKey, long latencyNanos, boolean failed) {
            events.add("response " + apiKey.name + " after " + TimeUnit.NANOSECONDS.toMillis(latencyNanos) + " ms");
        }

        @Override
        public void onHandlerStart(ApiKeys apiKey, long queueNanos) {
            events.add("queued " + apiKey.name + " for " + TimeUnit.NANOSECONDS.toMillis(queueNanos) + " ms");
        }
    };

    @Test
    void queueTimeIsReportedWhenTheHandlerStartsNotWhenTheRequestArrives() throws Exception {
        // given: a gate that holds the request and a connection executor that has not run it yet
        ServingGate gate = new ServingGate(r -> false, 60_000, r -> new NotLeaderOrFollowerException("not yet"));
        RequestDispatcher dispatcher = new RequestDispatcher(registry, Runnable::run, "", observer, gate, time);
        List<Runnable> connectionQueue = new ArrayList<>();

        // when
        var answer = dispatcher.dispatch(null, metadata(), connectionQueue::add);
        time.sleep(5);
        gate.open();
        time.sleep(2);

        // then: nothing reported until the connection's executor runs the handler
        assertThat(events).isEmpty();
        connectionQueue.forEach(Runnable::run);
        answer.get(5, TimeUnit.SECONDS);
        // (on the dispatcher's clock: 7 ms queued behind the gate and the executor; the latency counts from the
        // gate's opening: 2 ms behind the executor and 3 in the handler)
        assertThat(events).containsExactly("queued Metadata for 7 ms", "handled", "response Metadata after 5 ms");
    }

    private static KafkaRequest metadata() {
        MetadataRequest body = new MetadataRequest.Builder(List.of("t"), false).build((short) 12);
        return new KafkaRequest(new RequestHeader(body.apiKey(), body.version(), "test", 7), body, 0);
    }
}
