package io.cairn.broker.handlers;

import java.util.concurrent.CompletableFuture;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

import io.cairn.broker.AdvertisedEndpoints;
import io.cairn.metadata.BrokerImage;
import io.cairn.metadata.MetadataImage;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeClusterResponseData.DescribeClusterBroker;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeClusterRequest;
import org.apache.kafka.common.resource.ResourceType;

/**
 * DescribeCluster: the cluster id, the controller and the registered brokers, from the committed image
 * (so every node answers the same once caught up).
 *
 * <p>Thread-safe (stateless).
 */
public final class DescribeClusterHandler implements ApiHandler<DescribeClusterRequest> {

    /** DescribeCluster's endpointType for brokers (1) as opposed to controllers (2). */
    private static final byte BROKER_ENDPOINTS = 1;

    private final Supplier<MetadataImage> image;
    private final IntSupplier controllerId;
    private final AdvertisedEndpoints endpoints;

    public DescribeClusterHandler(Supplier<MetadataImage> image) {
        this(image, () -> image.get().controllerId());
    }

    /** @param controllerId the node hosting the active controller now (the metadata Raft leader) */
    public DescribeClusterHandler(Supplier<MetadataImage> image, IntSupplier controllerId) {
        this(image, controllerId, AdvertisedEndpoints.REGISTERED);
    }

    /**
     * @param controllerId the node hosting the active controller now (the metadata Raft leader)
     * @param endpoints    the brokers' endpoints on the listener a request came through
     */
    public DescribeClusterHandler(Supplier<MetadataImage> image, IntSupplier controllerId,
                                  AdvertisedEndpoints endpoints) {
        this.endpoints = endpoints;
        this.image = image;
        this.controllerId = controllerId;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DESCRIBE_CLUSTER;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, DescribeClusterRequest request) {
        MetadataImage current = image.get();
        DescribeClusterResponseData response = new DescribeClusterResponseData()
                .setEndpointType(BROKER_ENDPOINTS)
                .setClusterId(current.clusterId())
                .setControllerId(ControllerIds.reachable(image.get(), controllerId.getAsInt()));
        if (request.data().endpointType() != BROKER_ENDPOINTS) {
            return CompletableFuture.completedFuture(response
                    .setErrorCode(Errors.UNSUPPORTED_ENDPOINT_TYPE.code())
                    .setErrorMessage("Cairn nodes serve the broker endpoint type only"));
        }
        if (request.data().includeClusterAuthorizedOperations()) {
            response.setClusterAuthorizedOperations(AuthorizedOperations.all(ResourceType.CLUSTER));
        }
        boolean includeFenced = request.data().includeFencedBrokers();
        for (BrokerImage broker : current.brokers().values()) {
            if (!broker.fenced() || includeFenced) {
                endpoints.of(broker, context.listenerName()).ifPresent(endpoint -> response.brokers().add(
                        new DescribeClusterBroker()
                                .setBrokerId(broker.id())
                                .setHost(endpoint.host())
                                .setPort(endpoint.port())
                                .setRack(broker.rack().orElse(null))
                                .setIsFenced(broker.fenced())));
            }
        }
        return CompletableFuture.completedFuture(response);
    }
}
