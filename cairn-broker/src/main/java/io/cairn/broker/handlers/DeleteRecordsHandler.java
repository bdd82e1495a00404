package io.cairn.broker.handlers;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import io.cairn.broker.replica.Partition;
import io.cairn.broker.replica.ReplicaManager;
import io.cairn.metadata.MetadataImage;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsPartitionResult;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DeleteRecordsRequest;

/**
 * DeleteRecords: moves a partition's log start offset forward (offset -1 means the high watermark).
 * Offsets above the high watermark are refused with OFFSET_OUT_OF_RANGE, internal topics with
 * INVALID_TOPIC_EXCEPTION (as Kafka).
 *
 * <p>Thread-safe (stateless).
 */
public final class DeleteRecordsHandler implements ApiHandler<DeleteRecordsRequest> {

    private final Supplier<MetadataImage> image;
    private final ReplicaManager replicas;

    public DeleteRecordsHandler(Supplier<MetadataImage> image, ReplicaManager replicas) {
        this.image = image;
        this.replicas = replicas;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DELETE_RECORDS;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, DeleteRecordsRequest request) {
        MetadataImage current = image.get();
        DeleteRecordsResponseData response = new DeleteRecordsResponseData();
        for (DeleteRecordsRequestData.DeleteRecordsTopic topic : request.data().topics()) {
            DeleteRecordsTopicResult topicResult = new DeleteRecordsTopicResult().setName(topic.name());
            for (DeleteRecordsRequestData.DeleteRecordsPartition partition : topic.partitions()) {
                TopicPartition tp = new TopicPartition(topic.name(), partition.partitionIndex());
                topicResult.partitions().add(delete(current, tp, partition.offset()));
            }
            response.topics().add(topicResult);
        }
        return CompletableFuture.completedFuture(response);
    }

    private DeleteRecordsPartitionResult delete(MetadataImage current, TopicPartition tp, long offset) {
        DeleteRecordsPartitionResult result = new DeleteRecordsPartitionResult().setPartitionIndex(tp.partition());
        try {
            // As Kafka: a partition of the cluster without a replica here sends the client back to the metadata.
            Partition partition = replicas.partitionOrThrow(tp, () -> {
                boolean known = current.topic(tp.topic()).map(t -> t.partitions().containsKey(tp.partition()))
                        .orElse(false);
                return known ? new NotLeaderOrFollowerException("This node does not host " + tp)
                        : new UnknownTopicOrPartitionException("Unknown partition " + tp);
            });
            if (Topic.isInternal(tp.topic())) {
                // As Kafka: a coordinator's state is not the user's to cut.
                throw new InvalidTopicException("Cannot delete records of internal topic " + tp.topic());
            }
            partition.requireLeader(Optional.empty());
            // Never into an unfinished transaction: up to the last stable offset (the high watermark when none is
            // open), and -1 ("up to the high watermark") means up to there.
            long stable = partition.lastStableOffset();
            long target = offset == -1 ? stable : offset;
            if (target < 0 || target > stable) {
                throw new OffsetOutOfRangeException("Offset " + offset + " of " + tp + " is outside [0, last stable "
                        + "offset " + stable + "] (high watermark " + partition.highWatermark() + ")");
            }
            return result.setLowWatermark(partition.log().deleteRecordsBefore(target));
        } catch (RuntimeException e) {
            return result.setErrorCode(Errors.forException(e).code()).setLowWatermark(-1);
        }
    }
}
