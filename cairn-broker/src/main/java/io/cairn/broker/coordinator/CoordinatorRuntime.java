package io.cairn.broker.coordinator;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Function;
import java.util.function.Supplier;

import io.cairn.broker.Schedulers;
import io.cairn.broker.replica.DelayedOperation;
import io.cairn.broker.replica.Partition;
import io.cairn.broker.replica.ReplicaManager;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.MetadataListener;
import io.cairn.metadata.PartitionImage;
import io.cairn.metadata.TopicImage;
import io.cairn.storage.AppendResult;
import io.cairn.storage.BoundedRecords;
import io.cairn.storage.ReadResult;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.CoordinatorLoadInProgressException;
import org.apache.kafka.common.errors.CoordinatorNotAvailableException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.NotCoordinatorException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.utils.CloseableIterator;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.server.util.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the coordinator shards of one kind ({@link CoordinatorKind}: the group coordinator on
 * {@code __consumer_offsets}, the transaction coordinator on {@code __transaction_state}) on this node: one shard
 * for each partition of the kind's internal topic this node leads, created when the committed metadata makes this
 * node the partition's leader and discarded when it stops being so.
 *
 * <p>A shard is first {@link Loading} (replaying its partition's log from the start up to the high watermark;
 * requests get COORDINATOR_LOAD_IN_PROGRESS), then {@link Active}. A partition with no role here answers
 * NOT_COORDINATOR. Operations on an active shard return a {@link CoordinatorWrite}; the runtime appends its records
 * through {@link Partition#appendAsLeader} with acks=-1 semantics (as one transactional batch when the write
 * belongs to a producer's transaction), replays them into the shard, and answers once the high watermark has
 * passed them. Transaction markers for the partition are written through {@link #completeTransaction}, on the
 * same loop, so that the shard sees records and markers in log order.
 *
 * <p>Threading: one event loop (a single-thread executor) runs every shard operation, timer, load step and
 * role change, so shards need no locks. Public methods are thread-safe and never block.
 *
 * @param <S> the shard type
 * @param <R> the record type
 */
public final class CoordinatorRuntime<S extends CoordinatorShard<R>, R extends StoredRecord>
        implements MetadataListener, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CoordinatorRuntime.class);
    private static final int LOAD_CHUNK_BYTES = 1024 * 1024;
    private static final long LOAD_RETRY_MS = 500;

    private sealed interface ShardRole permits Loading, Active {
        int leaderEpoch();
    }

    /** Replaying the log; holds the shard being built. */
    private record Loading<S>(int leaderEpoch, S shard, Cancellable timer, long startMs, long[] replayed)
            implements ShardRole {
    }

    /** Serving requests: the only role that holds the write path and the timers. */
    private record Active<S>(int leaderEpoch, S shard, Cancellable timer) implements ShardRole {
    }

    /** A shard's timers, as its role sees them: cancelled together when the role ends. */
    private interface Cancellable {
        void cancelAll();
    }

    private final int nodeId;
    private final Time time;
    private final CoordinatorKind<S, R> kind;
    private final ReplicaManager replicas;
    private final Scheduler scheduler;
    private final ExecutorService loop;
    private final String logPrefix;
    /** Confined to the event loop. */
    private final Map<Integer, ShardRole> roles = new HashMap<>();
    private volatile int partitionCount;
    /** The partitions the newest image makes this node lead, set before the loop reconciles the roles. */
    private volatile Set<Integer> ledInLatestImage = Set.of();
    /** Partition -> how its last load went, for operators and tests. */
    private final Map<Integer, LoadStats> loadStats = new java.util.concurrent.ConcurrentHashMap<>();

    /** How a shard's load went: records replayed and the time it took. */
    public record LoadStats(long records, long millis) {
    }

    public CoordinatorRuntime(int nodeId, Time time, CoordinatorKind<S, R> kind, ReplicaManager replicas,
                              Scheduler scheduler, ExecutorService eventLoop) {
        this.nodeId = nodeId;
        this.time = time;
        this.kind = kind;
        this.replicas = replicas;
        this.scheduler = scheduler;
        this.loop = eventLoop;
        this.logPrefix = "[node " + nodeId + "] ";
        this.partitionCount = kind.defaultPartitions();
    }

    /** The partition count of the internal topic (its default until the topic exists). */
    public int partitionCount() {
        return partitionCount;
    }

    /** The last load of each partition loaded here since start. */
    public Map<Integer, LoadStats> loadStats() {
        return Map.copyOf(loadStats);
    }

    // ---- operations -----------------------------------------------------------------------------------

    /**
     * Runs a write operation on the shard of {@code partition}; the future completes with its response
     * once its records are committed, or fails with NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS /
     * the write's error.
     */
    public <T> CompletableFuture<T> write(int partition, Function<S, ? extends CoordinatorWrite<R, T>> op) {
        CompletableFuture<T> out = new CompletableFuture<>();
        execute(out, () -> {
            Active<S> active = active(partition);
            apply(partition, active, op.apply(active.shard()), out);
        });
        return out;
    }

    /**
     * Writes a transaction marker of {@code producerId} to {@code partition}, which this node must lead with an
     * active shard, and replays it into the shard; completes once the high watermark has passed it. Fails with
     * NOT_LEADER_OR_FOLLOWER when this node does not lead the partition, COORDINATOR_LOAD_IN_PROGRESS while it
     * loads (the sender retries), or the append's error.
     */
    public CompletableFuture<Void> completeTransaction(int partition, long producerId, short producerEpoch,
                                                      int coordinatorEpoch, boolean commit,
                                                      byte transactionVersion) {
        CompletableFuture<Void> out = new CompletableFuture<>();
        execute(out, () -> {
            ShardRole role = roles.get(partition);
            TopicPartition tp = new TopicPartition(kind.topic(), partition);
            if (role instanceof Loading) {
                throw new CoordinatorLoadInProgressException("The coordinator of " + tp + " is loading");
            }
            if (!(role instanceof Active<?>)) {
                throw new NotLeaderOrFollowerException("This node does not lead " + tp);
            }
            @SuppressWarnings("unchecked")
            Active<S> active = (Active<S>) role;
            Partition p = replicas.partitionOrThrow(tp, () -> new NotLeaderOrFollowerException("No partition "
                    + tp));
            int leaderEpoch = p.leaderEpochIfLeader();
            long endOffset = p.appendTransactionMarker(producerId, producerEpoch, commit, coordinatorEpoch,
                            transactionVersion)
                    .lastOffset() + 1;
            active.shard().replayEndTransaction(producerId, commit);
            awaitCommitted(tp, p, leaderEpoch, endOffset, () -> out.complete(null), out::completeExceptionally);
        });
        return out;
    }

    /**
     * Runs a read-only operation on the shard of {@code partition}, and answers once everything the shard had
     * replayed when it ran is committed. The shard replays a write as soon as it is appended, so without the
     * wait a read could show a write that a failover then undoes (an offset commit seen through OffsetFetch,
     * then gone on the new coordinator); Kafka reads at the last committed offset for the same reason. On an
     * idle partition the high watermark is at the log end already and the answer is immediate. Fails with
     * COORDINATOR_NOT_AVAILABLE when the writes are not committed within the commit timeout.
     */
    public <T> CompletableFuture<T> read(int partition, Function<S, T> op) {
        CompletableFuture<T> out = new CompletableFuture<>();
        execute(out, () -> {
            T result = op.apply(active(partition).shard());
            TopicPartition tp = new TopicPartition(kind.topic(), partition);
            Partition p = replicas.partitionOrThrow(tp, () -> new NotCoordinatorException("This node does not "
                    + "coordinate " + tp));
            long replayedTo = p.log().logEndOffset();
            int leaderEpoch = p.leaderEpochIfLeader();
            if (leaderEpoch < 0) {
                throw new NotCoordinatorException("This node does not lead " + tp);
            }
            if (p.committedAsLeader(leaderEpoch, replayedTo)) {
                out.complete(result);
                return;
            }
            awaitCommitted(tp, p, leaderEpoch, replayedTo, () -> out.complete(result), error -> out.completeExceptionally(
                    new CoordinatorNotAvailableException("The coordinator of " + tp + " could not confirm its "
                            + "state is replicated: " + error.getMessage())));
        });
        return out;
    }

    /** Runs a read-only operation on every active shard. */
    public <T> CompletableFuture<List<T>> readAll(Function<S, T> op) {
        CompletableFuture<List<T>> out = new CompletableFuture<>();
        execute(out, () -> {
            List<T> results = new ArrayList<>();
            for (ShardRole role : roles.values()) {
                if (role instanceof Active<?> active) {
                    @SuppressWarnings("unchecked")
                    S shard = (S) active.shard();
                    results.add(op.apply(shard));
                }
            }
            out.complete(results);
        });
        return out;
    }

    /** Whether any shard of this node is still loading. */
    public CompletableFuture<Boolean> anyLoading() {
        CompletableFuture<Boolean> out = new CompletableFuture<>();
        execute(out, () -> out.complete(roles.values().stream().anyMatch(r -> r instanceof Loading)));
        return out;
    }

    private void execute(CompletableFuture<?> out, Runnable task) {
        try {
            loop.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    out.completeExceptionally(e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            out.completeExceptionally(new CoordinatorNotAvailableException("The coordinator of " + kind.topic()
                    + " is shut down"));
        }
    }

    @SuppressWarnings("unchecked")
    private Active<S> active(int partition) {
        ShardRole role = roles.get(partition);
        if (role instanceof Active<?> active) {
            return (Active<S>) active;
        }
        if (role instanceof Loading) {
            throw new CoordinatorLoadInProgressException("The coordinator of " + kind.topic() + "-" + partition
                    + " is loading");
        }
        if (ledInLatestImage.contains(partition)) {
            // The committed image already makes this node the leader; the event loop has not taken it over yet.
            throw new CoordinatorLoadInProgressException("The coordinator of " + kind.topic() + "-" + partition
                    + " is starting");
        }
        throw new NotCoordinatorException("This node does not coordinate " + kind.topic() + "-" + partition);
    }

    /** Appends the result's records, replays them, and answers when the high watermark passes them. */
    private <T> void apply(int partition, Active<S> active, CoordinatorWrite<R, T> result, CompletableFuture<T> out) {
        if (result.records().isEmpty()) {
            written(result, null);
            out.complete(result.response());
            return;
        }
        TopicPartition tp = new TopicPartition(kind.topic(), partition);
        CoordinatorWrite.TransactionalProducer producer = result.transactionalProducer();
        long endOffset;
        Partition p;
        int leaderEpoch;
        try {
            p = replicas.partitionOrThrow(tp, () -> new NotLeaderOrFollowerException("No partition " + tp));
            leaderEpoch = p.leaderEpochIfLeader();
            AppendResult appended = p.appendAsCoordinator(toRecords(result.records(), producer));
            endOffset = appended.lastOffset() + 1;
        } catch (RuntimeException e) {
            RuntimeException mapped = mapWriteError(tp, e);
            written(result, mapped);
            out.completeExceptionally(mapped);
            return;
        }
        for (R record : result.records()) {
            if (producer == null) {
                active.shard().replay(record);
            } else {
                active.shard().replayTransactional(record, producer.producerId(), producer.producerEpoch());
            }
        }
        awaitCommitted(tp, p, leaderEpoch, endOffset, () -> {
            written(result, null);
            out.complete(result.response());
        }, error -> {
            written(result, error);
            out.completeExceptionally(error);
            if (error instanceof TimeoutException && result.onCommittedLate() != null) {
                awaitLateCommit(tp, p, leaderEpoch, endOffset, result.onCommittedLate());
            }
        });
    }

    /**
     * Keeps waiting, one commit timeout after another, for records whose write timed out while this node kept
     * leading: they are in its log, and are committed as soon as its replicas catch up, unless the leadership moves
     * first (then the next leader's shard takes them from its own log). Runs {@code onCommitted} if they are.
     */
    private void awaitLateCommit(TopicPartition tp, Partition p, int leaderEpoch, long endOffset,
                                 Runnable onCommitted) {
        awaitCommitted(tp, p, leaderEpoch, endOffset, onCommitted, error -> {
            if (error instanceof TimeoutException && roles.get(tp.partition()) instanceof Active<?>) {
                awaitLateCommit(tp, p, leaderEpoch, endOffset, onCommitted);
            }
        });
    }

    /**
     * Runs {@code onCommitted} on the loop once the high watermark reaches {@code endOffset} while this node still
     * leads the partition at {@code leaderEpoch} (the epoch the write was appended at); fails with NOT_COORDINATOR
     * when the leadership moved first (the write may be truncated: a high watermark that passes it as a follower is
     * the new leader's), else times out.
     */
    private void awaitCommitted(TopicPartition tp, Partition p, int leaderEpoch, long endOffset, Runnable onCommitted,
                                java.util.function.Consumer<RuntimeException> onTimeout) {
        replicas.onHighWatermarkMaybeAdvanced(tp);
        CompletableFuture<Void> failures = new CompletableFuture<>();
        failures.whenComplete((ignored, error) -> {
            if (error != null) {
                onTimeout.accept(error instanceof RuntimeException r ? r : new RuntimeException(error));
            }
        });
        DelayedOperation committed = new DelayedOperation() {
            @Override
            protected boolean canComplete() {
                return p.leaderEpochIfLeader() != leaderEpoch || p.highWatermark() >= endOffset;
            }

            @Override
            protected void onComplete() {
                execute(failures, () -> {
                    if (p.committedAsLeader(leaderEpoch, endOffset)) {
                        onCommitted.run();
                    } else if (p.leaderEpochIfLeader() != leaderEpoch) {
                        onTimeout.accept(new NotCoordinatorException("The leadership of " + tp + " moved before the "
                                + "write was replicated"));
                    } else {
                        onTimeout.accept(new TimeoutException("The write to " + tp + " was not replicated within "
                                + kind.commitTimeoutMs() + " ms"));
                    }
                });
            }
        };
        replicas.fetchWaiters().tryCompleteElseWatch(committed, List.of(tp), kind.commitTimeoutMs());
    }

    private void written(CoordinatorWrite<R, ?> result, Throwable error) {
        if (result.onWritten() != null) {
            result.onWritten().accept(error);
        }
    }

    private static RuntimeException mapWriteError(TopicPartition tp, RuntimeException e) {
        if (e instanceof NotLeaderOrFollowerException || e instanceof KafkaStorageException) {
            return new NotCoordinatorException("This node no longer leads " + tp + ": " + e.getMessage());
        }
        if (e instanceof NotEnoughReplicasException) {
            return new CoordinatorNotAvailableException(e.getMessage());
        }
        return e;
    }

    private MemoryRecords toRecords(List<R> records, CoordinatorWrite.TransactionalProducer producer) {
        long now = time.milliseconds();
        SimpleRecord[] simple = new SimpleRecord[records.size()];
        for (int i = 0; i < simple.length; i++) {
            simple[i] = new SimpleRecord(now, records.get(i).key(), records.get(i).value());
        }
        if (producer == null) {
            return MemoryRecords.withRecords(Compression.NONE, simple);
        }
        // The producer's id and epoch; the sequence is not checked (the coordinator is the partition's only writer,
        // AppendOrigin.COORDINATOR) but a batch carrying a producer id must have one, so it is always 0.
        return MemoryRecords.withTransactionalRecords(Compression.NONE, producer.producerId(),
                producer.producerEpoch(), 0, simple);
    }

    // ---- roles ----------------------------------------------------------------------------------------

    @Override
    public void onImage(MetadataImage previous, MetadataImage next) {
        Optional<TopicImage> topic = next.topic(kind.topic());
        if (topic.equals(previous.topic(kind.topic())) && previous.offset() >= 0) {
            return;
        }
        Map<Integer, Integer> led = new HashMap<>();
        topic.ifPresent(t -> {
            partitionCount = t.partitions().size();
            for (PartitionImage partition : t.partitions().values()) {
                if (partition.leader() == nodeId) {
                    led.put(partition.partition(), partition.leaderEpoch());
                }
            }
        });
        ledInLatestImage = Set.copyOf(led.keySet());
        post(() -> reconcile(led));
    }

    /** Runs {@code task} on the event loop; nothing once the loop is shut down. */
    private void post(Runnable task) {
        try {
            loop.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // Shutting down.
        }
    }

    private void reconcile(Map<Integer, Integer> led) {
        for (Integer partition : List.copyOf(roles.keySet())) {
            Integer epoch = led.get(partition);
            if (epoch == null || epoch != roles.get(partition).leaderEpoch()) {
                unload(partition);
            }
        }
        led.forEach((partition, epoch) -> {
            if (!roles.containsKey(partition)) {
                startLoading(partition, epoch);
            }
        });
    }

    private void unload(int partition) {
        ShardRole role = roles.remove(partition);
        if (role instanceof Active<?> active) {
            active.timer().cancelAll();
            ((CoordinatorShard<?>) active.shard()).onUnloaded();
            log.info("{}Unloaded the coordinator of {}-{}", logPrefix, kind.topic(), partition);
        } else if (role instanceof Loading<?> loading) {
            loading.timer().cancelAll();
        }
    }

    private void startLoading(int partition, int leaderEpoch) {
        Timers timer = new Timers(partition);
        S shard = kind.newShard(partition, leaderEpoch, timer);
        Loading<S> loading = new Loading<>(leaderEpoch, shard, timer, time.milliseconds(), new long[1]);
        roles.put(partition, loading);
        Optional<Partition> p = replicas.partition(new TopicPartition(kind.topic(), partition));
        if (p.isEmpty()) {
            roles.remove(partition);
            return;
        }
        loadChunk(partition, loading, p.get(), p.get().log().logStartOffset());
    }

    /** Replays one chunk of the log, then posts the next chunk so that other shards keep being served. */
    private void loadChunk(int partition, Loading<S> loading, Partition p, long offset) {
        if (roles.get(partition) != loading) {
            return;
        }
        // Up to the log's end, not the high watermark: a new leader's high watermark can lag records its old
        // leader committed and answered (learned only on the follower's next fetch), and this log is the
        // partition's now, so all of it will be committed unless leadership moves on, which unloads the shard.
        // Kafka's loaders read to the log end too.
        long end = p.log().logEndOffset();
        long next = offset;
        try {
            if (offset < end) {
                ReadResult read = p.log().read(Math.max(offset, p.log().logStartOffset()), LOAD_CHUNK_BYTES, end,
                        true);
                for (RecordBatch batch : read.records().batches()) {
                    if (batch.isControlBatch()) {
                        if (batch.baseOffset() >= offset) {
                            replayMarker(loading.shard(), batch);
                        }
                        next = batch.nextOffset();
                        continue;
                    }
                    replayBatch(partition, loading, batch, offset, p.log().config().maxMessageBytes());
                    next = batch.nextOffset();
                }
            }
        } catch (RuntimeException e) {
            unreadable(partition, loading, p, next, e);
            return;
        }
        if (next > offset && next < end) {
            long from = next;
            loop.execute(() -> loadChunk(partition, loading, p, from));
            return;
        }
        loading.shard().onLoaded();
        roles.put(partition, new Active<>(loading.leaderEpoch(), loading.shard(), loading.timer()));
        long tookMs = time.milliseconds() - loading.startMs();
        if (loading.replayed()[0] > 0) {
            log.info("{}Loaded the coordinator of {}-{} at leader epoch {}: {} records, {} in {} ms", logPrefix,
                    kind.topic(), partition, loading.leaderEpoch(), loading.replayed()[0],
                    loading.shard().loadSummary(), tookMs);
        }
        loadStats.put(partition, new LoadStats(loading.replayed()[0], tookMs));
        CompletableFuture<Void> loadedCommitted = new CompletableFuture<>();
        awaitLateCommit(new TopicPartition(kind.topic(), partition), p, loading.leaderEpoch(), end,
                () -> loadedCommitted.complete(null));
        kind.onActive(partition, loading.shard(), loadedCommitted);
    }

    /**
     * A chunk of the log could not be read past {@code next} (everything before it is replayed). A chaos campaign saw
     * this when the node, already a follower of the partition in a newer image, truncated the log under the read (an
     * EOF in the middle of a batch); the exception escaped the loop's task, which then left the other partitions of
     * that reconciliation unloaded. A replica that has moved past the loading epoch gives the load up (the newer
     * image's reconciliation unloads or reloads the shard); otherwise the load goes on from {@code next} after
     * {@value #LOAD_RETRY_MS} ms, with a WARN each time, and clients get COORDINATOR_LOAD_IN_PROGRESS meanwhile.
     */
    private void unreadable(int partition, Loading<S> loading, Partition p, long next, RuntimeException e) {
        if (p.role().leaderEpoch() > loading.leaderEpoch()) {
            log.info("{}Gave up loading the coordinator of {}-{} at leader epoch {}: the partition is at epoch {} now "
                    + "({})", logPrefix, kind.topic(), partition, loading.leaderEpoch(), p.role().leaderEpoch(),
                    e.toString());
            if (roles.get(partition) == loading) {
                roles.remove(partition);
                loading.timer().cancelAll();
            }
            return;
        }
        log.warn("{}Could not read {}-{} from offset {} to load its coordinator; trying again in {} ms: {}",
                logPrefix, kind.topic(), partition, next, LOAD_RETRY_MS, e.toString());
        try {
            Schedulers.once(scheduler, "coordinator-load-retry", () -> post(() -> loadChunk(partition, loading, p, next)),
                    LOAD_RETRY_MS);
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            // Shutting down.
        }
    }

    /**
     * Replays a stored batch's records from {@code offset} on, read under the decompression bound
     * ({@link BoundedRecords#stored}); a batch whose records cannot be read is skipped from there with a WARN, as
     * an unreadable record is.
     */
    private void replayBatch(int partition, Loading<S> loading, RecordBatch batch, long offset, int maxMessageBytes) {
        try (CloseableIterator<Record> records = BoundedRecords.stored(batch, maxMessageBytes)) {
            while (records.hasNext()) {
                Record record = records.next();
                if (record.offset() < offset || !record.hasKey()) {
                    continue;
                }
                if (replayStored(partition, loading.shard(), batch, record)) {
                    loading.replayed()[0]++;
                }
            }
        } catch (InvalidRecordException | CorruptRecordException e) {
            log.warn("{}Skipping the rest of an unreadable batch of {}-{} at offset {}: {}", logPrefix, kind.topic(),
                    partition, batch.baseOffset(), e.toString());
        }
    }

    /**
     * Parses and replays one stored record. A record that cannot be read (an unknown version or type, a truncated
     * key or value, a length past its end) is skipped with one WARN naming its partition and offset, so that the
     * rest of the partition loads and the shard becomes active; Kafka's loader skips only unknown record types and
     * fails the load on anything else, which leaves every group of the partition without a coordinator.
     *
     * @return whether the record was replayed
     */
    private boolean replayStored(int partition, S shard, RecordBatch batch, Record stored) {
        R record;
        try {
            record = kind.parse(stored.key(), stored.hasValue() ? stored.value() : null);
        } catch (RuntimeException e) {
            log.warn("{}Skipping the unreadable record at offset {} of {}-{}: {}", logPrefix, stored.offset(),
                    kind.topic(), partition, e.toString());
            return false;
        }
        try {
            if (batch.isTransactional()) {
                shard.replayTransactional(record, batch.producerId(), batch.producerEpoch());
            } else {
                shard.replay(record);
            }
            return true;
        } catch (RuntimeException e) {
            log.error("{}Skipping the record at offset {} of {}-{}, which could not be replayed", logPrefix,
                    stored.offset(), kind.topic(), partition, e);
            return false;
        }
    }

    private void replayMarker(S shard, RecordBatch batch) {
        ControlRecordType type;
        try (CloseableIterator<Record> records = BoundedRecords.stored(batch, 0)) {
            if (!records.hasNext()) {
                return;
            }
            type = ControlRecordType.parse(records.next().key());
        }
        if (type == ControlRecordType.COMMIT || type == ControlRecordType.ABORT) {
            shard.replayEndTransaction(batch.producerId(), type == ControlRecordType.COMMIT);
        }
    }

    @Override
    public void close() {
        loop.shutdownNow();
    }

    /** The timers of one shard, run on the event loop while the shard holds the same role. */
    private final class Timers implements ShardTimer<R>, Cancellable {
        private final int partition;
        private final Map<String, Task> tasks = new HashMap<>();

        private Timers(int partition) {
            this.partition = partition;
        }

        private final class Task implements Runnable {
            private final String key;
            private final Supplier<? extends CoordinatorWrite<R, Void>> operation;
            private ScheduledFuture<?> future;

            private Task(String key, Supplier<? extends CoordinatorWrite<R, Void>> operation) {
                this.key = key;
                this.operation = operation;
            }

            @Override
            public void run() {
                post(this::fire);
            }

            private void fire() {
                if (tasks.get(key) != this) {
                    return;
                }
                tasks.remove(key);
                ShardRole role = roles.get(partition);
                if (!(role instanceof Active<?> active) || active.timer() != Timers.this) {
                    return;
                }
                try {
                    apply(partition, active(partition), operation.get(), new CompletableFuture<>());
                } catch (RuntimeException e) {
                    log.error("{}Timer {} of {}-{} failed", logPrefix, key, kind.topic(), partition, e);
                }
            }
        }

        @Override
        public void schedule(String key, long delayMs, Supplier<? extends CoordinatorWrite<R, Void>> operation) {
            cancel(key);
            Task task = new Task(key, operation);
            tasks.put(key, task);
            task.future = Schedulers.once(scheduler, "coordinator-timer", task, delayMs);
        }

        @Override
        public void cancel(String key) {
            Task task = tasks.remove(key);
            if (task != null && task.future != null) {
                task.future.cancel(false);
            }
        }

        @Override
        public boolean isScheduled(String key) {
            return tasks.containsKey(key);
        }

        @Override
        public void cancelAll() {
            List.copyOf(tasks.keySet()).forEach(this::cancel);
        }
    }
}
