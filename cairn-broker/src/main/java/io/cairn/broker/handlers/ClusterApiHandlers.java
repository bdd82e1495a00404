package io.cairn.broker.handlers;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import io.cairn.broker.cluster.ForwardingMetadataWriter;
import io.cairn.broker.cluster.InterBrokerChannel;
import io.cairn.metadata.MetadataWriter;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.message.AllocateProducerIdsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AllocateProducerIdsRequest;
import org.apache.kafka.common.requests.AlterPartitionRequest;
import org.apache.kafka.common.requests.BrokerHeartbeatRequest;
import org.apache.kafka.common.requests.BrokerRegistrationRequest;
import org.apache.kafka.common.requests.ElectLeadersRequest;
import org.apache.kafka.common.requests.UpdateFeaturesRequest;

/**
 * The broker-to-controller APIs (BrokerRegistration, BrokerHeartbeat, AlterPartition, AllocateProducerIds)
 * and ElectLeaders, served on every node: each is handed to the node's metadata write path, which decides it
 * on the local active controller or forwards it. A request another node already forwarded (see
 * {@link InterBrokerChannel#isForwarded}) goes to the local controller only, so a request is forwarded at most
 * once; a controller that is not active answers the retriable NOT_CONTROLLER and the forwarder retries.
 *
 * <p>Stateless, thread-safe.
 */
public final class ClusterApiHandlers {

    private ClusterApiHandlers() {
    }

    /** Chooses the writer for a request: the local controller for forwarded requests, else {@code writer}. */
    public static Function<RequestContext, MetadataWriter> routing(MetadataWriter writer) {
        return context -> writer instanceof ForwardingMetadataWriter forwarding
                && InterBrokerChannel.isForwarded(context.clientId()) ? forwarding.local() : writer;
    }

    public static ApiHandler<BrokerRegistrationRequest> brokerRegistration(Function<RequestContext, MetadataWriter> w) {
        return new Handler<>(ApiKeys.BROKER_REGISTRATION, (c, r) -> w.apply(c).registerBroker(r.data()));
    }

    /**
     * BrokerHeartbeat; the connection a broker heartbeats on is watched ({@link HeartbeatConnections}), so that
     * the controller that decides it hears when that connection closes.
     */
    public static ApiHandler<BrokerHeartbeatRequest> brokerHeartbeat(Function<RequestContext, MetadataWriter> w,
                                                                      HeartbeatConnections connections) {
        return new Handler<>(ApiKeys.BROKER_HEARTBEAT, (c, r) -> {
            MetadataWriter writer = w.apply(c);
            connections.heartbeatOn(c, r.data().brokerId(), r.data().brokerEpoch(), writer);
            return writer.brokerHeartbeat(r.data());
        });
    }

    public static ApiHandler<AlterPartitionRequest> alterPartition(Function<RequestContext, MetadataWriter> w) {
        return new Handler<>(ApiKeys.ALTER_PARTITION, (c, r) -> w.apply(c).alterPartition(r.data()));
    }

    public static ApiHandler<ElectLeadersRequest> electLeaders(Function<RequestContext, MetadataWriter> w) {
        return new Handler<>(ApiKeys.ELECT_LEADERS, (c, r) -> w.apply(c).electLeaders(r.data()));
    }

    /**
     * UpdateFeatures ({@code kafka-features.sh upgrade}), decided by the active controller (docs/adr/0028). A
     * refusal is the answer's top-level error (version 2 has no per-feature results), as Kafka answers it.
     */
    public static ApiHandler<UpdateFeaturesRequest> updateFeatures(Function<RequestContext, MetadataWriter> w) {
        return new Handler<>(ApiKeys.UPDATE_FEATURES, (c, r) -> w.apply(c).updateFeatures(r.data()));
    }

    public static ApiHandler<AllocateProducerIdsRequest> allocateProducerIds(
            Function<RequestContext, MetadataWriter> w) {
        return new Handler<>(ApiKeys.ALLOCATE_PRODUCER_IDS, (c, r) -> w.apply(c)
                .allocateProducerIds(r.data().brokerId())
                .thenApply(block -> new AllocateProducerIdsResponseData()
                        .setProducerIdStart(block.firstProducerId())
                        .setProducerIdLen(block.size())));
    }

    private interface Call<R> {
        CompletableFuture<? extends ApiMessage> apply(RequestContext context, R request);
    }

    private record Handler<R extends AbstractRequest>(ApiKeys apiKey, Call<R> call) implements ApiHandler<R> {
        @Override
        public CompletableFuture<ApiMessage> handle(RequestContext context, R request) {
            return call.apply(context, request).thenApply(response -> response);
        }
    }
}
