package io.cairn.broker.group;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;

import io.cairn.broker.coordinator.CoordinatorKind;
import io.cairn.broker.coordinator.CoordinatorRuntime;
import io.cairn.broker.coordinator.ShardTimer;
import io.cairn.broker.replica.ReplicaManager;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.MetadataListener;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.server.util.Scheduler;

/**
 * The group coordinator of this node: a {@link CoordinatorRuntime} of {@link GroupCoordinatorShard}s, one for each
 * {@code __consumer_offsets} partition this node leads (Loading, then Active; see the runtime for the write path
 * and threading), with Kafka's placement of groups on partitions.
 *
 * <p>Thread-safe; methods never block.
 */
public final class GroupCoordinatorRuntime implements MetadataListener, AutoCloseable {

    private final GroupConfig config;
    private final CoordinatorRuntime<GroupCoordinatorShard, CoordinatorRecord> runtime;
    /** The latest committed image, for the shards' consumer groups to resolve their subscriptions against. */
    private volatile MetadataImage image = MetadataImage.EMPTY;

    /** How a shard's load went: records replayed and the time it took. */
    public record LoadStats(long records, long millis) {
    }

    public GroupCoordinatorRuntime(int nodeId, Time time, GroupConfig config, ReplicaManager replicas,
                                   Scheduler scheduler, ExecutorService eventLoop, Random random) {
        this.config = config;
        CoordinatorKind<GroupCoordinatorShard, CoordinatorRecord> kind = new CoordinatorKind<>() {
            @Override
            public String topic() {
                return GroupConfig.OFFSETS_TOPIC;
            }

            @Override
            public int defaultPartitions() {
                return config.offsetsTopicPartitions();
            }

            @Override
            public long commitTimeoutMs() {
                return config.commitTimeoutMs();
            }

            @Override
            public GroupCoordinatorShard newShard(int partition, int leaderEpoch, ShardTimer<CoordinatorRecord> timer) {
                return new GroupCoordinatorShard(partition, nodeId, time, timer, config, random,
                        () -> GroupCoordinatorRuntime.this.image);
            }

            @Override
            public CoordinatorRecord parse(ByteBuffer key, ByteBuffer value) {
                return CoordinatorRecord.parse(key, value);
            }
        };
        this.runtime = new CoordinatorRuntime<>(nodeId, time, kind, replicas, scheduler, eventLoop);
    }

    public GroupConfig config() {
        return config;
    }

    /** Kafka's placement: the {@code __consumer_offsets} partition of a group. */
    public static int partitionFor(String groupId, int partitions) {
        return Utils.abs(groupId.hashCode()) % partitions;
    }

    public int partitionFor(String groupId) {
        return partitionFor(groupId, runtime.partitionCount());
    }

    /** The last load of each partition loaded here since start. */
    public Map<Integer, LoadStats> loadStats() {
        Map<Integer, LoadStats> stats = new java.util.HashMap<>();
        runtime.loadStats().forEach((p, s) -> stats.put(p, new LoadStats(s.records(), s.millis())));
        return Map.copyOf(stats);
    }

    /** @see CoordinatorRuntime#write */
    public <T> CompletableFuture<T> write(int partition, Function<GroupCoordinatorShard, CoordinatorResult<T>> op) {
        return runtime.write(partition, op);
    }

    /** @see CoordinatorRuntime#read */
    public <T> CompletableFuture<T> read(int partition, Function<GroupCoordinatorShard, T> op) {
        return runtime.read(partition, op);
    }

    /** @see CoordinatorRuntime#readAll */
    public <T> CompletableFuture<List<T>> readAll(Function<GroupCoordinatorShard, T> op) {
        return runtime.readAll(op);
    }

    /** Whether any shard of this node is still loading. */
    public CompletableFuture<Boolean> anyLoading() {
        return runtime.anyLoading();
    }

    /**
     * Writes a transaction marker to a {@code __consumer_offsets} partition led here, completing (or dropping) the
     * producer's pending transactional offset commits. @see CoordinatorRuntime#completeTransaction
     */
    public CompletableFuture<Void> completeTransaction(int partition, long producerId, short producerEpoch,
                                                      int coordinatorEpoch, boolean commit,
                                                      byte transactionVersion) {
        return runtime.completeTransaction(partition, producerId, producerEpoch, coordinatorEpoch, commit,
                transactionVersion);
    }

    @Override
    public void onImage(MetadataImage previous, MetadataImage next) {
        image = next;
        runtime.onImage(previous, next);
    }

    @Override
    public void close() {
        runtime.close();
    }
}
