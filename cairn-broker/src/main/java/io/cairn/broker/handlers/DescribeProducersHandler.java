package io.cairn.broker.handlers;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import io.cairn.broker.replica.Partition;
import io.cairn.broker.replica.ReplicaManager;
import io.cairn.metadata.MetadataImage;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import io.cairn.storage.ProducerSnapshot;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.message.DescribeProducersResponseData.PartitionResponse;
import org.apache.kafka.common.message.DescribeProducersResponseData.ProducerState;
import org.apache.kafka.common.message.DescribeProducersResponseData.TopicResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeProducersRequest;

/**
 * DescribeProducers (KIP-664, what {@code kafka-transactions.sh describe-producers}, {@code find-hanging} and
 * {@code abort --start-offset} read): per partition, the idempotent and transactional producers its log here
 * remembers, with each one's epoch, last sequence, last timestamp, coordinator epoch and open transaction's first
 * offset (-1 when none). As in Kafka, any replica hosting the partition answers from its own log, a follower too
 * (the tool's {@code --broker-id} asks a given replica); a partition not hosted here is NOT_LEADER_OR_FOLLOWER if
 * the metadata knows it, else UNKNOWN_TOPIC_OR_PARTITION. The admin client sends to the leader unless told a
 * broker id.
 *
 * <p>Thread-safe (stateless; each log copies its producer state under its own lock).
 */
public final class DescribeProducersHandler implements ApiHandler<DescribeProducersRequest> {

    private final Supplier<MetadataImage> image;
    private final ReplicaManager replicas;

    public DescribeProducersHandler(Supplier<MetadataImage> image, ReplicaManager replicas) {
        this.image = image;
        this.replicas = replicas;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DESCRIBE_PRODUCERS;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, DescribeProducersRequest request) {
        MetadataImage current = image.get();
        DescribeProducersResponseData response = new DescribeProducersResponseData();
        for (DescribeProducersRequestData.TopicRequest topic : request.data().topics()) {
            TopicResponse topicResponse = new TopicResponse().setName(topic.name());
            for (int index : topic.partitionIndexes()) {
                topicResponse.partitions().add(describe(current, new TopicPartition(topic.name(), index)));
            }
            response.topics().add(topicResponse);
        }
        return CompletableFuture.completedFuture(response);
    }

    private PartitionResponse describe(MetadataImage current, TopicPartition tp) {
        PartitionResponse result = new PartitionResponse().setPartitionIndex(tp.partition());
        try {
            Partition partition = replicas.partitionOrThrow(tp, () -> {
                boolean known = current.topic(tp.topic()).map(t -> t.partitions().containsKey(tp.partition()))
                        .orElse(false);
                return known ? new NotLeaderOrFollowerException("This node does not host " + tp)
                        : new UnknownTopicOrPartitionException("Unknown partition " + tp);
            });
            for (ProducerSnapshot producer : partition.log().activeProducers()) {
                result.activeProducers().add(new ProducerState()
                        .setProducerId(producer.producerId())
                        .setProducerEpoch(producer.producerEpoch())
                        .setLastSequence(producer.lastSequence())
                        .setLastTimestamp(producer.lastTimestamp())
                        .setCoordinatorEpoch(producer.coordinatorEpoch())
                        .setCurrentTxnStartOffset(producer.currentTxnStartOffset()));
            }
            return result;
        } catch (RuntimeException e) {
            Errors error = Errors.forException(e);
            return result.setErrorCode(error.code()).setErrorMessage(e.getMessage());
        }
    }
}
