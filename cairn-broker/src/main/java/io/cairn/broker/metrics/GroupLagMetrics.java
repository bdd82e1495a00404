package io.cairn.broker.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

import io.cairn.broker.group.GroupCoordinatorRuntime;
import io.cairn.broker.replica.ReplicaManager;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import org.apache.kafka.common.TopicPartition;

/**
 * Consumer-group lag, {@code cairn_consumer_group_lag{group,topic,partition}}: for each group this node coordinates
 * and each partition it has an offset for, the partition's high watermark less the group's committed offset. Only
 * the coordinating node reports a group (so a sum over the nodes counts each once), and only for partitions it hosts
 * (leader or follower; a follower's high watermark may trail the leader's by a fetch): the lag is computed from
 * memory, without asking other nodes. Offsets of open transactions do not count until committed.
 *
 * <p>{@link #refresh()} copies the committed offsets from the coordinator shards (on their event loop) before each
 * scrape; the high watermarks are read when the scrape renders the gauge. Thread-safe.
 */
public final class GroupLagMetrics {

    /** How long a scrape waits for the coordinator shards' offsets before it renders the previous ones. */
    public static final long REFRESH_TIMEOUT_MS = 2000;

    private final MultiGauge lag;
    private final Supplier<CompletableFuture<List<Map<String, Map<TopicPartition, Long>>>>> committed;
    /** A hosted partition's high watermark; empty when this node does not host it. */
    private final Function<TopicPartition, OptionalLong> highWatermark;

    public GroupLagMetrics(MeterRegistry registry, GroupCoordinatorRuntime groups, ReplicaManager replicas) {
        this(registry, () -> groups.readAll(shard -> shard.offsets().committedOffsets()),
                tp -> replicas.partition(tp).map(p -> OptionalLong.of(p.highWatermark())).orElse(OptionalLong.empty()));
    }

    GroupLagMetrics(MeterRegistry registry,
                    Supplier<CompletableFuture<List<Map<String, Map<TopicPartition, Long>>>>> committed,
                    Function<TopicPartition, OptionalLong> highWatermark) {
        this.lag = MultiGauge.builder("cairn.consumer.group.lag")
                .description("Records a group has not committed yet: the partition's high watermark less the group's "
                        + "committed offset (reported by the group's coordinator, for partitions it hosts)")
                .register(registry);
        this.committed = committed;
        this.highWatermark = highWatermark;
    }

    /** Replaces the gauge's rows with the groups and partitions committed now; completes when done (never fails). */
    public CompletableFuture<Void> refresh() {
        CompletableFuture<List<Map<String, Map<TopicPartition, Long>>>> read;
        try {
            read = committed.get();
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(null); // the coordinator is closing: the previous rows stay
        }
        return read.orTimeout(REFRESH_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .thenAccept(shards -> lag.register(rows(shards), true))
                .exceptionally(error -> null); // the previous rows stay; a scrape must not fail over lag
    }

    private List<MultiGauge.Row<?>> rows(List<Map<String, Map<TopicPartition, Long>>> shards) {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (Map<String, Map<TopicPartition, Long>> shard : shards) {
            shard.forEach((group, offsets) -> offsets.forEach((tp, offset) -> {
                if (highWatermark.apply(tp).isPresent()) {
                    // A row's supplier is held strongly (an object row would be held weakly, and collected).
                    rows.add(MultiGauge.Row.of(Tags.of("group", group, "topic", tp.topic(),
                            "partition", Integer.toString(tp.partition())), () -> lag(highWatermark.apply(tp), offset)));
                }
            }));
        }
        return rows;
    }

    /** NaN once the partition is no longer hosted here (until the next refresh drops its row). */
    private static double lag(OptionalLong highWatermark, long committedOffset) {
        return highWatermark.isPresent() ? lag(highWatermark.getAsLong(), committedOffset) : Double.NaN;
    }

    /** The records between a committed offset and the high watermark; 0 when the commit is at or past it. */
    static long lag(long highWatermark, long committedOffset) {
        return Math.max(0, highWatermark - committedOffset);
    }
}
