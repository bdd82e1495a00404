package io.cairn.broker.group;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

import io.cairn.broker.replica.DelayedOperation;
import io.cairn.broker.replica.Partition;
import io.cairn.broker.replica.ReplicaManager;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.MetadataListener;
import io.cairn.metadata.PartitionImage;
import io.cairn.metadata.TopicImage;
import io.cairn.storage.AppendResult;
import io.cairn.storage.ReadResult;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.CoordinatorLoadInProgressException;
import org.apache.kafka.common.errors.CoordinatorNotAvailableException;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.NotCoordinatorException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the group coordinator shards of this node: one {@link GroupCoordinatorShard} for each
 * {@code __consumer_offsets} partition this node leads, created when the committed metadata makes this node
 * the partition's leader and discarded when it stops being so.
 *
 * <p>A shard is first {@link Loading} (replaying its partition's log from the start up to the high
 * watermark; requests get COORDINATOR_LOAD_IN_PROGRESS), then {@link Active}. A partition with no role
 * here answers NOT_COORDINATOR. Operations on an active shard return records and a response; the runtime
 * appends the records through {@link Partition#appendAsLeader} with acks=-1 semantics, replays them into
 * the shard, and answers once the high watermark has passed them.
 *
 * <p>Threading: one event loop (a single-thread executor) runs every shard operation, timer, load step and
 * role change, so shards need no locks. Public methods are thread-safe and never block.
 */
public final class GroupCoordinatorRuntime implements MetadataListener, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GroupCoordinatorRuntime.class);
    private static final int LOAD_CHUNK_BYTES = 1024 * 1024;

    private sealed interface ShardRole permits Loading, Active {
        int leaderEpoch();
    }

    /** Replaying the log; holds the shard being built. */
    private record Loading(int leaderEpoch, GroupCoordinatorShard shard, ShardTimer timer, long startMs,
                           long[] replayed) implements ShardRole {
    }

    /** Serving requests: the only role that holds the write path and the timers. */
    private record Active(int leaderEpoch, GroupCoordinatorShard shard, ShardTimer timer) implements ShardRole {
    }

    private final int nodeId;
    private final Time time;
    private final GroupConfig config;
    private final ReplicaManager replicas;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService loop;
    private final Random random;
    private final String logPrefix;
    /** Confined to the event loop. */
    private final Map<Integer, ShardRole> roles = new HashMap<>();
    private volatile int partitionCount;
    /** Partition -> how its last load went, for operators and tests. */
    private final Map<Integer, LoadStats> loadStats = new java.util.concurrent.ConcurrentHashMap<>();

    /** How a shard's load went: records replayed and the time it took. */
    public record LoadStats(long records, long millis) {
    }

    public GroupCoordinatorRuntime(int nodeId, Time time, GroupConfig config, ReplicaManager replicas,
                                   ScheduledExecutorService scheduler, ExecutorService eventLoop, Random random) {
        this.nodeId = nodeId;
        this.time = time;
        this.config = config;
        this.replicas = replicas;
        this.scheduler = scheduler;
        this.loop = eventLoop;
        this.random = random;
        this.logPrefix = "[node " + nodeId + "] ";
        this.partitionCount = config.offsetsTopicPartitions();
    }

    public GroupConfig config() {
        return config;
    }

    /** Kafka's placement: the {@code __consumer_offsets} partition of a group. */
    public static int partitionFor(String groupId, int partitions) {
        return Utils.abs(groupId.hashCode()) % partitions;
    }

    public int partitionFor(String groupId) {
        return partitionFor(groupId, partitionCount);
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
    public <T> CompletableFuture<T> write(int partition, Function<GroupCoordinatorShard, CoordinatorResult<T>> op) {
        CompletableFuture<T> out = new CompletableFuture<>();
        execute(out, () -> {
            Active active = active(partition);
            apply(partition, active, op.apply(active.shard()), out);
        });
        return out;
    }

    /** Runs a read-only operation on the shard of {@code partition}. */
    public <T> CompletableFuture<T> read(int partition, Function<GroupCoordinatorShard, T> op) {
        CompletableFuture<T> out = new CompletableFuture<>();
        execute(out, () -> out.complete(op.apply(active(partition).shard())));
        return out;
    }

    /** Runs a read-only operation on every active shard. */
    public <T> CompletableFuture<List<T>> readAll(Function<GroupCoordinatorShard, T> op) {
        CompletableFuture<List<T>> out = new CompletableFuture<>();
        execute(out, () -> {
            List<T> results = new ArrayList<>();
            for (ShardRole role : roles.values()) {
                if (role instanceof Active active) {
                    results.add(op.apply(active.shard()));
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
            out.completeExceptionally(new CoordinatorNotAvailableException("The group coordinator is shut down"));
        }
    }

    private Active active(int partition) {
        ShardRole role = roles.get(partition);
        if (role instanceof Active active) {
            return active;
        }
        if (role instanceof Loading) {
            throw new CoordinatorLoadInProgressException("The coordinator of " + GroupConfig.OFFSETS_TOPIC + "-"
                    + partition + " is loading");
        }
        throw new NotCoordinatorException("This node does not coordinate " + GroupConfig.OFFSETS_TOPIC + "-"
                + partition);
    }

    /** Appends the result's records, replays them, and answers when the high watermark passes them. */
    private <T> void apply(int partition, Active active, CoordinatorResult<T> result, CompletableFuture<T> out) {
        if (result.records().isEmpty()) {
            written(result, null);
            out.complete(result.response());
            return;
        }
        TopicPartition tp = new TopicPartition(GroupConfig.OFFSETS_TOPIC, partition);
        long endOffset;
        Partition p;
        try {
            p = replicas.partition(tp).orElseThrow(() -> new NotLeaderOrFollowerException("No partition " + tp));
            AppendResult appended = p.appendAsLeader(toRecords(result.records()), (short) -1);
            endOffset = appended.lastOffset() + 1;
        } catch (RuntimeException e) {
            RuntimeException mapped = mapWriteError(tp, e);
            written(result, mapped);
            out.completeExceptionally(mapped);
            return;
        }
        for (CoordinatorRecord record : result.records()) {
            active.shard().replay(record);
        }
        replicas.onHighWatermarkMaybeAdvanced(tp);
        DelayedOperation committed = new DelayedOperation() {
            @Override
            protected boolean canComplete() {
                return p.highWatermark() >= endOffset;
            }

            @Override
            protected void onComplete() {
                execute(out, () -> {
                    if (p.highWatermark() >= endOffset) {
                        written(result, null);
                        out.complete(result.response());
                    } else {
                        TimeoutException timeout = new TimeoutException("The write to " + tp
                                + " was not replicated within " + config.commitTimeoutMs() + " ms");
                        written(result, timeout);
                        out.completeExceptionally(timeout);
                    }
                });
            }
        };
        replicas.fetchWaiters().tryCompleteElseWatch(committed, List.of(tp), config.commitTimeoutMs());
    }

    private void written(CoordinatorResult<?> result, Throwable error) {
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

    private MemoryRecords toRecords(List<CoordinatorRecord> records) {
        long now = time.milliseconds();
        SimpleRecord[] simple = new SimpleRecord[records.size()];
        for (int i = 0; i < simple.length; i++) {
            simple[i] = new SimpleRecord(now, records.get(i).key(), records.get(i).value());
        }
        return MemoryRecords.withRecords(Compression.NONE, simple);
    }

    // ---- roles ----------------------------------------------------------------------------------------

    @Override
    public void onImage(MetadataImage previous, MetadataImage next) {
        Optional<TopicImage> topic = next.topic(GroupConfig.OFFSETS_TOPIC);
        if (topic.equals(previous.topic(GroupConfig.OFFSETS_TOPIC)) && previous.offset() >= 0) {
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
        try {
            loop.execute(() -> reconcile(led));
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
        if (role instanceof Active active) {
            active.timer().cancelAll();
            active.shard().onUnloaded();
            log.info("{}Unloaded the group coordinator of {}-{}", logPrefix, GroupConfig.OFFSETS_TOPIC, partition);
        } else if (role instanceof Loading loading) {
            loading.timer().cancelAll();
        }
    }

    private void startLoading(int partition, int leaderEpoch) {
        ShardTimer timer = new ShardTimer(partition);
        GroupCoordinatorShard shard = new GroupCoordinatorShard(partition, nodeId, time, timer, config, random);
        Loading loading = new Loading(leaderEpoch, shard, timer, time.milliseconds(), new long[1]);
        roles.put(partition, loading);
        Optional<Partition> p = replicas.partition(new TopicPartition(GroupConfig.OFFSETS_TOPIC, partition));
        if (p.isEmpty()) {
            roles.remove(partition);
            return;
        }
        loadChunk(partition, loading, p.get(), p.get().log().logStartOffset());
    }

    /** Replays one chunk of the log, then posts the next chunk so that other shards keep being served. */
    private void loadChunk(int partition, Loading loading, Partition p, long offset) {
        if (roles.get(partition) != loading) {
            return;
        }
        long hw = p.highWatermark();
        long next = offset;
        if (offset < hw) {
            ReadResult read = p.log().read(Math.max(offset, p.log().logStartOffset()), LOAD_CHUNK_BYTES, hw, true);
            for (RecordBatch batch : read.records().batches()) {
                if (batch.isControlBatch()) {
                    next = batch.nextOffset();
                    continue;
                }
                for (Record record : batch) {
                    if (record.offset() < offset || !record.hasKey()) {
                        continue;
                    }
                    replayStored(partition, loading.shard(), record.key(), record.hasValue() ? record.value() : null);
                    loading.replayed()[0]++;
                }
                next = batch.nextOffset();
            }
        }
        if (next > offset && next < hw) {
            long from = next;
            loop.execute(() -> loadChunk(partition, loading, p, from));
            return;
        }
        loading.shard().onLoaded();
        roles.put(partition, new Active(loading.leaderEpoch(), loading.shard(), loading.timer()));
        long tookMs = time.milliseconds() - loading.startMs();
        if (loading.replayed()[0] > 0) {
            log.info("{}Loaded the group coordinator of {}-{} at leader epoch {}: {} records, {} groups, {} offsets in "
                            + "{} ms", logPrefix, GroupConfig.OFFSETS_TOPIC, partition, loading.leaderEpoch(),
                    loading.replayed()[0], loading.shard().groupCount(), loading.shard().offsets().offsetCount(),
                    tookMs);
        }
        loadStats.put(partition, new LoadStats(loading.replayed()[0], tookMs));
    }

    private void replayStored(int partition, GroupCoordinatorShard shard, ByteBuffer key, ByteBuffer value) {
        try {
            shard.replay(CoordinatorRecord.parse(key, value));
        } catch (RuntimeException e) {
            log.warn("{}Skipping an unreadable record of {}-{}: {}", logPrefix, GroupConfig.OFFSETS_TOPIC, partition,
                    e.toString());
        }
    }

    @Override
    public void close() {
        loop.shutdownNow();
    }

    /** The timers of one shard, run on the event loop while the shard holds the same role. */
    private final class ShardTimer implements CoordinatorTimer {
        private final int partition;
        private final Map<String, Task> tasks = new HashMap<>();

        private ShardTimer(int partition) {
            this.partition = partition;
        }

        private final class Task implements Runnable {
            private final String key;
            private final Supplier<CoordinatorResult<Void>> operation;
            private ScheduledFuture<?> future;

            private Task(String key, Supplier<CoordinatorResult<Void>> operation) {
                this.key = key;
                this.operation = operation;
            }

            @Override
            public void run() {
                try {
                    loop.execute(this::fire);
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    // Shutting down.
                }
            }

            private void fire() {
                if (tasks.get(key) != this) {
                    return;
                }
                tasks.remove(key);
                ShardRole role = roles.get(partition);
                if (!(role instanceof Active active) || active.timer() != ShardTimer.this) {
                    return;
                }
                try {
                    apply(partition, active, operation.get(), new CompletableFuture<>());
                } catch (RuntimeException e) {
                    log.error("{}Timer {} of {}-{} failed", logPrefix, key, GroupConfig.OFFSETS_TOPIC, partition, e);
                }
            }
        }

        @Override
        public void schedule(String key, long delayMs, Supplier<CoordinatorResult<Void>> operation) {
            cancel(key);
            Task task = new Task(key, operation);
            tasks.put(key, task);
            task.future = scheduler.schedule(task, Math.max(0, delayMs), TimeUnit.MILLISECONDS);
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

        void cancelAll() {
            List.copyOf(tasks.keySet()).forEach(this::cancel);
        }
    }
}
