package io.cairn.broker.handlers;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import io.cairn.metadata.MetadataWriter;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.AlterPartitionReassignmentsRequest;

/**
 * AlterPartitionReassignments (KIP-455): handed whole to the metadata write path, decided by the active
 * controller (here, or forwarded to it). The answer comes once the reassignments are started (or cancelled);
 * they complete on their own when the new replicas are in sync.
 *
 * <p>Thread-safe (stateless).
 */
public final class AlterPartitionReassignmentsHandler implements ApiHandler<AlterPartitionReassignmentsRequest> {

    private final Function<RequestContext, MetadataWriter> writer;

    public AlterPartitionReassignmentsHandler(Function<RequestContext, MetadataWriter> writer) {
        this.writer = writer;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.ALTER_PARTITION_REASSIGNMENTS;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, AlterPartitionReassignmentsRequest request) {
        return writer.apply(context).alterPartitionReassignments(request.data()).thenApply(response -> response);
    }
}
