package io.cairn.broker.handlers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import io.cairn.broker.txn.TransactionCoordinator;
import io.cairn.broker.txn.TransactionMetadata;
import io.cairn.broker.txn.TxnErrors;
import io.cairn.broker.txn.TxnMarkerWriter;
import io.cairn.metadata.MetadataImage;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AddOffsetsToTxnResponseData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AddOffsetsToTxnRequest;
import org.apache.kafka.common.requests.AddPartitionsToTxnRequest;
import org.apache.kafka.common.requests.AddPartitionsToTxnResponse;
import org.apache.kafka.common.requests.DescribeTransactionsRequest;
import org.apache.kafka.common.requests.EndTxnRequest;
import org.apache.kafka.common.requests.ListTransactionsRequest;
import org.apache.kafka.common.requests.WriteTxnMarkersRequest;

/**
 * The transaction APIs, each a thin translation between Kafka's messages and {@link TransactionCoordinator}
 * (or, for WriteTxnMarkers, {@link TxnMarkerWriter}): AddPartitionsToTxn (the client's v0-3 and the brokers'
 * batched v4+ with KIP-890 verification), AddOffsetsToTxn, EndTxn, WriteTxnMarkers, DescribeTransactions and
 * ListTransactions. InitProducerId is {@link InitProducerIdHandler}. Errors a coordinator throws (NOT_COORDINATOR,
 * COORDINATOR_LOAD_IN_PROGRESS, ...) become the request's error response.
 *
 * <p>Thread-safe (stateless).
 */
public final class TransactionHandlers {

    private TransactionHandlers() {
    }

    public static ApiHandler<AddPartitionsToTxnRequest> addPartitionsToTxn(TransactionCoordinator txns,
                                                                          Supplier<MetadataImage> image) {
        return new ApiHandler<>() {
            @Override
            public ApiKeys apiKey() {
                return ApiKeys.ADD_PARTITIONS_TO_TXN;
            }

            @Override
            public CompletableFuture<ApiMessage> handle(RequestContext context, AddPartitionsToTxnRequest request) {
                AddPartitionsToTxnRequestData data = request.data();
                short version = context.apiVersion();
                if (version <= 3) {
                    return add(txns, image.get(), data.v3AndBelowTransactionalId(), data.v3AndBelowProducerId(),
                            data.v3AndBelowProducerEpoch(), data.v3AndBelowTopics(), false, version)
                            .thenApply(errors -> new AddPartitionsToTxnResponseData().setResultsByTopicV3AndBelow(
                                    AddPartitionsToTxnResponse.resultForTransaction(
                                            AddPartitionsToTxnResponse.V3_AND_BELOW_TXN_ID, errors).topicResults()));
                }
                List<CompletableFuture<AddPartitionsToTxnResponseData.AddPartitionsToTxnResult>> results =
                        new ArrayList<>();
                for (AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction txn : data.transactions()) {
                    results.add(add(txns, image.get(), txn.transactionalId(), txn.producerId(), txn.producerEpoch(),
                            txn.topics(), txn.verifyOnly(), version)
                            .exceptionally(error -> TxnErrors.sameForAll(AddPartitionsToTxnRequest.getPartitions(txn.topics()),
                                    Errors.forException(error)))
                            .thenApply(errors -> AddPartitionsToTxnResponse.resultForTransaction(
                                    txn.transactionalId(), errors)));
                }
                return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(v -> {
                    AddPartitionsToTxnResponseData.AddPartitionsToTxnResultCollection collection =
                            new AddPartitionsToTxnResponseData.AddPartitionsToTxnResultCollection();
                    results.forEach(r -> collection.add(r.join()));
                    return new AddPartitionsToTxnResponseData().setResultsByTransaction(collection);
                });
            }
        };
    }

    /**
     * One transaction's partitions: those of unknown topics or partitions answer UNKNOWN_TOPIC_OR_PARTITION and the
     * others OPERATION_NOT_ATTEMPTED, as Kafka does; otherwise the coordinator answers for all.
     */
    private static CompletableFuture<Map<TopicPartition, Errors>> add(
            TransactionCoordinator txns, MetadataImage current, String transactionalId, long producerId,
            short producerEpoch, AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection topics,
            boolean verifyOnly, short version) {
        List<TopicPartition> partitions = AddPartitionsToTxnRequest.getPartitions(topics);
        Map<TopicPartition, Errors> unknown = new LinkedHashMap<>();
        for (TopicPartition tp : partitions) {
            boolean known = current.topic(tp.topic()).map(t -> t.partitions().containsKey(tp.partition()))
                    .orElse(false);
            if (!known) {
                unknown.put(tp, Errors.UNKNOWN_TOPIC_OR_PARTITION);
            }
        }
        if (!unknown.isEmpty()) {
            partitions.forEach(tp -> unknown.putIfAbsent(tp, Errors.OPERATION_NOT_ATTEMPTED));
            return CompletableFuture.completedFuture(unknown);
        }
        // As Kafka: versions 4+ come from brokers acting for clients of transaction version 2.
        byte transactionVersion = version > 3 ? TransactionMetadata.TV_2 : 0;
        return txns.addPartitions(transactionalId, producerId, producerEpoch, partitions, verifyOnly,
                        transactionVersion)
                .thenApply(errors -> {
                    Map<TopicPartition, Errors> mapped = new LinkedHashMap<>();
                    errors.forEach((tp, e) -> mapped.put(tp, TxnErrors.forVersion(ApiKeys.ADD_PARTITIONS_TO_TXN,
                            version, e)));
                    return mapped;
                });
    }

    public static ApiHandler<AddOffsetsToTxnRequest> addOffsetsToTxn(TransactionCoordinator txns) {
        return new ApiHandler<>() {
            @Override
            public ApiKeys apiKey() {
                return ApiKeys.ADD_OFFSETS_TO_TXN;
            }

            @Override
            public CompletableFuture<ApiMessage> handle(RequestContext context, AddOffsetsToTxnRequest request) {
                var data = request.data();
                return txns.addOffsets(data.transactionalId(), data.producerId(), data.producerEpoch(),
                        data.groupId()).thenApply(error -> new AddOffsetsToTxnResponseData().setErrorCode(
                                TxnErrors.forVersion(ApiKeys.ADD_OFFSETS_TO_TXN, context.apiVersion(), error).code()));
            }
        };
    }

    public static ApiHandler<EndTxnRequest> endTxn(TransactionCoordinator txns) {
        return new ApiHandler<>() {
            @Override
            public ApiKeys apiKey() {
                return ApiKeys.END_TXN;
            }

            @Override
            public CompletableFuture<ApiMessage> handle(RequestContext context, EndTxnRequest request) {
                var data = request.data();
                // As Kafka: EndTxn v5+ comes from clients of transaction version 2, whose epoch every end bumps.
                boolean bumpEpoch = context.apiVersion() >= 5;
                return txns.endTxn(data.transactionalId(), data.producerId(), data.producerEpoch(), data.committed(),
                                bumpEpoch)
                        .thenApply(answer -> new EndTxnResponseData()
                                .setErrorCode(TxnErrors.forVersion(ApiKeys.END_TXN, context.apiVersion(),
                                        answer.error()).code())
                                .setProducerId(answer.producerId())
                                .setProducerEpoch(answer.producerEpoch()));
            }
        };
    }

    /** A partition leader's side of the coordinator's markers: written here, answered once replicated. */
    public static ApiHandler<WriteTxnMarkersRequest> writeTxnMarkers(TxnMarkerWriter writer) {
        return new ApiHandler<>() {
            @Override
            public ApiKeys apiKey() {
                return ApiKeys.WRITE_TXN_MARKERS;
            }

            @Override
            public CompletableFuture<ApiMessage> handle(RequestContext context, WriteTxnMarkersRequest request) {
                List<CompletableFuture<WriteTxnMarkersResponseData.WritableTxnMarkerResult>> results =
                        new ArrayList<>();
                for (WriteTxnMarkersRequestData.WritableTxnMarker marker : request.data().markers()) {
                    List<TopicPartition> partitions = new ArrayList<>();
                    marker.topics().forEach(t -> t.partitionIndexes().forEach(
                            p -> partitions.add(new TopicPartition(t.name(), p))));
                    results.add(writer.write(marker.producerId(), marker.producerEpoch(), marker.transactionResult(),
                            marker.coordinatorEpoch(), marker.transactionVersion(), partitions)
                            .thenApply(errors -> result(marker.producerId(),
                                    errors)));
                }
                return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(v ->
                        new WriteTxnMarkersResponseData().setMarkers(results.stream().map(CompletableFuture::join)
                                .toList()));
            }
        };
    }

    private static WriteTxnMarkersResponseData.WritableTxnMarkerResult result(long producerId,
                                                                            Map<TopicPartition, Errors> errors) {
        Map<String, WriteTxnMarkersResponseData.WritableTxnMarkerTopicResult> topics = new LinkedHashMap<>();
        errors.forEach((tp, error) -> topics.computeIfAbsent(tp.topic(),
                        t -> new WriteTxnMarkersResponseData.WritableTxnMarkerTopicResult().setName(t))
                .partitions().add(new WriteTxnMarkersResponseData.WritableTxnMarkerPartitionResult()
                        .setPartitionIndex(tp.partition()).setErrorCode(error.code())));
        return new WriteTxnMarkersResponseData.WritableTxnMarkerResult().setProducerId(producerId)
                .setTopics(new ArrayList<>(topics.values()));
    }

    public static ApiHandler<DescribeTransactionsRequest> describeTransactions(TransactionCoordinator txns) {
        return new ApiHandler<>() {
            @Override
            public ApiKeys apiKey() {
                return ApiKeys.DESCRIBE_TRANSACTIONS;
            }

            @Override
            public CompletableFuture<ApiMessage> handle(RequestContext context, DescribeTransactionsRequest request) {
                List<CompletableFuture<DescribeTransactionsResponseData.TransactionState>> states = new ArrayList<>();
                for (String id : request.data().transactionalIds()) {
                    states.add(txns.describe(id).exceptionally(error ->
                            new DescribeTransactionsResponseData.TransactionState().setTransactionalId(id)
                                    .setErrorCode(Errors.forException(error).code())));
                }
                return CompletableFuture.allOf(states.toArray(CompletableFuture[]::new)).thenApply(v ->
                        new DescribeTransactionsResponseData().setTransactionStates(states.stream()
                                .map(CompletableFuture::join).toList()));
            }
        };
    }

    public static ApiHandler<ListTransactionsRequest> listTransactions(TransactionCoordinator txns) {
        return new ApiHandler<>() {
            @Override
            public ApiKeys apiKey() {
                return ApiKeys.LIST_TRANSACTIONS;
            }

            @Override
            public CompletableFuture<ApiMessage> handle(RequestContext context, ListTransactionsRequest request) {
                var data = request.data();
                String pattern = context.apiVersion() >= 2 ? data.transactionalIdPattern() : null;
                long duration = context.apiVersion() >= 1 ? data.durationFilter() : -1;
                return txns.list(data.stateFilters(), data.producerIdFilters(), duration, pattern).thenApply(shards -> {
                    ListTransactionsResponseData merged = new ListTransactionsResponseData();
                    for (ListTransactionsResponseData shard : shards) {
                        if (shard.errorCode() != Errors.NONE.code()) {
                            return shard;
                        }
                        merged.transactionStates().addAll(shard.transactionStates());
                        shard.unknownStateFilters().stream().filter(s -> !merged.unknownStateFilters().contains(s))
                                .forEach(merged.unknownStateFilters()::add);
                    }
                    if (shards.isEmpty()) {
                        data.stateFilters().stream().filter(s -> !isKnownState(s))
                                .forEach(merged.unknownStateFilters()::add);
                    }
                    return merged;
                });
            }
        };
    }

    private static boolean isKnownState(String name) {
        return io.cairn.broker.txn.TransactionState.fromName(name).isPresent();
    }
}
