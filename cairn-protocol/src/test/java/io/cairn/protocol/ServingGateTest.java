package io.cairn.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.network.TransferableChannel;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.utils.Time;
import org.junit.jupiter.api.Test;

class ServingGateTest {

    private static final short METADATA_VERSION = 12;

    private final AtomicInteger served = new AtomicInteger();
    private final ApiRegistry registry = ApiRegistry.builder().add(new ApiHandler<MetadataRequest>() {
        @Override
        public ApiKeys apiKey() {
            return ApiKeys.METADATA;
        }

        @Override
        public CompletableFuture<ApiMessage> handle(RequestContext context, MetadataRequest request) {
            served.incrementAndGet();
            return CompletableFuture.completedFuture(new MetadataResponseData().setClusterId("answered"));
        }
    }).build();

    @Test
    void aHeldRequestIsServedWhenTheGateOpens() throws Exception {
        ServingGate gate = new ServingGate(r -> false, 60_000, r -> new NotLeaderOrFollowerException("not yet"));
        RequestDispatcher dispatcher = new RequestDispatcher(registry, Runnable::run, "", RequestObserver.NONE, gate,
                Time.SYSTEM);

        CompletableFuture<Optional<Send>> answer = dispatcher.dispatch(null, metadata(), Runnable::run);

        assertThat(answer).isNotDone();
        assertThat(served).hasValue(0);
        gate.open();
        MetadataResponse response = (MetadataResponse) parse(answer.get(5, TimeUnit.SECONDS).orElseThrow(), metadata());
        assertThat(served).hasValue(1);
        assertThat(response.data().clusterId()).isEqualTo("answered");
    }

    @Test
    void aRequestHeldPastTheBoundGetsTheRetriableErrorNotAnAnswer() throws Exception {
        ServingGate gate = new ServingGate(r -> false, 50, r -> new NotLeaderOrFollowerException("not yet"));
        RequestDispatcher dispatcher = new RequestDispatcher(registry, Runnable::run, "", RequestObserver.NONE, gate,
                Time.SYSTEM);

        Send send = dispatcher.dispatch(null, metadata(), Runnable::run).get(5, TimeUnit.SECONDS).orElseThrow();

        MetadataResponse response = (MetadataResponse) parse(send, metadata());
        assertThat(served).hasValue(0);
        assertThat(response.errors()).containsEntry("t", Errors.NOT_LEADER_OR_FOLLOWER);
    }

    @Test
    void whatThePolicyLetsThroughIsServedAtOnce() throws Exception {
        ServingGate gate = new ServingGate(r -> r.header().apiKey() == ApiKeys.API_VERSIONS, 60_000,
                r -> new NotLeaderOrFollowerException("not yet"));
        RequestDispatcher dispatcher = new RequestDispatcher(registry, Runnable::run, "", RequestObserver.NONE, gate,
                Time.SYSTEM);
        ApiVersionsRequest versions = new ApiVersionsRequest(new ApiVersionsRequestData()
                .setClientSoftwareName("x").setClientSoftwareVersion("1"), (short) 3);

        assertThat(dispatcher.dispatch(null, request(versions), Runnable::run)).isDone();
        assertThat(dispatcher.dispatch(null, metadata(), Runnable::run)).isNotDone();
    }

    @Test
    void waitsThatTimedOutLeaveNothingBehindWhileTheGateStaysShut() throws Exception {
        ServingGate gate = new ServingGate(r -> false, 10, r -> new NotLeaderOrFollowerException("not yet"));
        for (int i = 0; i < 100; i++) {
            assertThat(gate.awaitOpen().get(5, TimeUnit.SECONDS)).isFalse();
        }
        assertThat(gate.waitingCount()).isZero();
        CompletableFuture<Boolean> held = gate.awaitOpen();
        gate.open();
        assertThat(held.get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(gate.waitingCount()).isZero();
    }

    private static KafkaRequest metadata() {
        return request(new MetadataRequest.Builder(List.of("t"), false).build(METADATA_VERSION));
    }

    private static KafkaRequest request(AbstractRequest body) {
        return new KafkaRequest(new RequestHeader(body.apiKey(), body.version(), "test", 7), body, 0);
    }

    private static AbstractResponse parse(Send send, KafkaRequest request) throws Exception {
        ByteBuffer buffer = ByteBuffer.allocate((int) send.size());
        send.writeTo(new BufferChannel(buffer));
        buffer.flip();
        buffer.getInt(); // the frame's size
        return AbstractResponse.parseResponse(buffer, request.header());
    }

    /** Collects what a Send writes. */
    private record BufferChannel(ByteBuffer buffer) implements TransferableChannel {
        @Override
        public boolean hasPendingWrites() {
            return false;
        }

        @Override
        public long transferFrom(FileChannel file, long position, long count) throws IOException {
            return file.read(buffer, position);
        }

        @Override
        public long write(ByteBuffer[] sources, int offset, int length) {
            long written = 0;
            for (int i = offset; i < offset + length; i++) {
                written += write(sources[i]);
            }
            return written;
        }

        @Override
        public long write(ByteBuffer[] sources) {
            return write(sources, 0, sources.length);
        }

        @Override
        public int write(ByteBuffer source) {
            int n = source.remaining();
            buffer.put(source);
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
