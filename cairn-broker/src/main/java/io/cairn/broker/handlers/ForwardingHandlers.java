package io.cairn.broker.handlers;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import io.cairn.metadata.MetadataWriter;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AlterConfigsRequest;
import org.apache.kafka.common.requests.CreatePartitionsRequest;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.apache.kafka.common.requests.DeleteTopicsRequest;
import org.apache.kafka.common.requests.IncrementalAlterConfigsRequest;

/**
 * The metadata mutations: each one is handed whole to the single metadata write path, which decides it
 * on the active controller (here, or forwarded) and answers once the change is committed and applied.
 * Handlers never choose who decides.
 */
public final class ForwardingHandlers {

    private ForwardingHandlers() {
    }

    public static ApiHandler<CreateTopicsRequest> createTopics(MetadataWriter writer) {
        return new Forwarding<>(ApiKeys.CREATE_TOPICS, r -> writer.createTopics(r.data()));
    }

    public static ApiHandler<DeleteTopicsRequest> deleteTopics(MetadataWriter writer) {
        return new Forwarding<>(ApiKeys.DELETE_TOPICS, r -> writer.deleteTopics(r.data()));
    }

    public static ApiHandler<CreatePartitionsRequest> createPartitions(MetadataWriter writer) {
        return new Forwarding<>(ApiKeys.CREATE_PARTITIONS, r -> writer.createPartitions(r.data()));
    }

    public static ApiHandler<AlterConfigsRequest> alterConfigs(MetadataWriter writer) {
        return new Forwarding<>(ApiKeys.ALTER_CONFIGS, r -> writer.alterConfigs(r.data()));
    }

    public static ApiHandler<IncrementalAlterConfigsRequest> incrementalAlterConfigs(MetadataWriter writer) {
        return new Forwarding<>(ApiKeys.INCREMENTAL_ALTER_CONFIGS, r -> writer.incrementalAlterConfigs(r.data()));
    }

    /** Thread-safe (stateless). */
    private record Forwarding<R extends AbstractRequest>(
            ApiKeys apiKey, Function<R, CompletableFuture<? extends ApiMessage>> write) implements ApiHandler<R> {

        @Override
        public CompletableFuture<ApiMessage> handle(RequestContext context, R request) {
            return write.apply(request).thenApply(response -> response);
        }
    }
}
