package io.cairn.broker.replica;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * Proposes ISR changes to the controller with AlterPartition, through the single metadata write path. As
 * Kafka's AlterPartitionManager does, one request is in flight at a time and the proposals made meanwhile go
 * out together in the next one: when a restarted broker catches up, its leaders' hundreds of ISR expansions
 * become a few requests and a few metadata batches, not one of each per partition.
 *
 * <p>Thread-safe.
 */
public final class ControllerIsrChanger implements IsrChanger {

    private final int nodeId;
    private final LongSupplier brokerEpoch;
    private final Supplier<MetadataImage> image;
    private final MetadataWriter writer;
    /** Proposals waiting for the next request, in order. Guarded by this. */
    private final List<Proposal> queued = new ArrayList<>();
    /** Whether a request is out. Guarded by this. */
    private boolean inFlight;

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
        Proposal proposal = new Proposal(new Key(topicId, topicPartition.partition()), partition,
                new CompletableFuture<>());
        boolean send;
        synchronized (this) {
            queued.add(proposal);
            send = !inFlight;
            inFlight = true;
        }
        if (send) {
            sendQueued();
        }
        return proposal.result();
    }

    /** Sends everything queued as one request; on its answer, completes each proposal and sends the next. */
    private void sendQueued() {
        List<Proposal> batch;
        synchronized (this) {
            batch = List.copyOf(queued);
            queued.clear();
            if (batch.isEmpty()) {
                inFlight = false;
                return;
            }
        }
        AlterPartitionRequestData request = new AlterPartitionRequestData()
                .setBrokerId(nodeId)
                .setBrokerEpoch(brokerEpoch.getAsLong());
        Map<Uuid, AlterPartitionRequestData.TopicData> topics = new LinkedHashMap<>();
        for (Proposal p : batch) {
            topics.computeIfAbsent(p.key().topicId(), id -> {
                AlterPartitionRequestData.TopicData topic = new AlterPartitionRequestData.TopicData().setTopicId(id);
                request.topics().add(topic);
                return topic;
            }).partitions().add(p.data());
        }
        CompletableFuture<AlterPartitionResponseData> answered;
        try {
            answered = writer.alterPartition(request);
        } catch (RuntimeException e) {
            answered = CompletableFuture.failedFuture(e);
        }
        answered.whenComplete((response, error) -> {
            try {
                complete(batch, response, error);
            } finally {
                sendQueued();
            }
        });
    }

    private static void complete(List<Proposal> batch, AlterPartitionResponseData response, Throwable error) {
        if (error != null) {
            batch.forEach(p -> p.result().completeExceptionally(error));
            return;
        }
        Errors top = Errors.forCode(response.errorCode());
        if (top != Errors.NONE) {
            batch.forEach(p -> p.result().completeExceptionally(top.exception()));
            return;
        }
        Map<Key, Errors> results = new LinkedHashMap<>();
        for (AlterPartitionResponseData.TopicData topic : response.topics()) {
            for (AlterPartitionResponseData.PartitionData partition : topic.partitions()) {
                results.put(new Key(topic.topicId(), partition.partitionIndex()),
                        Errors.forCode(partition.errorCode()));
            }
        }
        for (Proposal p : batch) {
            Errors result = results.get(p.key());
            if (result == null) {
                p.result().completeExceptionally(Errors.UNKNOWN_SERVER_ERROR.exception(
                        "the controller's answer does not name " + p.key()));
            } else if (result != Errors.NONE) {
                p.result().completeExceptionally(result.exception());
            } else {
                p.result().complete(null);
            }
        }
    }

    private static long brokerEpochOf(MetadataImage image, int brokerId) {
        BrokerImage broker = image.brokers().get(brokerId);
        return broker == null ? -1 : broker.epoch();
    }

    private record Key(Uuid topicId, int partition) {
    }

    private record Proposal(Key key, AlterPartitionRequestData.PartitionData data, CompletableFuture<Void> result) {
    }
}
