package io.cairn.broker.handlers;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

import io.cairn.broker.group.GroupConfig;
import io.cairn.broker.group.GroupCoordinatorRuntime;
import io.cairn.broker.txn.TransactionVerifier;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.TopicImage;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.TxnOffsetCommitRequest;

/**
 * TxnOffsetCommit (v0..v5): writes a group's offsets into the producer's transaction, as records of one
 * transactional batch of that producer in the group's {@code __consumer_offsets} partition, and answers once they
 * are replicated; the offsets stay pending (invisible to OffsetFetch) until the transaction coordinator writes the
 * transaction's marker to that partition. Up to v4 the partition must already be in the transaction
 * (AddOffsetsToTxn); v5 comes from clients of transaction version 2 (KIP-890 part 2), which send no
 * AddOffsetsToTxn: the transaction coordinator is first asked to add the group's partition, as Kafka's group
 * coordinator does.
 *
 * <p>Errors of the write are answered on every partition, mapped as Kafka's group coordinator does.
 *
 * <p>Thread-safe (stateless).
 */
public final class TxnOffsetCommitHandler implements ApiHandler<TxnOffsetCommitRequest> {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TxnOffsetCommitHandler.class);

    private final GroupCoordinatorRuntime groups;
    private final TransactionVerifier verifier;
    private final Supplier<MetadataImage> image;

    public TxnOffsetCommitHandler(GroupCoordinatorRuntime groups, TransactionVerifier verifier,
                                  Supplier<MetadataImage> image) {
        this.groups = groups;
        this.verifier = verifier;
        this.image = image;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.TXN_OFFSET_COMMIT;
    }

    @Override
    public short maxVersion() {
        return 5;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, TxnOffsetCommitRequest request) {
        TxnOffsetCommitRequestData requested = request.data();
        short version = context.apiVersion();
        if (requested.groupId() == null || requested.groupId().isEmpty()) {
            return CompletableFuture.completedFuture(errorResponse(requested, Errors.INVALID_GROUP_ID, version));
        }
        // Offsets join a producer's transaction: without a producer id or epoch there is none to join (kafka-clients
        // cannot even build the transactional batch).
        if (requested.producerId() < 0) {
            return CompletableFuture.completedFuture(errorResponse(requested, Errors.INVALID_PRODUCER_ID_MAPPING,
                    version));
        }
        if (requested.producerEpoch() < 0) {
            return CompletableFuture.completedFuture(errorResponse(requested, Errors.INVALID_PRODUCER_EPOCH, version));
        }
        // As Kafka: partitions that do not exist are answered UNKNOWN_TOPIC_OR_PARTITION, the others committed.
        TxnOffsetCommitRequestData data = requested.duplicate().setTopics(new ArrayList<>());
        TxnOffsetCommitRequestData missing = requested.duplicate().setTopics(new ArrayList<>());
        MetadataImage current = image.get();
        for (TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic topic : requested.topics()) {
            Optional<TopicImage> topicImage = current.topic(topic.name());
            TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic known = topic.duplicate()
                    .setPartitions(new ArrayList<>());
            TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic unknown = topic.duplicate()
                    .setPartitions(new ArrayList<>());
            for (TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition p : topic.partitions()) {
                boolean exists = topicImage.isPresent() && topicImage.get().partitions().containsKey(p.partitionIndex());
                (exists ? known : unknown).partitions().add(p);
            }
            if (!known.partitions().isEmpty()) {
                data.topics().add(known);
            }
            if (!unknown.partitions().isEmpty()) {
                missing.topics().add(unknown);
            }
        }
        if (missing.topics().isEmpty()) {
            return commitToGroup(data, version);
        }
        TxnOffsetCommitResponseData unknownAnswer = response(missing, Errors.UNKNOWN_TOPIC_OR_PARTITION);
        if (data.topics().isEmpty()) {
            return CompletableFuture.completedFuture(unknownAnswer);
        }
        return commitToGroup(data, version).thenApply(response -> {
            ((TxnOffsetCommitResponseData) response).topics().addAll(unknownAnswer.topics());
            return response;
        });
    }

    /** The commit of partitions that exist: v5+ first adds the group's partition to the transaction. */
    private CompletableFuture<ApiMessage> commitToGroup(TxnOffsetCommitRequestData data, short version) {
        int partition = groups.partitionFor(data.groupId());
        if (version < 5) {
            return commit(data, partition, version);
        }
        TopicPartition offsetsPartition = new TopicPartition(GroupConfig.OFFSETS_TOPIC, partition);
        return verifier.verify(data.transactionalId(), data.producerId(), data.producerEpoch(),
                List.of(offsetsPartition), true).thenCompose(answers -> {
                    Errors error = answers.getOrDefault(offsetsPartition, Errors.UNKNOWN_SERVER_ERROR);
                    return error == Errors.NONE ? commit(data, partition, version)
                            : CompletableFuture.completedFuture(errorResponse(data, error, version));
                });
    }

    private CompletableFuture<ApiMessage> commit(TxnOffsetCommitRequestData data, int partition, short version) {
        return groups.write(partition, shard -> shard.offsets().commitTransactionalOffsets(data))
                .<ApiMessage>thenApply(response -> response)
                .exceptionally(error -> {
                    Throwable cause = unwrap(error);
                    if (!(cause instanceof org.apache.kafka.common.errors.ApiException)) {
                        LOG.error("Unexpected error committing transactional offsets of group {}", data.groupId(),
                                cause);
                    }
                    return errorResponse(data, Errors.forException(cause), version);
                });
    }

    /** Every partition of the request with {@code error}, mapped for the client as Kafka does. */
    static TxnOffsetCommitResponseData errorResponse(TxnOffsetCommitRequestData request, Errors error,
                                                     short version) {
        return response(request, clientError(error, version));
    }

    /** Every partition of the request with {@code error}, as it is. */
    private static TxnOffsetCommitResponseData response(TxnOffsetCommitRequestData request, Errors mapped) {
        TxnOffsetCommitResponseData response = new TxnOffsetCommitResponseData();
        for (TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic topic : request.topics()) {
            TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic topicResponse =
                    new TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic().setName(topic.name());
            for (TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition partition : topic.partitions()) {
                topicResponse.partitions().add(new TxnOffsetCommitResponseData.TxnOffsetCommitResponsePartition()
                        .setPartitionIndex(partition.partitionIndex())
                        .setErrorCode(mapped.code()));
            }
            response.topics().add(topicResponse);
        }
        return response;
    }

    /**
     * Kafka's mapping of a coordinator write's error (CoordinatorOperationExceptionHelper), and its answer to
     * v0/v1 clients, which do not expect COORDINATOR_LOAD_IN_PROGRESS (KAFKA-7296).
     */
    static Errors clientError(Errors error, short version) {
        Errors mapped = switch (error) {
            case NETWORK_EXCEPTION -> Errors.COORDINATOR_LOAD_IN_PROGRESS;
            case UNKNOWN_TOPIC_OR_PARTITION, NOT_ENOUGH_REPLICAS, REQUEST_TIMED_OUT ->
                    Errors.COORDINATOR_NOT_AVAILABLE;
            case NOT_LEADER_OR_FOLLOWER, KAFKA_STORAGE_ERROR -> Errors.NOT_COORDINATOR;
            case MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE, INVALID_FETCH_SIZE -> Errors.UNKNOWN_SERVER_ERROR;
            default -> error;
        };
        if (version < 2 && mapped == Errors.COORDINATOR_LOAD_IN_PROGRESS) {
            return Errors.COORDINATOR_NOT_AVAILABLE;
        }
        return mapped;
    }

    private static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }
}
