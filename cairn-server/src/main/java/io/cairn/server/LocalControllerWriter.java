package io.cairn.server;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import io.cairn.metadata.MetadataWriter;
import io.cairn.metadata.ProducerIdBlock;
import io.cairn.metadata.controller.Controller;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.AlterPartitionRequestData;
import org.apache.kafka.common.message.AlterPartitionResponseData;
import org.apache.kafka.common.message.BrokerHeartbeatRequestData;
import org.apache.kafka.common.message.BrokerHeartbeatResponseData;
import org.apache.kafka.common.message.BrokerRegistrationRequestData;
import org.apache.kafka.common.message.BrokerRegistrationResponseData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.ElectLeadersResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;

/**
 * This node's {@link Controller} as the local {@link MetadataWriter} of the forwarding writer. It delegates
 * everything; for BrokerRegistration it falls back to {@link Controller#registerBroker(int, String, int,
 * String)} while the controller does not implement the message form yet, so either merge order works.
 *
 * <p>Thread-safe (stateless delegation).
 */
final class LocalControllerWriter implements MetadataWriter {

    private final Controller controller;

    LocalControllerWriter(Controller controller) {
        this.controller = controller;
    }

    @Override
    public CompletableFuture<CreateTopicsResponseData> createTopics(CreateTopicsRequestData request) {
        return controller.createTopics(request);
    }

    @Override
    public CompletableFuture<DeleteTopicsResponseData> deleteTopics(DeleteTopicsRequestData request) {
        return controller.deleteTopics(request);
    }

    @Override
    public CompletableFuture<CreatePartitionsResponseData> createPartitions(CreatePartitionsRequestData request) {
        return controller.createPartitions(request);
    }

    @Override
    public CompletableFuture<IncrementalAlterConfigsResponseData> incrementalAlterConfigs(
            IncrementalAlterConfigsRequestData request) {
        return controller.incrementalAlterConfigs(request);
    }

    @Override
    public CompletableFuture<AlterConfigsResponseData> alterConfigs(AlterConfigsRequestData request) {
        return controller.alterConfigs(request);
    }

    @Override
    public CompletableFuture<ProducerIdBlock> allocateProducerIds(int brokerId) {
        return controller.allocateProducerIds(brokerId);
    }

    @Override
    public CompletableFuture<BrokerRegistrationResponseData> registerBroker(BrokerRegistrationRequestData request) {
        return controller.registerBroker(request).handle((response, error) -> {
            Throwable cause = error instanceof CompletionException && error.getCause() != null
                    ? error.getCause() : error;
            if (cause instanceof UnsupportedVersionException) {
                return null;
            }
            if (cause != null) {
                throw new CompletionException(cause);
            }
            return CompletableFuture.completedFuture(response);
        }).thenCompose(done -> done != null ? done : registerWithPlainApi(request));
    }

    private CompletableFuture<BrokerRegistrationResponseData> registerWithPlainApi(
            BrokerRegistrationRequestData request) {
        BrokerRegistrationRequestData.Listener listener = request.listeners().iterator().next();
        return controller.registerBroker(request.brokerId(), listener.host(), listener.port(), request.rack())
                .thenApply(epoch -> new BrokerRegistrationResponseData().setBrokerEpoch(epoch));
    }

    @Override
    public CompletableFuture<BrokerHeartbeatResponseData> brokerHeartbeat(BrokerHeartbeatRequestData request) {
        return controller.brokerHeartbeat(request);
    }

    @Override
    public CompletableFuture<AlterPartitionResponseData> alterPartition(AlterPartitionRequestData request) {
        return controller.alterPartition(request);
    }

    @Override
    public CompletableFuture<ElectLeadersResponseData> electLeaders(ElectLeadersRequestData request) {
        return controller.electLeaders(request);
    }

    @Override
    public CompletableFuture<AlterPartitionReassignmentsResponseData> alterPartitionReassignments(
            AlterPartitionReassignmentsRequestData request) {
        return controller.alterPartitionReassignments(request);
    }
}
