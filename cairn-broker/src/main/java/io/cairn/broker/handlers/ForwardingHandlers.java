package io.cairn.broker.handlers;

import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.function.Function;

import io.cairn.metadata.MetadataWriter;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.CreatePartitionsRequest;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.apache.kafka.common.requests.DeleteTopicsRequest;

/**
 * The metadata mutations: each one is handed whole to the single metadata write path, which decides it
 * on the active controller (here, or forwarded) and answers once the change is committed and applied.
 * Handlers never choose who decides.
 */
public final class ForwardingHandlers {

    private ForwardingHandlers() {
    }

    public static ApiHandler<CreateTopicsRequest> createTopics(MetadataWriter writer) {
        return createTopics(context -> writer);
    }

    public static ApiHandler<DeleteTopicsRequest> deleteTopics(MetadataWriter writer) {
        return deleteTopics(context -> writer);
    }

    public static ApiHandler<CreatePartitionsRequest> createPartitions(MetadataWriter writer) {
        return createPartitions(context -> writer);
    }

    // With a writer per request: a request another node already forwarded is decided by the local
    // controller only (see io.cairn.broker.handlers.ClusterApiHandlers#routing).

    public static ApiHandler<CreateTopicsRequest> createTopics(Function<RequestContext, MetadataWriter> writer) {
        return new Forwarding<>(ApiKeys.CREATE_TOPICS, (c, r) -> writer.apply(c).createTopics(r.data()));
    }

    public static ApiHandler<DeleteTopicsRequest> deleteTopics(Function<RequestContext, MetadataWriter> writer) {
        return new Forwarding<>(ApiKeys.DELETE_TOPICS, (c, r) -> writer.apply(c).deleteTopics(r.data()));
    }

    public static ApiHandler<CreatePartitionsRequest> createPartitions(
            Function<RequestContext, MetadataWriter> writer) {
        return new Forwarding<>(ApiKeys.CREATE_PARTITIONS, (c, r) -> writer.apply(c).createPartitions(r.data()));
    }

    /** Thread-safe (stateless). */
    private record Forwarding<R extends AbstractRequest>(
            ApiKeys apiKey, BiFunction<RequestContext, R, CompletableFuture<? extends ApiMessage>> write)
            implements ApiHandler<R> {

        @Override
        public CompletableFuture<ApiMessage> handle(RequestContext context, R request) {
            return write.apply(context, request).thenApply(response -> response);
        }
    }
}
