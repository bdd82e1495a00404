package io.cairn.broker.handlers;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import io.cairn.broker.replica.Partition;
import io.cairn.broker.replica.ReplicaManager;
import io.cairn.broker.replica.ReplicaRole;
import io.cairn.metadata.MetadataImage;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import io.cairn.storage.PartitionLog;
import io.cairn.storage.TimestampAndOffset;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsTopicResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ListOffsetsRequest;

/**
 * ListOffsets: earliest, latest (the high watermark: what consumers can read), by timestamp, and the
 * record with the largest timestamp, for partitions this node leads.
 *
 * <p>Thread-safe (stateless).
 */
public final class ListOffsetsHandler implements ApiHandler<ListOffsetsRequest> {

    private final Supplier<MetadataImage> image;
    private final ReplicaManager replicas;

    public ListOffsetsHandler(Supplier<MetadataImage> image, ReplicaManager replicas) {
        this.image = image;
        this.replicas = replicas;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.LIST_OFFSETS;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, ListOffsetsRequest request) {
        ListOffsetsResponseData response = new ListOffsetsResponseData();
        MetadataImage current = image.get();
        for (ListOffsetsRequestData.ListOffsetsTopic topic : request.data().topics()) {
            ListOffsetsTopicResponse topicResponse = new ListOffsetsTopicResponse().setName(topic.name());
            for (ListOffsetsRequestData.ListOffsetsPartition partition : topic.partitions()) {
                topicResponse.partitions().add(listOffset(current, topic.name(), partition, request.version(),
                        IsolationLevels.of(request.data().isolationLevel())));
            }
            response.topics().add(topicResponse);
        }
        return CompletableFuture.completedFuture(response);
    }

    private ListOffsetsPartitionResponse listOffset(MetadataImage current, String topic,
                                                    ListOffsetsRequestData.ListOffsetsPartition request,
                                                    short version, IsolationLevel isolation) {
        ListOffsetsPartitionResponse result = new ListOffsetsPartitionResponse()
                .setPartitionIndex(request.partitionIndex());
        try {
            TopicPartition tp = new TopicPartition(topic, request.partitionIndex());
            boolean known = current.topic(topic).map(t -> t.partitions().containsKey(tp.partition())).orElse(false);
            if (!known) {
                throw new UnknownTopicOrPartitionException("Unknown partition " + tp);
            }
            Partition partition = replicas.partitionOrThrow(tp,
                    () -> new NotLeaderOrFollowerException("This node does not host " + tp));
            ReplicaRole.Leader leader = partition.requireLeader(Optional.of(request.currentLeaderEpoch()));
            TimestampAndOffset found = find(partition, request.timestamp(), leader.leaderEpoch(), isolation);
            result.setTimestamp(found.timestamp()).setOffset(found.offset());
            return version >= 4 ? result.setLeaderEpoch(found.leaderEpoch()) : result;
        } catch (RuntimeException e) {
            return result.setErrorCode(Errors.forException(e).code()).setTimestamp(-1).setOffset(-1);
        }
    }

    /**
     * Kafka's answers: the log start, the last offset a consumer of this isolation level may read (high
     * watermark, or last stable offset for read_committed), or the first record at or after a timestamp below it.
     */
    private static TimestampAndOffset find(Partition partition, long timestamp, int leaderEpoch,
                                           IsolationLevel isolation) {
        PartitionLog log = partition.log();
        long highWatermark = isolation == IsolationLevel.READ_COMMITTED ? partition.lastStableOffset()
                : partition.highWatermark();
        if (timestamp == ListOffsetsRequest.EARLIEST_TIMESTAMP || timestamp == ListOffsetsRequest.EARLIEST_LOCAL_TIMESTAMP) {
            return new TimestampAndOffset(-1, log.logStartOffset(), -1);
        }
        if (timestamp == ListOffsetsRequest.LATEST_TIMESTAMP || timestamp == ListOffsetsRequest.LATEST_TIERED_TIMESTAMP) {
            return new TimestampAndOffset(-1, highWatermark, leaderEpoch);
        }
        if (timestamp < 0 && timestamp != ListOffsetsRequest.MAX_TIMESTAMP) {
            return new TimestampAndOffset(-1, -1, -1);
        }
        Optional<TimestampAndOffset> found = timestamp == ListOffsetsRequest.MAX_TIMESTAMP
                ? log.maxTimestamp()
                : log.offsetForTimestamp(timestamp);
        return found.filter(f -> f.offset() < highWatermark).orElse(new TimestampAndOffset(-1, -1, -1));
    }
}
