package io.cairn.broker.replica;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.cairn.metadata.BrokerImage;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.MetadataWriter;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.AlterPartitionRequestData;
import org.apache.kafka.common.message.AlterPartitionResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * Proposes ISR changes to the controller with AlterPartition, through the single metadata write path.
 *
 * <p>Thread-safe (stateless).
 */
public final class ControllerIsrChanger implements IsrChanger {

    private final int nodeId;
    private final LongSupplier brokerEpoch;
    private final Supplier<MetadataImage> image;
    private final MetadataWriter writer;

    public ControllerIsrChanger(int nodeId, LongSupplier brokerEpoch, Supplier<MetadataImage> image,
                                MetadataWriter writer) {
        this.nodeId = nodeId;
        this.brokerEpoch = brokerEpoch;
        this.image = image;
        this.writer = writer;
    }

    @Override
    public CompletableFuture<Void> proposeIsr(Uuid topicId, TopicPartition topicPartition, int leaderEpoch,
                                              int partitionEpoch, List<Integer> newIsr) {
        MetadataImage current = image.get();
        AlterPartitionRequestData.PartitionData partition = new AlterPartitionRequestData.PartitionData()
                .setPartitionIndex(topicPartition.partition())
                .setLeaderEpoch(leaderEpoch)
                .setPartitionEpoch(partitionEpoch)
                .setNewIsrWithEpochs(newIsr.stream().map(id -> new AlterPartitionRequestData.BrokerState()
                        .setBrokerId(id)
                        .setBrokerEpoch(brokerEpochOf(current, id))).toList());
        AlterPartitionRequestData request = new AlterPartitionRequestData()
                .setBrokerId(nodeId)
                .setBrokerEpoch(brokerEpoch.getAsLong());
        request.topics().add(new AlterPartitionRequestData.TopicData().setTopicId(topicId)
                .setPartitions(List.of(partition)));
        return writer.alterPartition(request).thenAccept(ControllerIsrChanger::check);
    }

    private static long brokerEpochOf(MetadataImage image, int brokerId) {
        BrokerImage broker = image.brokers().get(brokerId);
        return broker == null ? -1 : broker.epoch();
    }

    private static void check(AlterPartitionResponseData response) {
        Errors top = Errors.forCode(response.errorCode());
        if (top != Errors.NONE) {
            throw top.exception();
        }
        for (AlterPartitionResponseData.TopicData topic : response.topics()) {
            for (AlterPartitionResponseData.PartitionData partition : topic.partitions()) {
                Errors error = Errors.forCode(partition.errorCode());
                if (error != Errors.NONE) {
                    throw error.exception();
                }
            }
        }
    }
}
