package io.cairn.broker.txn;

import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;
import java.util.function.Supplier;

import io.cairn.broker.ProducerIdManager;
import io.cairn.broker.Schedulers;
import io.cairn.broker.cluster.InterBrokerConnector;
import io.cairn.broker.coordinator.CoordinatorKind;
import io.cairn.broker.coordinator.CoordinatorRuntime;
import io.cairn.broker.coordinator.CoordinatorShard;
import io.cairn.broker.coordinator.CoordinatorWrite;
import io.cairn.broker.coordinator.ShardTimer;
import io.cairn.broker.group.GroupConfig;
import io.cairn.broker.replica.ReplicaManager;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.MetadataListener;
import io.cairn.metadata.PartitionImage;
import io.cairn.metadata.TopicImage;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.NotCoordinatorException;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.TransactionResult;
import org.apache.kafka.common.utils.ProducerIdAndEpoch;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.server.util.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transaction coordinator of this node: a {@link CoordinatorRuntime} of {@link TransactionCoordinatorShard}s,
 * one for each {@code __transaction_state} partition this node leads (their coordinator epoch is the partition's
 * leader epoch), plus what the shards decide but do not do themselves: fresh producer ids from
 * {@link ProducerIdManager}, writing markers through {@link TxnMarkerSender} once a PREPARE record is committed
 * (and for every transaction a new leader finds in PREPARE), then the COMPLETE record; and the periodic abort of
 * timed-out transactions and expiry of idle transactional ids.
 *
 * <p>Thread-safe; methods never block. Shard work runs on the runtime's event loop.
 */
public final class TransactionCoordinator implements MetadataListener, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TransactionCoordinator.class);
    private static final String ABORT_TIMER = "abort-timed-out-transactions";
    private static final String EXPIRE_TIMER = "expire-transactional-ids";
    /** How long a write to {@code __transaction_state} may wait for the high watermark. */
    private static final long COMMIT_TIMEOUT_MS = 10_000;
    private static final long COMPLETE_FIRST_BACKOFF_MS = 50;
    private static final long COMPLETE_MAX_BACKOFF_MS = 1_000;

    private final int nodeId;
    /** offsets.topic.num.partitions: the partitions of {@code __consumer_offsets} once it is created. */
    private final int offsetsTopicPartitions;
    private final TransactionConfig config;
    private final ProducerIdManager producerIds;
    private final Supplier<MetadataImage> image;
    private final TxnMarkerSender markers;
    private final Scheduler scheduler;
    private final CoordinatorRuntime<Host, TransactionRecord> runtime;
    /** Marker jobs being written, by transactional id, so that the same job is not started twice. */
    private final Set<TxnMarkerJob> sending = ConcurrentHashMap.newKeySet();

    /** A shard as the runtime hosts it: the transaction shard plus what its load found to resume. */
    static final class Host implements CoordinatorShard<TransactionRecord> {
        final int partition;
        final TransactionCoordinatorShard shard;
        final ShardTimer<TransactionRecord> timer;
        List<TxnMarkerJob> resumed = List.of();

        Host(int partition, TransactionCoordinatorShard shard, ShardTimer<TransactionRecord> timer) {
            this.partition = partition;
            this.shard = shard;
            this.timer = timer;
        }

        @Override
        public void replay(TransactionRecord record) {
            shard.replay(record);
        }

        @Override
        public void onLoaded() {
            resumed = shard.onLoaded();
        }

        @Override
        public void onUnloaded() {
        }

        @Override
        public String loadSummary() {
            return shard.snapshot().size() + " transactional ids";
        }
    }

    public TransactionCoordinator(int nodeId, Time time, TransactionConfig config, ProducerIdManager producerIds,
                                  Supplier<MetadataImage> image, ReplicaManager replicas, TxnMarkerWriter local,
                                  Scheduler scheduler, ExecutorService eventLoop,
                                  int offsetsTopicPartitions) {
        this(nodeId, time, config, producerIds, image, replicas, local, scheduler, eventLoop, offsetsTopicPartitions,
                InterBrokerConnector.PLAINTEXT);
    }

    /** As above; markers go to other nodes through {@code connector}. */
    public TransactionCoordinator(int nodeId, Time time, TransactionConfig config, ProducerIdManager producerIds,
                                  Supplier<MetadataImage> image, ReplicaManager replicas, TxnMarkerWriter local,
                                  Scheduler scheduler, ExecutorService eventLoop,
                                  int offsetsTopicPartitions, InterBrokerConnector connector) {
        this(nodeId, time, config, producerIds, image, replicas, scheduler, eventLoop, offsetsTopicPartitions,
                new TxnMarkerSender(nodeId, image, local, scheduler, connector));
    }

    /** As above; markers go out through {@code markers} (the cluster simulation's, over its network). */
    public TransactionCoordinator(int nodeId, Time time, TransactionConfig config, ProducerIdManager producerIds,
                                  Supplier<MetadataImage> image, ReplicaManager replicas, Scheduler scheduler,
                                  ExecutorService eventLoop, int offsetsTopicPartitions, TxnMarkerSender markers) {
        this.nodeId = nodeId;
        this.offsetsTopicPartitions = offsetsTopicPartitions;
        this.config = config;
        this.producerIds = producerIds;
        this.image = image;
        this.markers = markers;
        this.scheduler = scheduler;
        CoordinatorKind<Host, TransactionRecord> kind = new CoordinatorKind<>() {
            @Override
            public String topic() {
                return TransactionConfig.TRANSACTION_STATE_TOPIC;
            }

            @Override
            public int defaultPartitions() {
                return config.stateLogNumPartitions();
            }

            @Override
            public long commitTimeoutMs() {
                return COMMIT_TIMEOUT_MS;
            }

            @Override
            public Host newShard(int partition, int leaderEpoch, ShardTimer<TransactionRecord> timer) {
                return new Host(partition, new TransactionCoordinatorShard(partition, nodeId, leaderEpoch, time,
                        config), timer);
            }

            @Override
            public TransactionRecord parse(ByteBuffer key, ByteBuffer value) {
                return TransactionRecord.parse(key, value);
            }

            @Override
            public void onActive(int partition, Host host, CompletableFuture<Void> loadedCommitted) {
                // A PREPARE record loaded above the high watermark is no decision yet: a leader restarted from a
                // crash, or one about to lose its leadership, may hold records the next leader will not have.
                // Writing its markers now could commit a transaction on some partitions that the next coordinator
                // then aborts on the others (cluster simulation, seed 1977).
                List<TxnMarkerJob> resumed = host.resumed;
                host.resumed = List.of();
                if (!resumed.isEmpty()) {
                    loadedCommitted.thenRun(() -> resumed.forEach(job -> sendMarkers(host, job)));
                }
                scheduleAbortCheck(host);
                scheduleExpiry(host);
            }
        };
        this.runtime = new CoordinatorRuntime<>(nodeId, time, kind, replicas, scheduler, eventLoop);
    }

    public TransactionConfig config() {
        return config;
    }

    /** The {@code __transaction_state} partition of a transactional id, by the topic's current partition count. */
    public int partitionFor(String transactionalId) {
        return TransactionConfig.partitionFor(transactionalId, runtime.partitionCount());
    }

    // ---- requests -------------------------------------------------------------------------------------

    /**
     * InitProducerId for a transactional id; a fresh producer id is allocated off the event loop when the shard
     * asks for one, and the shard decides again with it.
     */
    public CompletableFuture<InitProducerIdResponse> initProducerId(String transactionalId, int txnTimeoutMs,
                                                                    Optional<ProducerIdAndEpoch> expected) {
        return initProducerId(transactionalId, txnTimeoutMs, expected, OptionalLong.empty());
    }

    private CompletableFuture<InitProducerIdResponse> initProducerId(String transactionalId, int txnTimeoutMs,
                                                                     Optional<ProducerIdAndEpoch> expected,
                                                                     OptionalLong fresh) {
        CompletableFuture<Optional<InitProducerIdResponse>> decided = runtime.write(partitionFor(transactionalId),
                host -> decide(host, host.shard.initProducerId(transactionalId, txnTimeoutMs, expected, fresh)));
        return decided.thenCompose(answer -> answer.map(CompletableFuture::completedFuture).orElseGet(() ->
                producerIds.nextProducerId().thenCompose(id ->
                        initProducerId(transactionalId, txnTimeoutMs, expected, OptionalLong.of(id)))));
    }

    public CompletableFuture<Map<TopicPartition, Errors>> addPartitions(String transactionalId, long producerId,
                                                                        short producerEpoch,
                                                                        Collection<TopicPartition> partitions,
                                                                        boolean verifyOnly) {
        return addPartitions(transactionalId, producerId, producerEpoch, partitions, verifyOnly, (byte) 0);
    }

    /** AddPartitionsToTxn for a client of {@code transactionVersion} (2: an implicit add of KIP-890 part 2). */
    public CompletableFuture<Map<TopicPartition, Errors>> addPartitions(String transactionalId, long producerId,
                                                                        short producerEpoch,
                                                                        Collection<TopicPartition> partitions,
                                                                        boolean verifyOnly, byte transactionVersion) {
        return runtime.write(partitionFor(transactionalId), host -> write(host,
                host.shard.addPartitionsToTxn(transactionalId, producerId, producerEpoch, partitions, verifyOnly,
                        transactionVersion), r -> r));
    }

    public CompletableFuture<Errors> addOffsets(String transactionalId, long producerId, short producerEpoch,
                                                String groupId) {
        // As Kafka: the group's partition by the topic's partition count, which is offsets.topic.num.partitions
        // until the topic exists (the producer's TxnOffsetCommit then finds the group coordinator, creating it).
        int offsetsPartitions = image.get().topic(GroupConfig.OFFSETS_TOPIC).map(t -> t.partitions().size())
                .orElse(offsetsTopicPartitions);
        return runtime.write(partitionFor(transactionalId), host -> write(host,
                host.shard.addOffsetsToTxn(transactionalId, producerId, producerEpoch, groupId, offsetsPartitions),
                r -> r));
    }

    /**
     * EndTxn; {@code bumpEpoch} for a client of transaction version 2 (EndTxn v5+). A fresh producer id is
     * allocated off the event loop when the shard asks for one (an epoch about to overflow), and the shard decides
     * again with it.
     */
    public CompletableFuture<EndTxnResponse> endTxn(String transactionalId, long producerId, short producerEpoch,
                                                    boolean commit, boolean bumpEpoch) {
        return endTxn(transactionalId, producerId, producerEpoch, commit ? TransactionResult.COMMIT
                : TransactionResult.ABORT, bumpEpoch, OptionalLong.empty());
    }

    private CompletableFuture<EndTxnResponse> endTxn(String transactionalId, long producerId, short producerEpoch,
                                                     TransactionResult result, boolean bumpEpoch,
                                                     OptionalLong fresh) {
        CompletableFuture<Optional<EndTxnResponse>> decided = runtime.write(partitionFor(transactionalId), host ->
                decide(host, host.shard.endTxn(transactionalId, producerId, producerEpoch, result, bumpEpoch,
                        fresh)));
        return decided.thenCompose(answer -> answer.map(CompletableFuture::completedFuture).orElseGet(() ->
                producerIds.nextProducerId().thenCompose(id ->
                        endTxn(transactionalId, producerId, producerEpoch, result, bumpEpoch, OptionalLong.of(id)))));
    }

    /** A shard decision for the runtime: its result, or (writing nothing) empty when it needs a fresh id. */
    private <T> CoordinatorWrite<TransactionRecord, Optional<T>> decide(Host host, ProducerIdDecision<T> decision) {
        if (decision instanceof ProducerIdDecision.Decided<T> done) {
            return write(host, done.result(), Optional::of);
        }
        return write(host, TxnResult.<Optional<T>>of(Optional.empty()), r -> r);
    }

    public CompletableFuture<DescribeTransactionsResponseData.TransactionState> describe(String transactionalId) {
        return runtime.read(partitionFor(transactionalId), host -> host.shard.describeTransaction(transactionalId));
    }

    /** ListTransactions over every shard this node leads (the admin client asks every broker and merges). */
    public CompletableFuture<List<ListTransactionsResponseData>> list(Collection<String> states,
                                                                      Collection<Long> producerIds,
                                                                      long durationFilterMs, String pattern) {
        return runtime.readAll(host -> host.shard.listTransactions(states, producerIds, durationFilterMs, pattern));
    }

    /** Whether any shard of this node is still loading. */
    public CompletableFuture<Boolean> anyLoading() {
        return runtime.anyLoading();
    }

    // ---- results, markers and timers -------------------------------------------------------------------

    /**
     * Adapts a shard result for the runtime: after its records are written, its markers are sent (only then: the
     * PREPARE record decides the outcome).
     */
    private <T, U> CoordinatorWrite<TransactionRecord, U> write(Host host, TxnResult<T> result, Function<T, U> map) {
        return new CoordinatorWrite<>() {
            @Override
            public List<TransactionRecord> records() {
                return result.records();
            }

            @Override
            public U response() {
                return map.apply(result.response());
            }

            @Override
            public java.util.function.Consumer<Throwable> onWritten() {
                return error -> {
                    result.written(error);
                    if (error == null) {
                        result.markers().forEach(job -> sendMarkers(host, job));
                    } else if (!result.markers().isEmpty()) {
                        // The PREPARE record may still commit: here if this node keeps leading (onCommittedLate),
                        // else at the next leader, which resumes its markers from the log.
                        log.info("The decision of {} was not written in time: {}",
                                result.markers().get(0).transactionalId(), error.toString());
                    }
                };
            }

            @Override
            public Runnable onCommittedLate() {
                if (result.markers().isEmpty()) {
                    return null;
                }
                return () -> {
                    log.info("The decision of {} was written after all: sending its markers",
                            result.markers().get(0).transactionalId());
                    result.markers().forEach(job -> sendMarkers(host, job));
                };
            }
        };
    }

    /**
     * Writes a job's markers, then the COMPLETE record. Runs on the event loop; the sending itself does not. Stops
     * when this node no longer leads the shard's partition at the job's coordinator epoch.
     */
    private void sendMarkers(Host host, TxnMarkerJob job) {
        if (!sending.add(job)) {
            return;
        }
        markers.send(job, () -> leads(host.partition, job.coordinatorEpoch())).whenComplete((v, error) -> {
            if (error != null) {
                sending.remove(job);
                log.info("Markers of {} (producer {}) left to the next coordinator: {}", job.transactionalId(),
                        job.producerId(), error.toString());
            } else {
                complete(host, job, COMPLETE_FIRST_BACKOFF_MS);
            }
        });
    }

    /**
     * Writes the COMPLETE record of a job whose markers are all written, retrying while this node still leads the
     * shard's partition: a failed or refused write (its replicas lag, another write on the id is pending) must not
     * leave the transaction in PREPARE, which would keep its producer waiting until the next coordinator.
     */
    private void complete(Host host, TxnMarkerJob job, long backoffMs) {
        runtime.write(host.partition, h -> write(h, h.shard.onMarkersWritten(job.transactionalId(), job.producerId(),
                job.producerEpoch()), r -> r)).whenComplete((answer, error) -> {
                    boolean retry = error != null ? !(unwrap(error) instanceof NotCoordinatorException)
                            : answer == Errors.CONCURRENT_TRANSACTIONS;
                    if (retry && leads(host.partition, job.coordinatorEpoch())) {
                        log.debug("Completing {} failed ({}); retrying in {} ms", job.transactionalId(),
                                error != null ? error : answer, backoffMs);
                        try {
                            Schedulers.once(scheduler, "txn-complete-retry", () -> complete(host, job,
                                    Math.min(COMPLETE_MAX_BACKOFF_MS, backoffMs * 2)), backoffMs);
                            return;
                        } catch (java.util.concurrent.RejectedExecutionException e) {
                            // Shutting down.
                        }
                    }
                    sending.remove(job);
                    if (error != null || answer != Errors.NONE) {
                        log.info("Completion of {} (producer {}) ended with {}", job.transactionalId(),
                                job.producerId(), error != null ? error.toString() : answer);
                    }
                });
    }

    private static Throwable unwrap(Throwable error) {
        return error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
    }

    /** Whether this node still leads {@code partition} of {@code __transaction_state} at {@code leaderEpoch}. */
    private boolean leads(int partition, int leaderEpoch) {
        Optional<TopicImage> topic = image.get().topic(TransactionConfig.TRANSACTION_STATE_TOPIC);
        PartitionImage p = topic.map(t -> t.partitions().get(partition)).orElse(null);
        return p != null && p.leader() == nodeId && p.leaderEpoch() == leaderEpoch;
    }

    private void scheduleAbortCheck(Host host) {
        host.timer.schedule(ABORT_TIMER, config.abortTimedOutTransactionsIntervalMs(), () -> {
            scheduleAbortCheck(host);
            return write(host, host.shard.abortTimedOutTransactions(), ids -> {
                if (!ids.isEmpty()) {
                    log.info("Aborting timed-out transactions of {}", ids);
                }
                return (Void) null;
            });
        });
    }

    private void scheduleExpiry(Host host) {
        host.timer.schedule(EXPIRE_TIMER, config.removeExpiredTransactionalIdsIntervalMs(), () -> {
            scheduleExpiry(host);
            return write(host, host.shard.expireTransactionalIds(), ids -> (Void) null);
        });
    }

    @Override
    public void onImage(MetadataImage previous, MetadataImage next) {
        runtime.onImage(previous, next);
    }

    @Override
    public void close() {
        runtime.close();
        markers.close();
    }
}
