package io.cairn.broker.handlers;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import io.cairn.broker.replica.Partition;
import io.cairn.broker.replica.ReplicaManager;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import io.cairn.storage.EpochEndOffset;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochRequest;

/**
 * OffsetForLeaderEpoch: for an epoch, the largest epoch at or below it that this leader knows and the
 * offset where it ends. Consumers use it to validate their position after a leader change; a replica
 * following a new leader uses it (or the diverging epoch of a Fetch) to find where to truncate.
 *
 * <p>Thread-safe (stateless).
 */
public final class OffsetForLeaderEpochHandler implements ApiHandler<OffsetsForLeaderEpochRequest> {

    private final ReplicaManager replicas;

    public OffsetForLeaderEpochHandler(ReplicaManager replicas) {
        this.replicas = replicas;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.OFFSET_FOR_LEADER_EPOCH;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, OffsetsForLeaderEpochRequest request) {
        OffsetForLeaderEpochResponseData response = new OffsetForLeaderEpochResponseData();
        for (OffsetForLeaderEpochRequestData.OffsetForLeaderTopic topic : request.data().topics()) {
            OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult topicResult =
                    new OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult().setTopic(topic.topic());
            for (OffsetForLeaderEpochRequestData.OffsetForLeaderPartition partition : topic.partitions()) {
                topicResult.partitions().add(endOffset(new TopicPartition(topic.topic(), partition.partition()),
                        partition));
            }
            response.topics().add(topicResult);
        }
        return CompletableFuture.completedFuture(response);
    }

    private static OffsetForLeaderEpochResponseData.EpochEndOffset result(int partition) {
        return new OffsetForLeaderEpochResponseData.EpochEndOffset().setPartition(partition);
    }

    private OffsetForLeaderEpochResponseData.EpochEndOffset endOffset(
            TopicPartition tp, OffsetForLeaderEpochRequestData.OffsetForLeaderPartition request) {
        try {
            Partition partition = replicas.partitionOrThrow(tp,
                    () -> new UnknownTopicOrPartitionException("Unknown partition " + tp));
            partition.requireLeader(Optional.of(request.currentLeaderEpoch()));
            EpochEndOffset end = partition.log().endOffsetForEpoch(request.leaderEpoch());
            return result(tp.partition()).setLeaderEpoch(end.epoch()).setEndOffset(end.endOffset());
        } catch (RuntimeException e) {
            return result(tp.partition()).setErrorCode(Errors.forException(e).code())
                    .setLeaderEpoch(-1).setEndOffset(-1);
        }
    }
}
