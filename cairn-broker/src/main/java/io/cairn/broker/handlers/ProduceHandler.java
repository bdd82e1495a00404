package io.cairn.broker.handlers;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import io.cairn.broker.replica.DelayedOperation;
import io.cairn.broker.replica.Partition;
import io.cairn.broker.replica.ReplicaManager;
import io.cairn.broker.replica.ReplicaRole;
import io.cairn.broker.txn.TransactionVerifier;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.TopicImage;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import io.cairn.storage.AppendResult;
import io.cairn.storage.PartitionLog;
import io.cairn.storage.RecordBatches;
import io.cairn.storage.RecordValidationException;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidRequiredAcksException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.UnknownTopicIdException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.BatchIndexAndErrorMessage;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.requests.ProduceRequest;

/**
 * Produce: appends each partition's batches on this node if it leads the partition, and answers per
 * partition. acks=0 sends no response; acks=1 answers after the leader's append; acks=-1 (all) answers
 * once the high watermark has passed the appended batches, i.e. every ISR member has them.
 *
 * <p>A produce that arrives between the commit of a partition's leadership of this node and this node acting
 * on it (the moments it takes to create the log of a new topic, typically the first produce after a
 * CreateTopics or an auto-create) waits for the replica manager ({@link ReplicaManager#whenLeading}), up to
 * the request's timeout, instead of being refused with NOT_LEADER_OR_FOLLOWER.
 *
 * <p>Under a transactional id, a producer's first transactional batch on a partition is appended only once its
 * transaction coordinator confirmed the partition is in the producer's ongoing transaction (KIP-890 part 1,
 * {@link TxnVerifier}) or, for Produce v12+ (clients of transaction version 2, KIP-890 part 2), added it, and
 * only if no marker ended the transaction meanwhile: a late produce cannot open a
 * transaction nobody will end. Coordinator errors are answered as Kafka does (NOT_ENOUGH_REPLICAS for the
 * retriable ones, which every client retries). A producer's transactional produces are appended in the order they
 * arrived, one after the other: one that waits for its verification is not overtaken by the producer's next one
 * (the client pipelines up to five), which would otherwise fail with OUT_OF_ORDER_SEQUENCE_NUMBER.
 *
 * <p>Thread-safe (stateless).
 */
public final class ProduceHandler implements ApiHandler<ProduceRequest> {

    private final Supplier<MetadataImage> image;
    private final ReplicaManager replicas;
    private final TransactionVerifier verifier;
    /**
     * Per producer id, the append of its latest transactional produce: the producer's next produce appends only
     * after it. An entry is removed by the produce that put it, once appended, unless a later one replaced it.
     */
    private final Map<Long, CompletableFuture<Void>> transactionalAppends = new ConcurrentHashMap<>();

    public ProduceHandler(Supplier<MetadataImage> image, ReplicaManager replicas, TransactionVerifier verifier) {
        this.image = image;
        this.replicas = replicas;
        this.verifier = verifier;
    }

    /** The client id Kafka's own tools use when they must write to an internal topic (Kafka's AdminUtils). */
    static final String ADMIN_CLIENT_ID = "__admin_client";

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.PRODUCE;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, ProduceRequest request) {
        ProduceRequestData data = request.data();
        short acks = data.acks();
        if (acks != 0 && acks != 1 && acks != -1) {
            throw new InvalidRequiredAcksException("acks must be -1, 0 or 1, not " + acks);
        }
        if (data.transactionalId() == null && transactionalProducerId(data) >= 0) {
            // As Kafka: transactional batches only under a transactional id (which a coordinator then ends).
            throw new org.apache.kafka.common.errors.TransactionalIdAuthorizationException(
                    "Transactional records need the request's transactional id");
        }
        MetadataImage current = image.get();
        boolean internalTopicsAllowed = ADMIN_CLIENT_ID.equals(context.clientId());
        if (data.transactionalId() == null) {
            return replicas.whenLeading(current, () -> partitionsOf(data, current), data.timeoutMs(),
                    () -> respond(context, data, acks, image.get(), internalTopicsAllowed, Map.of(), null));
        }
        long producerId = transactionalProducerId(data);
        if (producerId < 0) {
            return replicas.whenLeading(current, () -> partitionsOf(data, current), data.timeoutMs(),
                    () -> respond(context, data, acks, image.get(), internalTopicsAllowed, Map.of(), Map.of()));
        }
        // Requests of one connection reach here in arrival order, so the chain is the producer's order.
        CompletableFuture<Void> appended = new CompletableFuture<>();
        CompletableFuture<Void> previous = transactionalAppends.put(producerId, appended);
        CompletableFuture<Void> turn = previous == null ? CompletableFuture.completedFuture(null) : previous;
        CompletableFuture<ApiMessage> result = turn.thenCompose(v -> replicas.whenLeading(image.get(),
                () -> partitionsOf(data, image.get()), data.timeoutMs(),
                () -> verifyThenRespond(context, data, acks, internalTopicsAllowed, appended)));
        result.whenComplete((response, error) -> {
            appended.complete(null);
            transactionalAppends.remove(producerId, appended);
        });
        return result;
    }

    /** The producer id of the request's transactional batches, or -1 when it has none. */
    private static long transactionalProducerId(ProduceRequestData data) {
        for (ProduceRequestData.TopicProduceData topic : data.topicData()) {
            for (ProduceRequestData.PartitionProduceData partition : topic.partitionData()) {
                if (partition.records() instanceof MemoryRecords records) {
                    RecordBatch first = firstTransactional(records);
                    if (first != null) {
                        return first.producerId();
                    }
                }
            }
        }
        return -1;
    }

    /**
     * Starts a verification on every partition where the request's producer has no open transaction yet, asks the
     * coordinator about those, and appends with the guards it confirmed; the others answer the coordinator's error.
     */
    private CompletableFuture<ApiMessage> verifyThenRespond(RequestContext context, ProduceRequestData data,
                                                            short acks, boolean internalTopicsAllowed,
                                                            CompletableFuture<Void> appended) {
        short version = context.apiVersion();
        MetadataImage current = image.get();
        Map<TopicPartition, Object> guards = new HashMap<>();
        // Produce v12+ comes from clients of transaction version 2 (KIP-890 part 2): the partition joins the
        // transaction with this produce, so the coordinator is asked to add it rather than to confirm it.
        boolean add = version >= 12;
        long producerId = -1;
        short producerEpoch = -1;
        for (ProduceRequestData.TopicProduceData topic : data.topicData()) {
            Optional<TopicImage> topicImage = topicOf(topic, current);
            for (ProduceRequestData.PartitionProduceData partition : topic.partitionData()) {
                RecordBatch first = topicImage.isPresent() && partition.records() instanceof MemoryRecords records
                        ? firstTransactional(records) : null;
                if (first == null) {
                    continue;
                }
                producerId = first.producerId();
                producerEpoch = first.producerEpoch();
                TopicPartition tp = new TopicPartition(topicImage.get().name(), partition.index());
                try {
                    Object guard = replicas.partition(tp).map(p -> p.startTransactionVerification(first.producerId(),
                            first.producerEpoch(), add)).orElse(null);
                    if (guard != null) {
                        guards.put(tp, guard);
                    }
                } catch (RuntimeException e) {
                    // Not the leader (any more): the append answers why.
                }
            }
        }
        if (guards.isEmpty()) {
            return respondThen(context, appended, data, acks, internalTopicsAllowed, Map.of(), Map.of());
        }
        return verifier.verify(data.transactionalId(), producerId, producerEpoch, guards.keySet(), add)
                .thenCompose(answers -> {
                    Map<TopicPartition, Object> verified = new HashMap<>();
                    Map<TopicPartition, RuntimeException> refused = new HashMap<>();
                    answers.forEach((tp, error) -> {
                        if (error == Errors.NONE && guards.containsKey(tp)) {
                            verified.put(tp, guards.get(tp));
                        } else {
                            refused.put(tp, verificationError(error, version));
                        }
                    });
                    guards.keySet().stream().filter(tp -> !answers.containsKey(tp)).forEach(tp -> refused.put(tp,
                            new NotEnoughReplicasException("The transaction coordinator did not answer for " + tp)));
                    return respondThen(context, appended, data, acks, internalTopicsAllowed, refused, verified);
                });
    }

    /** Appends (see {@link #respond}) and then lets the producer's next transactional produce append. */
    private CompletableFuture<ApiMessage> respondThen(RequestContext context, CompletableFuture<Void> appended,
                                                     ProduceRequestData data, short acks,
                                                     boolean internalTopicsAllowed,
                                                     Map<TopicPartition, RuntimeException> refused,
                                                     Map<TopicPartition, Object> verified) {
        try {
            return respond(context, data, acks, image.get(), internalTopicsAllowed, refused, verified);
        } finally {
            appended.complete(null);
        }
    }

    /** The first transactional batch, or null when there is none or the bytes are too malformed to tell. */
    private static RecordBatch firstTransactional(MemoryRecords records) {
        try {
            for (RecordBatch batch : RecordBatches.of(records)) {
                if (batch.isTransactional()) {
                    batch.producerId(); // reads the header: a batch cut short fails here, not later
                    return batch;
                }
            }
        } catch (CorruptRecordException | IndexOutOfBoundsException e) {
            // a header cut short or lying framing: the partition's validation refuses it with CORRUPT_MESSAGE
        }
        return null;
    }

    /** Kafka's translation of a coordinator's verification answer into a produce error. */
    private static RuntimeException verificationError(Errors error, short version) {
        return switch (error) {
            case INVALID_TXN_STATE -> new InvalidTxnStateException("Partition was not added to the transaction");
            // A version 2 client retries CONCURRENT_TRANSACTIONS itself (its previous transaction is completing).
            case CONCURRENT_TRANSACTIONS -> version >= 12 ? error.exception()
                    : new NotEnoughReplicasException("Unable to verify the partition has been added to the "
                    + "transaction. Underlying error: " + error);
            case NETWORK_EXCEPTION, COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE,
                 NOT_COORDINATOR -> new NotEnoughReplicasException("Unable to verify the partition has been added "
                    + "to the transaction. Underlying error: " + error);
            case TRANSACTION_ABORTABLE -> version > 10 ? error.exception("Partition was not added to the transaction")
                    : new InvalidTxnStateException("Partition was not added to the transaction");
            // Producers expect INVALID_PRODUCER_EPOCH from a partition leader: librdkafka raises its fatal
            // "fenced" error for that code only, and takes PRODUCER_FENCED on a produce for an abortable error.
            case PRODUCER_FENCED -> new InvalidProducerEpochException("There is a newer producer with the same "
                    + "transactionalId which fences the current one.");
            default -> error.exception();
        };
    }

    /** The topic a produce names, by name (up to v12) or by id (v13 and later). */
    private static Optional<TopicImage> topicOf(ProduceRequestData.TopicProduceData topic, MetadataImage image) {
        return topic.name() != null && !topic.name().isEmpty() ? image.topic(topic.name()) : image.topic(topic.topicId());
    }

    /** The known partitions a produce names. */
    private static Collection<TopicPartition> partitionsOf(ProduceRequestData data, MetadataImage image) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (ProduceRequestData.TopicProduceData topic : data.topicData()) {
            topicOf(topic, image).ifPresent(t -> topic.partitionData().forEach(
                    p -> partitions.add(new TopicPartition(t.name(), p.index()))));
        }
        return partitions;
    }

    /**
     * Appends every partition's batch, then gives the request's bytes back (the records are in the logs now, and
     * an acks=all wait must not hold them, as in Kafka), then answers, at once or once replicated.
     *
     * @param refused  partitions whose verification failed, with the error to answer
     * @param verified null outside transactions; else the live verification guard of each verified partition
     */
    private CompletableFuture<ApiMessage> respond(RequestContext context, ProduceRequestData data, short acks,
                                                  MetadataImage current,
                                                  boolean internalTopicsAllowed,
                                                  Map<TopicPartition, RuntimeException> refused,
                                                  Map<TopicPartition, Object> verified) {
        ProduceResponseData response = new ProduceResponseData();
        List<AwaitingReplication> awaiting = new ArrayList<>();
        for (ProduceRequestData.TopicProduceData topic : data.topicData()) {
            Optional<TopicImage> topicImage = topicOf(topic, current);
            TopicProduceResponse topicResponse = new TopicProduceResponse()
                    .setName(topic.name())
                    .setTopicId(topic.topicId());
            for (ProduceRequestData.PartitionProduceData partition : topic.partitionData()) {
                topicResponse.partitionResponses().add(append(topic, topicImage, partition, acks, awaiting,
                        internalTopicsAllowed, refused, verified));
            }
            response.responses().add(topicResponse);
        }
        context.releaseRequestBytes().run();
        if (acks == 0) {
            return CompletableFuture.completedFuture(null);
        }
        if (awaiting.isEmpty()) {
            return CompletableFuture.completedFuture(response);
        }
        CompletableFuture<ApiMessage> result = new CompletableFuture<>();
        AcksAll pending = new AcksAll(awaiting, response, result);
        replicas.produceWaiters().tryCompleteElseWatch(pending,
                awaiting.stream().map(a -> a.partition().topicPartition()).toList(), data.timeoutMs(),
                context.connection());
        return result;
    }

    /** A partition's append that acks=all answers only once the high watermark has passed it. */
    private record AwaitingReplication(Partition partition, long requiredOffset, PartitionProduceResponse response) {
        boolean replicated() {
            return partition.highWatermark() >= requiredOffset;
        }
    }

    /**
     * acks=all: completes when every ISR member has every appended batch (the high watermark passed
     * them), or at the request timeout with REQUEST_TIMED_OUT for the partitions still waiting.
     */
    private static final class AcksAll extends DelayedOperation {
        private final List<AwaitingReplication> awaiting;
        private final ProduceResponseData response;
        private final CompletableFuture<ApiMessage> result;

        AcksAll(List<AwaitingReplication> awaiting, ProduceResponseData response, CompletableFuture<ApiMessage> result) {
            this.awaiting = awaiting;
            this.response = response;
            this.result = result;
        }

        @Override
        protected boolean canComplete() {
            return awaiting.stream().allMatch(a -> a.replicated() || !(a.partition().role() instanceof ReplicaRole.Leader));
        }

        @Override
        protected void onComplete() {
            for (AwaitingReplication a : awaiting) {
                Errors error;
                if (!(a.partition().role() instanceof ReplicaRole.Leader leader)) {
                    error = Errors.NOT_LEADER_OR_FOLLOWER;
                } else if (!a.replicated()) {
                    error = Errors.REQUEST_TIMED_OUT;
                } else if (leader.isr().size() < a.partition().minInsyncReplicas()) {
                    error = Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND;
                } else {
                    continue;
                }
                a.response().setErrorCode(error.code()).setErrorMessage(null).setBaseOffset(-1)
                        .setLogAppendTimeMs(-1).setLogStartOffset(-1);
            }
            result.complete(response);
        }
    }

    private PartitionProduceResponse append(ProduceRequestData.TopicProduceData topic,
                                            Optional<TopicImage> topicImage,
                                            ProduceRequestData.PartitionProduceData partitionData, short acks,
                                            List<AwaitingReplication> awaiting, boolean internalTopicsAllowed,
                                            Map<TopicPartition, RuntimeException> refused,
                                            Map<TopicPartition, Object> verified) {
        PartitionProduceResponse result = new PartitionProduceResponse().setIndex(partitionData.index());
        try {
            if (topicImage.isEmpty()) {
                throw Uuid.ZERO_UUID.equals(topic.topicId()) || topic.topicId() == null
                        ? new UnknownTopicOrPartitionException("Unknown topic " + topic.name())
                        : new UnknownTopicIdException("Unknown topic id " + topic.topicId());
            }
            TopicPartition tp = new TopicPartition(topicImage.get().name(), partitionData.index());
            if (Topic.isInternal(tp.topic()) && !internalTopicsAllowed) {
                // Only the coordinators write their topics; a client's records there would be read as theirs.
                throw new InvalidTopicException("Cannot append to internal topic " + tp.topic());
            }
            if (!topicImage.get().partitions().containsKey(tp.partition())) {
                throw new UnknownTopicOrPartitionException("Unknown partition " + tp);
            }
            Partition partition = replicas.partitionOrThrow(tp,
                    () -> new NotLeaderOrFollowerException("This node does not host " + tp));
            if (!(partitionData.records() instanceof MemoryRecords records)) {
                throw new InvalidRecordException("Produce request for " + tp + " carries no record batches");
            }
            requireOneBatch(records);
            if (refused.containsKey(tp)) {
                throw refused.get(tp);
            }
            AppendResult appended = partition.appendAsLeader(records, acks,
                    verified == null ? null : new PartitionLog.Verification(verified.get(tp)));
            replicas.onAppended(tp);
            if (!appended.duplicate()) {
                replicas.traffic().bytesIn(tp.topic(), records.sizeInBytes(),
                        appended.lastOffset() - appended.firstOffset() + 1);
            }
            result.setBaseOffset(appended.firstOffset())
                    .setLogAppendTimeMs(appended.logAppendTimeMs())
                    .setLogStartOffset(appended.logStartOffset());
            if (acks == -1 && partition.highWatermark() <= appended.lastOffset()) {
                awaiting.add(new AwaitingReplication(partition, appended.lastOffset() + 1, result));
            }
            return result;
        } catch (RecordValidationException e) {
            return result
                    .setErrorCode(e.error().code())
                    .setErrorMessage(e.getMessage())
                    .setRecordErrors(recordErrors(e))
                    .setBaseOffset(-1)
                    .setLogAppendTimeMs(-1)
                    .setLogStartOffset(-1);
        } catch (RuntimeException e) {
            Errors error = Errors.forException(e);
            return result
                    .setErrorCode(error.code())
                    .setErrorMessage(e.getMessage())
                    .setBaseOffset(-1)
                    .setLogAppendTimeMs(-1)
                    .setLogStartOffset(-1);
        }
    }

    /**
     * Kafka's rule for produce v3 and later, which is every version Cairn serves (3 to 13): exactly one record
     * batch per partition, of magic 2 ({@code ProduceRequest.validateRecords}, applied by Kafka's KafkaApis),
     * else INVALID_RECORD. So a client's request holds one producer batch per partition, and idempotence and
     * KIP-467 record errors refer to that batch.
     */
    private static void requireOneBatch(MemoryRecords records) {
        Iterator<MutableRecordBatch> batches = RecordBatches.of(records).iterator();
        if (!batches.hasNext()) {
            throw new InvalidRecordException("Produce requests must have at least one record batch per partition");
        }
        if (batches.next().magic() != RecordBatch.MAGIC_VALUE_V2) {
            throw new InvalidRecordException("Produce requests may only contain record batches with magic 2");
        }
        if (batches.hasNext()) {
            throw new InvalidRecordException("Produce requests may contain exactly one record batch per partition");
        }
    }

    /** KIP-467: the failed records of the batch, by index, so that the client fails exactly those. */
    private static List<BatchIndexAndErrorMessage> recordErrors(RecordValidationException e) {
        return e.recordErrors().stream().map(r -> new BatchIndexAndErrorMessage().setBatchIndex(r.batchIndex())
                .setBatchIndexErrorMessage(r.message())).toList();
    }
}
