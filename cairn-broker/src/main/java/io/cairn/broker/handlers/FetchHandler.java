package io.cairn.broker.handlers;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import io.cairn.broker.replica.DelayedOperation;
import io.cairn.broker.replica.Partition;
import io.cairn.broker.replica.ReplicaManager;
import io.cairn.metadata.BrokerImage;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.PartitionImage;
import io.cairn.metadata.TopicImage;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import io.cairn.storage.AbortedTxn;
import io.cairn.storage.EpochEndOffset;
import io.cairn.storage.ReadResult;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.UnknownTopicIdException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.Records;
import org.apache.kafka.common.requests.FetchRequest;

/**
 * Fetch for consumers and followers. A consumer reads each partition below its high watermark; a follower
 * (replica id set) reads up to the log end offset, and its fetch offset tells the leader how far it has
 * got, which may advance the high watermark. Reads are zero-copy from the segment files, within the
 * request's and each partition's byte limits. When fewer than min.bytes are available the request waits, up
 * to max.wait.ms, and is woken as soon as a watched partition gets new data. A fetch for a partition this
 * node is taking over right now (its log being created) first waits for that, within max.wait.ms
 * ({@link ReplicaManager#whenLeading}).
 *
 * <p>Incremental fetch sessions are not kept: every answer carries session id 0, which clients take as
 * "no session" and answer with full fetch requests.
 *
 * <p>Thread-safe (stateless).
 */
public final class FetchHandler implements ApiHandler<FetchRequest> {

    private final Supplier<MetadataImage> image;
    private final ReplicaManager replicas;

    public FetchHandler(Supplier<MetadataImage> image, ReplicaManager replicas) {
        this.image = image;
        this.replicas = replicas;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.FETCH;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, FetchRequest request) {
        FetchRequestData data = request.data();
        if (data.sessionId() != 0) {
            return CompletableFuture.completedFuture(new FetchResponseData()
                    .setErrorCode(Errors.FETCH_SESSION_ID_NOT_FOUND.code()));
        }
        if (data.sessionEpoch() > 0) {
            return CompletableFuture.completedFuture(new FetchResponseData()
                    .setErrorCode(Errors.INVALID_FETCH_SESSION_EPOCH.code()));
        }
        MetadataImage current = image.get();
        return replicas.whenLeading(current, () -> partitionsOf(data, current), data.maxWaitMs(),
                () -> serve(context, data, request.replicaId(), data.replicaState().replicaEpoch()));
    }

    private CompletableFuture<ApiMessage> serve(RequestContext context, FetchRequestData data, int replicaId,
                                                long replicaEpoch) {
        CompletableFuture<ApiMessage> result = new CompletableFuture<>();
        PendingFetch pending = new PendingFetch(data, replicaId, replicaEpoch, result);
        if (data.maxWaitMs() <= 0 || data.minBytes() <= 0) {
            pending.forceComplete();
            return result;
        }
        replicas.fetchWaiters().tryCompleteElseWatch(pending, partitionsOf(data, image.get()), data.maxWaitMs(),
                context.connection());
        return result;
    }

    /** The known partitions a fetch names. */
    private static List<TopicPartition> partitionsOf(FetchRequestData data, MetadataImage image) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (FetchRequestData.FetchTopic topic : data.topics()) {
            resolve(image, topic).ifPresent(t -> topic.partitions().forEach(
                    p -> partitions.add(new TopicPartition(t.name(), p.partition()))));
        }
        return partitions;
    }

    /** A fetch that completes once it can return min.bytes, or at max.wait.ms with whatever there is. */
    private final class PendingFetch extends DelayedOperation {
        private final FetchRequestData request;
        /** The follower's broker id, or -1 for a consumer. */
        private final int replicaId;
        /** The follower's broker epoch (KIP-903), -1 if the request carries none. */
        private final long replicaEpoch;
        private final CompletableFuture<ApiMessage> result;
        /** Consumers only: read_committed reads stop at the last stable offset and list aborted transactions. */
        private final IsolationLevel isolation;
        /** What {@link #canComplete} read when it could complete: {@link #onComplete} sends it, not a second read. */
        private volatile FetchResponseData ready;

        PendingFetch(FetchRequestData request, int replicaId, long replicaEpoch, CompletableFuture<ApiMessage> result) {
            this.request = request;
            this.isolation = IsolationLevels.of(request.isolationLevel());
            this.replicaId = replicaId;
            this.replicaEpoch = replicaEpoch;
            this.result = result;
        }

        @Override
        protected boolean canComplete() {
            FetchResponseData response = read();
            boolean complete = hasError(response) || bytes(response) >= request.minBytes();
            ready = complete ? response : null;
            return complete;
        }

        @Override
        protected void onComplete() {
            try {
                FetchResponseData response = ready != null ? ready : read();
                if (replicaId < 0) {
                    countBytesOut(response);
                } else {
                    replicas.traffic().replicationBytesOut(bytes(response));
                }
                result.complete(response);
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        }

        /**
         * A follower fetch reads past the high watermark and moves the follower's progress, the ISR and the high
         * watermark, so it is served only to a replica of the partition that names its broker's current
         * registration epoch (KIP-903). Kafka also accepts a fetch without an epoch (-1, from brokers older than
         * Fetch v15); every Cairn follower sends one, so here it is required. Until connections are
         * authenticated, a client that learns a broker's id and epoch can still pose as it.
         */
        private void checkReplica(TopicImage topic, TopicPartition tp) {
            PartitionImage partition = topic.partitions().get(tp.partition());
            if (partition == null || !partition.replicas().contains(replicaId)) {
                throw new NotLeaderOrFollowerException("Broker " + replicaId + " is not a replica of " + tp);
            }
            BrokerImage broker = image.get().brokers().get(replicaId);
            if (broker == null || broker.epoch() != replicaEpoch) {
                throw new NotLeaderOrFollowerException("Fetch of " + tp + " as replica " + replicaId
                        + " with broker epoch " + replicaEpoch + ", not its registration's "
                        + (broker == null ? "(none)" : broker.epoch()));
            }
        }

        private FetchResponseData read() {
            MetadataImage current = image.get();
            FetchResponseData response = new FetchResponseData().setSessionId(0);
            int remaining = request.maxBytes();
            boolean first = true;
            for (FetchRequestData.FetchTopic topic : request.topics()) {
                Optional<TopicImage> topicImage = resolve(current, topic);
                FetchableTopicResponse topicResponse = new FetchableTopicResponse()
                        .setTopic(topicImage.map(TopicImage::name).orElse(topic.topic()))
                        .setTopicId(topic.topicId());
                for (FetchRequestData.FetchPartition partition : topic.partitions()) {
                    PartitionData read = readPartition(topic, topicImage, partition, remaining, first);
                    int size = read.records() == null ? 0 : read.records().sizeInBytes();
                    remaining = Math.max(0, remaining - size);
                    first &= size == 0;
                    topicResponse.partitions().add(read);
                }
                response.responses().add(topicResponse);
            }
            return response;
        }

        private PartitionData readPartition(FetchRequestData.FetchTopic topic, Optional<TopicImage> topicImage,
                                            FetchRequestData.FetchPartition request, int remaining,
                                            boolean minOneBatch) {
            PartitionData result = new PartitionData().setPartitionIndex(request.partition());
            try {
                if (topicImage.isEmpty()) {
                    throw topic.topic() == null || topic.topic().isEmpty()
                            ? new UnknownTopicIdException("Unknown topic id " + topic.topicId())
                            : new UnknownTopicOrPartitionException("Unknown topic " + topic.topic());
                }
                TopicPartition tp = new TopicPartition(topicImage.get().name(), request.partition());
                Partition partition = replicas.partitionOrThrow(tp,
                        () -> topicImage.get().partitions().containsKey(tp.partition())
                                ? new NotLeaderOrFollowerException("This node does not host " + tp)
                                : new UnknownTopicOrPartitionException("Unknown partition " + tp));
                Optional<Integer> epoch = Optional.of(request.currentLeaderEpoch());
                int maxBytes = Math.min(request.partitionMaxBytes(), remaining);
                ReadResult read;
                if (replicaId >= 0) {
                    checkReplica(topicImage.get(), tp);
                    Optional<EpochEndOffset> diverging = partition.divergence(request.currentLeaderEpoch(),
                            request.lastFetchedEpoch(), request.fetchOffset());
                    if (diverging.isPresent()) {
                        return result
                                .setHighWatermark(partition.highWatermark())
                                .setLastStableOffset(partition.lastStableOffset())
                                .setLogStartOffset(partition.log().logStartOffset())
                                .setDivergingEpoch(new FetchResponseData.EpochEndOffset()
                                        .setEpoch(diverging.get().epoch())
                                        .setEndOffset(diverging.get().endOffset()))
                                .setRecords(MemoryRecords.EMPTY);
                    }
                    read = partition.readAsFollower(replicaId, request.fetchOffset(), maxBytes, epoch);
                } else {
                    read = partition.readAsConsumer(request.fetchOffset(), maxBytes, epoch, minOneBatch, isolation);
                    if (isolation == IsolationLevel.READ_COMMITTED) {
                        result.setAbortedTransactions(abortedIn(partition, request.fetchOffset(), read.records()));
                    }
                }
                return result
                        .setHighWatermark(partition.highWatermark())
                        .setLastStableOffset(partition.lastStableOffset())
                        .setLogStartOffset(read.logStartOffset())
                        .setRecords(read.records());
            } catch (RuntimeException e) {
                Optional<Partition> hosted = topicImage.flatMap(t -> replicas.partition(
                        new TopicPartition(t.name(), request.partition())));
                boolean outOfRange = e instanceof OffsetOutOfRangeException && hosted.isPresent();
                return result
                        .setErrorCode(Errors.forException(e).code())
                        .setHighWatermark(outOfRange ? hosted.get().highWatermark() : -1)
                        .setLastStableOffset(outOfRange ? hosted.get().lastStableOffset() : -1)
                        .setLogStartOffset(outOfRange ? hosted.get().log().logStartOffset() : -1)
                        .setRecords(MemoryRecords.EMPTY);
            }
        }

    }

    /**
     * The aborted transactions a {@code read_committed} consumer needs to skip in the records read from
     * {@code fetchOffset}: those whose data starts before the end of the read and whose marker is not before it.
     * The end of the read is only looked up (a walk over the batch headers) when the log has such aborts at all.
     */
    static List<FetchResponseData.AbortedTransaction> abortedIn(Partition partition, long fetchOffset,
                                                                Records records) {
        if (records.sizeInBytes() == 0) {
            return List.of();
        }
        List<AbortedTxn> candidates = partition.log().abortedTransactions(fetchOffset, partition.lastStableOffset());
        if (candidates.isEmpty()) {
            return List.of();
        }
        long end = fetchOffset;
        for (RecordBatch batch : records.batches()) {
            end = batch.nextOffset();
        }
        List<FetchResponseData.AbortedTransaction> aborted = new ArrayList<>();
        for (AbortedTxn txn : candidates) {
            if (txn.firstOffset() < end) {
                aborted.add(new FetchResponseData.AbortedTransaction().setProducerId(txn.producerId())
                        .setFirstOffset(txn.firstOffset()));
            }
        }
        return aborted;
    }

    /** Counts the record bytes a consumer's fetch answers, per topic (sizes only: file data stays unread). */
    private void countBytesOut(FetchResponseData response) {
        for (FetchableTopicResponse topic : response.responses()) {
            long bytes = 0;
            for (PartitionData p : topic.partitions()) {
                bytes += p.records() == null ? 0 : p.records().sizeInBytes();
            }
            if (bytes > 0) {
                replicas.traffic().bytesOut(topic.topic(), bytes);
            }
        }
    }

    private static Optional<TopicImage> resolve(MetadataImage image, FetchRequestData.FetchTopic topic) {
        return topic.topic() != null && !topic.topic().isEmpty()
                ? image.topic(topic.topic())
                : image.topic(topic.topicId());
    }

    private static boolean hasError(FetchResponseData response) {
        return response.responses().stream().flatMap(t -> t.partitions().stream())
                .anyMatch(p -> p.errorCode() != Errors.NONE.code());
    }

    private static long bytes(FetchResponseData response) {
        return response.responses().stream().flatMap(t -> t.partitions().stream())
                .mapToLong(p -> p.records() == null ? 0 : p.records().sizeInBytes()).sum();
    }
}
