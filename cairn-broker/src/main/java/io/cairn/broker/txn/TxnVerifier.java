package io.cairn.broker.txn;

import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import io.cairn.broker.controller.ControllerChannel;
import io.cairn.broker.controller.DataRequestBuilder;
import io.cairn.metadata.BrokerImage;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.PartitionImage;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AddPartitionsToTxnResponse;

/**
 * A partition leader's question to a transaction coordinator (KIP-890 part 1): are these partitions in the ongoing
 * transaction of this producer id and epoch? Asked before a producer's first transactional batch on a partition,
 * so that a produce arriving after its transaction ended cannot open a hanging one. The coordinator is the leader
 * of the transactional id's {@code __transaction_state} partition in the committed image: this node's own
 * {@link TransactionCoordinator} when it leads it, else AddPartitionsToTxn (v4+, verifyOnly) over this verifier's
 * own connections. Answers per partition, with Kafka's coordinator errors (NOT_COORDINATOR,
 * COORDINATOR_NOT_AVAILABLE, NETWORK_EXCEPTION, ...) for all when the question cannot be asked.
 *
 * <p>Thread-safe.
 */
public final class TxnVerifier implements TransactionVerifier, AutoCloseable {

    private final int nodeId;
    private final Supplier<MetadataImage> image;
    private final TransactionCoordinator local;
    private final ControllerChannel channel;

    public TxnVerifier(int nodeId, Supplier<MetadataImage> image, TransactionCoordinator local) {
        this.nodeId = nodeId;
        this.image = image;
        this.local = local;
        this.channel = new ControllerChannel(nodeId);
    }

    @Override
    public CompletableFuture<Map<TopicPartition, Errors>> verify(String transactionalId, long producerId,
                                                               short producerEpoch,
                                                               Collection<TopicPartition> partitions) {
        MetadataImage current = image.get();
        PartitionImage coordinator = current.topic(TransactionConfig.TRANSACTION_STATE_TOPIC)
                .map(t -> t.partitions().get(TransactionConfig.partitionFor(transactionalId, t.partitions().size())))
                .orElse(null);
        if (coordinator == null) {
            return CompletableFuture.completedFuture(TxnErrors.sameForAll(partitions, Errors.COORDINATOR_NOT_AVAILABLE));
        }
        if (coordinator.leader() == nodeId) {
            return local.addPartitions(transactionalId, producerId, producerEpoch, partitions, true)
                    .exceptionally(error -> TxnErrors.sameForAll(partitions, Errors.forException(error)));
        }
        BrokerImage broker = current.brokers().get(coordinator.leader());
        if (broker == null || broker.fenced()) {
            return CompletableFuture.completedFuture(TxnErrors.sameForAll(partitions, Errors.COORDINATOR_NOT_AVAILABLE));
        }
        AddPartitionsToTxnRequestData.AddPartitionsToTxnTransactionCollection transactions =
                new AddPartitionsToTxnRequestData.AddPartitionsToTxnTransactionCollection();
        transactions.add(new AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction()
                .setTransactionalId(transactionalId).setProducerId(producerId).setProducerEpoch(producerEpoch)
                .setVerifyOnly(true).setTopics(topics(partitions)));
        return channel.send(new InetSocketAddress(broker.host(), broker.port()),
                        new DataRequestBuilder(ApiKeys.ADD_PARTITIONS_TO_TXN,
                                new AddPartitionsToTxnRequestData().setTransactions(transactions)))
                .thenApply(response -> {
                    AddPartitionsToTxnResponseData data = (AddPartitionsToTxnResponseData) response.data();
                    if (data.errorCode() != Errors.NONE.code()) {
                        return TxnErrors.sameForAll(partitions, Errors.forCode(data.errorCode()));
                    }
                    AddPartitionsToTxnResponseData.AddPartitionsToTxnResult result =
                            data.resultsByTransaction().find(transactionalId);
                    return result == null ? TxnErrors.sameForAll(partitions, Errors.UNKNOWN_SERVER_ERROR)
                            : AddPartitionsToTxnResponse.errorsForTransaction(result.topicResults());
                })
                .exceptionally(error -> TxnErrors.sameForAll(partitions, Errors.forException(error)));
    }

    private static AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection topics(
            Collection<TopicPartition> partitions) {
        AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection topics =
                new AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection();
        for (TopicPartition tp : partitions) {
            AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic topic = topics.find(tp.topic());
            if (topic == null) {
                topic = new AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic().setName(tp.topic());
                topics.add(topic);
            }
            topic.partitions().add(tp.partition());
        }
        return topics;
    }

    @Override
    public void close() {
        channel.close();
    }
}
