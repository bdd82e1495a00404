package io.cairn.broker.metrics;

import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.cairn.metadata.MetadataImage;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The controller's and the metadata log's meters: whether this node is the active controller, and, reported by the
 * active controller only (0 on the others, as Kafka's controller metrics, so that a sum over the nodes is the
 * cluster's figure), the partitions without a leader and the fenced brokers of its image; on every node, the
 * metadata Raft offsets this node knows committed and has applied, and their difference.
 *
 * <p>Thread-safe: every gauge reads volatile state at scrape time. The gauges hold their suppliers strongly (Micrometer
 * holds a gauge's object weakly: a lambda nothing else references would be collected and the gauge turn NaN).
 */
public final class ClusterMetrics {

    private ClusterMetrics() {
    }

    /**
     * @param image            this node's latest committed metadata image
     * @param activeController whether this node is the active controller now
     * @param committedOffset  the last metadata log offset this node's Raft member knows committed (-1 unknown)
     * @param appliedOffset    the last metadata log offset this node's Raft member has applied (-1 unknown)
     */
    public static void bind(MeterRegistry registry, Supplier<MetadataImage> image, BooleanSupplier activeController,
                            LongSupplier committedOffset, LongSupplier appliedOffset) {
        Gauge.builder("cairn.controller.active", activeController, a -> a.getAsBoolean() ? 1 : 0)
                .description("1 on the node whose controller is active, 0 elsewhere").strongReference(true)
                .register(registry);
        Gauge.builder("cairn.partitions.offline", image,
                        i -> activeController.getAsBoolean() ? PartitionHealth.offline(i.get()) : 0)
                .description("Partitions without a leader (reported by the active controller, 0 elsewhere)")
                .strongReference(true).register(registry);
        Gauge.builder("cairn.brokers.fenced", image,
                        i -> activeController.getAsBoolean() ? PartitionHealth.fencedBrokers(i.get()) : 0)
                .description("Registered brokers that are fenced (reported by the active controller, 0 elsewhere)")
                .strongReference(true).register(registry);
        Gauge.builder("cairn.metadata.committed.offset", committedOffset, LongSupplier::getAsLong)
                .description("The last metadata log offset this node's Raft member knows committed").strongReference(true)
                .register(registry);
        Gauge.builder("cairn.metadata.applied.offset", appliedOffset, LongSupplier::getAsLong)
                .description("The last metadata log offset this node has applied").strongReference(true)
                .register(registry);
        Gauge.builder("cairn.metadata.offset.lag", () -> lag(committedOffset.getAsLong(), appliedOffset.getAsLong()))
                .description("Committed metadata log entries this node has not applied yet").register(registry);
    }

    /** Committed entries not applied: 0 when caught up or while either offset is unknown (-1). */
    static long lag(long committed, long applied) {
        return committed < 0 || applied < 0 ? 0 : Math.max(0, committed - applied);
    }
}
