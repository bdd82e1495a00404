package io.cairn.broker.txn;

import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.cairn.broker.Schedulers;
import io.cairn.broker.cluster.DataRequestBuilder;
import io.cairn.broker.cluster.InterBrokerChannel;
import io.cairn.broker.cluster.InterBrokerConnector;
import io.cairn.broker.cluster.NodeChannel;
import io.cairn.metadata.BrokerImage;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.PartitionImage;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AddPartitionsToTxnResponse;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.server.util.Scheduler;

/**
 * A partition leader's question to a transaction coordinator (KIP-890 part 1): are these partitions in the ongoing
 * transaction of this producer id and epoch? Asked before a producer's first transactional batch on a partition,
 * so that a produce arriving after its transaction ended cannot open a hanging one. For a client of transaction
 * version 2 (KIP-890 part 2) the question is a request: add them (AddPartitionsToTxn v5 with verifyOnly false). The coordinator is the leader
 * of the transactional id's {@code __transaction_state} partition in the committed image: this node's own
 * {@link TransactionCoordinator} when it leads it, else AddPartitionsToTxn (v4+, verifyOnly) over this verifier's
 * own connections. Answers per partition, with Kafka's coordinator errors (NOT_COORDINATOR,
 * COORDINATOR_NOT_AVAILABLE, NETWORK_EXCEPTION, ...) for all when the question cannot be asked.
 *
 * <p>Thread-safe.
 */
public final class TxnVerifier implements TransactionVerifier, AutoCloseable {

    static final long ADD_RETRY_BACKOFF_MS = 20;
    /**
     * How long a verification waits for the coordinator's answer (Kafka's request.timeout.ms); the produce is then
     * answered REQUEST_TIMED_OUT, which the client retries, and the connection is dropped.
     */
    static final long REQUEST_TIMEOUT_MS = 30_000;
    /**
     * Kafka's default is 100 ms (add.partitions.to.txn.retry.backoff.max.ms), after which the client's produce
     * retries with its own backoff (retry.backoff.ms, 100 ms growing to 1 s): on a 3-node cluster completing the
     * previous transaction often takes longer than 100 ms, and that backoff tripled the transactional end-to-end
     * p99 (docs/benchmarks.md). Asking here for longer costs one small request per 20 ms instead.
     */
    static final long ADD_RETRY_MAX_MS = 1_000;

    private final int nodeId;
    private final Supplier<MetadataImage> image;
    private final TransactionCoordinator local;
    private final Scheduler scheduler;
    private final Time time;
    private final NodeChannel channel;
    /** The channel this verifier made itself, closed with it; null when it was given one. */
    private final InterBrokerChannel owned;

    public TxnVerifier(int nodeId, Supplier<MetadataImage> image, TransactionCoordinator local,
                       Scheduler scheduler, Time time) {
        this(nodeId, image, local, scheduler, time, InterBrokerConnector.PLAINTEXT);
    }

    public TxnVerifier(int nodeId, Supplier<MetadataImage> image, TransactionCoordinator local,
                       Scheduler scheduler, Time time, InterBrokerConnector connector) {
        this(nodeId, image, local, scheduler, time, new InterBrokerChannel(nodeId, connector), true);
    }

    /** Asks other nodes' coordinators through {@code channel}, which its owner closes (the cluster simulation's). */
    public TxnVerifier(int nodeId, Supplier<MetadataImage> image, TransactionCoordinator local,
                       Scheduler scheduler, Time time, NodeChannel channel) {
        this(nodeId, image, local, scheduler, time, channel, false);
    }

    private TxnVerifier(int nodeId, Supplier<MetadataImage> image, TransactionCoordinator local,
                        Scheduler scheduler, Time time, NodeChannel channel, boolean owns) {
        this.nodeId = nodeId;
        this.image = image;
        this.local = local;
        this.scheduler = scheduler;
        this.time = time;
        this.channel = channel;
        this.owned = owns ? (InterBrokerChannel) channel : null;
    }

    /**
     * With {@code add} (transaction version 2), CONCURRENT_TRANSACTIONS is asked again every
     * {@value #ADD_RETRY_BACKOFF_MS} ms for up to {@value #ADD_RETRY_MAX_MS} ms, as Kafka's partition leader does
     * (add.partitions.to.txn.retry.backoff.ms and .max.ms, with a longer bound): it is the common answer while the
     * producer's previous transaction writes its markers, which a version 2 producer does not wait for, and a
     * produce is expensive for the client to retry.
     */
    @Override
    public CompletableFuture<Map<TopicPartition, Errors>> verify(String transactionalId, long producerId,
                                                               short producerEpoch,
                                                               Collection<TopicPartition> partitions, boolean add) {
        if (!add) {
            return ask(transactionalId, producerId, producerEpoch, partitions, false);
        }
        return askRetrying(transactionalId, producerId, producerEpoch, partitions, time.nanoseconds());
    }

    private CompletableFuture<Map<TopicPartition, Errors>> askRetrying(String transactionalId, long producerId,
                                                                     short producerEpoch,
                                                                     Collection<TopicPartition> partitions,
                                                                     long startNanos) {
        return ask(transactionalId, producerId, producerEpoch, partitions, true).thenCompose(answers -> {
            boolean concurrent = answers.containsValue(Errors.CONCURRENT_TRANSACTIONS);
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(time.nanoseconds() - startNanos);
            if (!concurrent || elapsedMs + ADD_RETRY_BACKOFF_MS > ADD_RETRY_MAX_MS) {
                return CompletableFuture.completedFuture(answers);
            }
            CompletableFuture<Map<TopicPartition, Errors>> retried = new CompletableFuture<>();
            try {
                Schedulers.once(scheduler, "txn-verify-retry", () -> askRetrying(transactionalId, producerId,
                        producerEpoch, partitions, startNanos).whenComplete((r, e) -> retried.complete(r)),
                        ADD_RETRY_BACKOFF_MS);
            } catch (RejectedExecutionException e) {
                return CompletableFuture.completedFuture(answers);
            }
            return retried;
        });
    }

    private CompletableFuture<Map<TopicPartition, Errors>> ask(String transactionalId, long producerId,
                                                             short producerEpoch,
                                                             Collection<TopicPartition> partitions, boolean add) {
        MetadataImage current = image.get();
        PartitionImage coordinator = current.topic(TransactionConfig.TRANSACTION_STATE_TOPIC)
                .map(t -> t.partitions().get(TransactionConfig.partitionFor(transactionalId, t.partitions().size())))
                .orElse(null);
        if (coordinator == null) {
            return CompletableFuture.completedFuture(TxnErrors.sameForAll(partitions, Errors.COORDINATOR_NOT_AVAILABLE));
        }
        if (coordinator.leader() == nodeId) {
            return local.addPartitions(transactionalId, producerId, producerEpoch, partitions, !add,
                            add ? TransactionMetadata.TV_2 : 0)
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
                .setVerifyOnly(!add).setTopics(topics(partitions)));
        return channel.send(new InetSocketAddress(broker.host(), broker.port()),
                        new DataRequestBuilder(ApiKeys.ADD_PARTITIONS_TO_TXN,
                                new AddPartitionsToTxnRequestData().setTransactions(transactions)),
                        scheduler, REQUEST_TIMEOUT_MS)
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
        if (owned != null) {
            owned.close();
        }
    }
}
