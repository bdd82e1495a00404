package io.cairn.broker.txn;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
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
import org.apache.kafka.common.errors.NotCoordinatorException;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarker;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarkerTopic;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.server.util.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the markers of decided transactions to the leaders of their partitions, retrying until every partition
 * has its marker (Kafka's transaction marker channel). Partitions are grouped by their leader in the committed
 * image at each attempt, so a leader change is followed; partitions this node leads are written in place, the
 * others with WriteTxnMarkers over this sender's own connections (never queued behind other traffic, adr/0006).
 * A partition is done when its marker is written, when its topic was deleted, or when its leader answers that
 * the producer or coordinator epoch moved on (the transaction was ended by a newer decision). Retries back off
 * from 50 ms to 1 s and stop when this node no longer coordinates the transaction: the next coordinator resumes
 * it from its log.
 *
 * <p>Thread-safe.
 */
public final class TxnMarkerSender implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TxnMarkerSender.class);
    private static final long FIRST_BACKOFF_MS = 50;
    private static final long MAX_BACKOFF_MS = 1_000;
    /**
     * How long a leader has to answer WriteTxnMarkers (Kafka's request.timeout.ms) before its connection is dropped
     * and the markers are sent again: a connection that broke silently would otherwise hold the transaction open.
     */
    static final long REQUEST_TIMEOUT_MS = 30_000;

    private final int nodeId;
    private final Supplier<MetadataImage> image;
    private final TxnMarkerWriter local;
    private final NodeChannel channel;
    /** The channel this sender made itself, closed with it; null when it was given one. */
    private final InterBrokerChannel owned;
    private final Scheduler scheduler;

    /** Sends markers over connections of its own, made with {@code connector}. */
    public TxnMarkerSender(int nodeId, Supplier<MetadataImage> image, TxnMarkerWriter local,
                           Scheduler scheduler, InterBrokerConnector connector) {
        this(nodeId, image, local, scheduler, new InterBrokerChannel(nodeId, connector), true);
    }

    /** Sends markers through {@code channel}, which its owner closes (the cluster simulation's network). */
    public TxnMarkerSender(int nodeId, Supplier<MetadataImage> image, TxnMarkerWriter local,
                           Scheduler scheduler, NodeChannel channel) {
        this(nodeId, image, local, scheduler, channel, false);
    }

    private TxnMarkerSender(int nodeId, Supplier<MetadataImage> image, TxnMarkerWriter local, Scheduler scheduler,
                            NodeChannel channel, boolean owns) {
        this.nodeId = nodeId;
        this.image = image;
        this.local = local;
        this.channel = channel;
        this.owned = owns ? (InterBrokerChannel) channel : null;
        this.scheduler = scheduler;
    }

    /**
     * Writes the job's markers; completes when all are written, or fails with NOT_COORDINATOR once
     * {@code stillCoordinator} turns false.
     */
    public CompletableFuture<Void> send(TxnMarkerJob job, BooleanSupplier stillCoordinator) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        attempt(job, new HashSet<>(job.partitions()), stillCoordinator, FIRST_BACKOFF_MS, done);
        return done;
    }

    private void attempt(TxnMarkerJob job, Set<TopicPartition> remaining, BooleanSupplier stillCoordinator,
                         long backoffMs, CompletableFuture<Void> done) {
        if (!stillCoordinator.getAsBoolean()) {
            done.completeExceptionally(new NotCoordinatorException("No longer the coordinator of "
                    + job.transactionalId()));
            return;
        }
        MetadataImage current = image.get();
        remaining.removeIf(tp -> current.topic(tp.topic()).map(t -> !t.partitions().containsKey(tp.partition()))
                .orElse(true));
        if (remaining.isEmpty()) {
            done.complete(null);
            return;
        }
        Map<Integer, List<TopicPartition>> byLeader = new HashMap<>();
        for (TopicPartition tp : remaining) {
            PartitionImage p = current.topic(tp.topic()).get().partitions().get(tp.partition());
            byLeader.computeIfAbsent(p.leader(), l -> new ArrayList<>()).add(tp);
        }
        List<CompletableFuture<Map<TopicPartition, Errors>>> calls = new ArrayList<>();
        byLeader.forEach((leader, partitions) -> calls.add(writeAt(current, leader, job, partitions)));
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).whenComplete((v, error) -> {
            Set<TopicPartition> left = new HashSet<>(remaining);
            for (CompletableFuture<Map<TopicPartition, Errors>> call : calls) {
                if (call.isCompletedExceptionally()) {
                    continue;
                }
                call.join().forEach((tp, result) -> {
                    if (isDone(result)) {
                        left.remove(tp);
                    }
                });
            }
            if (left.isEmpty()) {
                done.complete(null);
                return;
            }
            log.debug("[node {}] Markers of {} (producer {} epoch {}) not yet written to {}; retrying in {} ms",
                    nodeId, job.transactionalId(), job.producerId(), job.producerEpoch(), left, backoffMs);
            try {
                Schedulers.once(scheduler, "txn-marker-retry", () -> attempt(job, left, stillCoordinator,
                        Math.min(MAX_BACKOFF_MS, backoffMs * 2), done), backoffMs);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                done.completeExceptionally(new NotCoordinatorException("Shutting down"));
            }
        });
    }

    /**
     * Whether a partition's answer ends its part of the job: written, or refused because a newer producer or
     * coordinator epoch has ended the transaction there (Kafka drops such partitions too).
     */
    private static boolean isDone(Errors result) {
        return result == Errors.NONE || result == Errors.INVALID_PRODUCER_EPOCH
                || result == Errors.PRODUCER_FENCED || result == Errors.TRANSACTION_COORDINATOR_FENCED;
    }

    private CompletableFuture<Map<TopicPartition, Errors>> writeAt(MetadataImage current, int leader, TxnMarkerJob job,
                                                                   Collection<TopicPartition> partitions) {
        if (leader == nodeId) {
            return local.write(job.producerId(), job.producerEpoch(), job.commit(), job.coordinatorEpoch(),
                    job.transactionVersion(), partitions);
        }
        BrokerImage broker = current.brokers().get(leader);
        if (broker == null || broker.fenced()) {
            return CompletableFuture.completedFuture(Map.of());
        }
        Map<String, WritableTxnMarkerTopic> topics = new HashMap<>();
        for (TopicPartition tp : partitions) {
            topics.computeIfAbsent(tp.topic(), t -> new WritableTxnMarkerTopic().setName(t))
                    .partitionIndexes().add(tp.partition());
        }
        WriteTxnMarkersRequestData request = new WriteTxnMarkersRequestData().setMarkers(List.of(
                new WritableTxnMarker().setProducerId(job.producerId()).setProducerEpoch(job.producerEpoch())
                        .setTransactionResult(job.commit()).setCoordinatorEpoch(job.coordinatorEpoch())
                        .setTransactionVersion(job.transactionVersion())
                        .setTopics(new ArrayList<>(topics.values()))));
        return channel.send(new InetSocketAddress(broker.host(), broker.port()),
                new DataRequestBuilder(ApiKeys.WRITE_TXN_MARKERS, request), scheduler, REQUEST_TIMEOUT_MS)
                .thenApply(response -> {
                    Map<TopicPartition, Errors> errors = new HashMap<>();
                    WriteTxnMarkersResponseData data = (WriteTxnMarkersResponseData) response.data();
                    data.markers().forEach(m -> m.topics().forEach(t -> t.partitions().forEach(p -> errors.put(
                            new TopicPartition(t.name(), p.partitionIndex()), Errors.forCode(p.errorCode())))));
                    return errors;
                });
    }

    @Override
    public void close() {
        if (owned != null) {
            owned.close();
        }
    }
}
