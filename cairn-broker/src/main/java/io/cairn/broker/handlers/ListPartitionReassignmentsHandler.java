package io.cairn.broker.handlers;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.controller.ReassignmentControl;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.ListPartitionReassignmentsRequest;

/**
 * ListPartitionReassignments (KIP-455): the ongoing reassignments, read from this node's committed image
 * (every node has the same one; a forwarded AlterPartitionReassignments returns once this node has seen it).
 *
 * <p>Thread-safe (stateless).
 */
public final class ListPartitionReassignmentsHandler implements ApiHandler<ListPartitionReassignmentsRequest> {

    private final Supplier<MetadataImage> image;

    public ListPartitionReassignmentsHandler(Supplier<MetadataImage> image) {
        this.image = image;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.LIST_PARTITION_REASSIGNMENTS;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, ListPartitionReassignmentsRequest request) {
        return CompletableFuture.completedFuture(
                ReassignmentControl.listPartitionReassignments(image.get(), request.data()));
    }
}
