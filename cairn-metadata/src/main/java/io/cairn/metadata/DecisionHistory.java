package io.cairn.metadata;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

import io.cairn.metadata.record.BrokerHistoryRecord;
import io.cairn.metadata.record.HistoryStep;
import io.cairn.metadata.record.PartitionHistoryRecord;
import org.apache.kafka.common.Uuid;

/**
 * The recent history of every partition's leadership and every broker's registrations and fencing, as the
 * controller decided them (docs/adr/0023): the last {@link #LIMIT} steps of each, oldest first. Part of the
 * {@link MetadataImage}, so it is the same on every node, and restated in snapshots, so it outlives the log
 * entries it was built from. A partition's history goes with its topic; a broker's stays.
 *
 * <p>Thread-safe (immutable). {@link Builder} is not, and is used by the image's apply only.
 */
public final class DecisionHistory {

    /** How many steps are kept per partition and per broker; older ones are dropped (and counted). */
    public static final int LIMIT = 100;

    static final DecisionHistory EMPTY = new DecisionHistory(Map.of(), new TreeMap<>());

    /**
     * Partitions' histories by topic, then by bucket of {@link #BUCKET} partitions, then by partition: a change
     * copies the topic map, one topic's bucket map and one bucket, not every partition of a large topic (the image
     * is copied on write for every batch).
     */
    private static final int BUCKET = 64;

    private final Map<Uuid, Map<Integer, SortedMap<Integer, List<PartitionHistoryRecord>>>> partitions;
    private final SortedMap<Integer, List<BrokerHistoryRecord>> brokers;

    private DecisionHistory(Map<Uuid, Map<Integer, SortedMap<Integer, List<PartitionHistoryRecord>>>> partitions,
                            SortedMap<Integer, List<BrokerHistoryRecord>> brokers) {
        this.partitions = partitions;
        this.brokers = brokers;
    }

    /** A partition's kept steps, oldest first; empty when it has none (or is unknown). */
    public List<PartitionHistoryRecord> partition(Uuid topicId, int partition) {
        return partition(partitions, topicId, partition);
    }

    /** Every partition history of a topic, by partition. */
    public SortedMap<Integer, List<PartitionHistoryRecord>> topic(Uuid topicId) {
        SortedMap<Integer, List<PartitionHistoryRecord>> all = new TreeMap<>();
        partitions.getOrDefault(topicId, Map.of()).values().forEach(all::putAll);
        return Collections.unmodifiableSortedMap(all);
    }

    /** A broker's kept steps, oldest first. */
    public List<BrokerHistoryRecord> broker(int brokerId) {
        return brokers.getOrDefault(brokerId, List.of());
    }

    /** How many older steps were dropped before the first one of {@code kept} (its seq counts from 1). */
    public static long dropped(List<? extends HistoryStep> kept) {
        return kept.isEmpty() ? 0 : Math.max(0, kept.get(0).seq() - 1);
    }

    private static List<PartitionHistoryRecord> partition(
            Map<Uuid, Map<Integer, SortedMap<Integer, List<PartitionHistoryRecord>>>> partitions, Uuid topicId,
            int partition) {
        Map<Integer, SortedMap<Integer, List<PartitionHistoryRecord>>> buckets = partitions.get(topicId);
        SortedMap<Integer, List<PartitionHistoryRecord>> bucket = buckets == null ? null
                : buckets.get(partition / BUCKET);
        return bucket == null ? List.of() : bucket.getOrDefault(partition, List.of());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DecisionHistory other && partitions.equals(other.partitions)
                && brokers.equals(other.brokers);
    }

    @Override
    public int hashCode() {
        return Objects.hash(partitions, brokers);
    }

    /**
     * A working copy that copies only what it changes; its maps become the built history's, so it is used once.
     * Not thread-safe.
     */
    static final class Builder {
        private final DecisionHistory base;
        private Map<Uuid, Map<Integer, SortedMap<Integer, List<PartitionHistoryRecord>>>> partitions;
        private SortedMap<Integer, List<BrokerHistoryRecord>> brokers;
        /** The bucket maps and buckets this builder has copied already (so it may change them in place). */
        private final Set<Object> copied = Collections.newSetFromMap(new IdentityHashMap<>());

        Builder(DecisionHistory base) {
            this.base = base;
            this.partitions = base.partitions;
            this.brokers = base.brokers;
        }

        /** The seq the next step of a partition gets. */
        long nextPartitionSeq(Uuid topicId, int partition) {
            return nextSeq(DecisionHistory.partition(partitions, topicId, partition));
        }

        long nextBrokerSeq(int brokerId) {
            return nextSeq(brokers.get(brokerId));
        }

        /** Appends a partition step if it comes after the last one kept. */
        void add(PartitionHistoryRecord step) {
            List<PartitionHistoryRecord> kept = DecisionHistory.partition(partitions, step.topicId(),
                    step.partition());
            if (step.seq() < nextSeq(kept)) {
                return;
            }
            if (!copied.contains(partitions)) {
                partitions = new HashMap<>(partitions);
                copied.add(partitions);
            }
            Map<Integer, SortedMap<Integer, List<PartitionHistoryRecord>>> buckets = partitions.get(step.topicId());
            if (buckets == null || !copied.contains(buckets)) {
                buckets = buckets == null ? new HashMap<>() : new HashMap<>(buckets);
                copied.add(buckets);
                partitions.put(step.topicId(), buckets);
            }
            int b = step.partition() / BUCKET;
            SortedMap<Integer, List<PartitionHistoryRecord>> bucket = buckets.get(b);
            if (bucket == null || !copied.contains(bucket)) {
                bucket = bucket == null ? new TreeMap<>() : new TreeMap<>(bucket);
                copied.add(bucket);
                buckets.put(b, bucket);
            }
            bucket.put(step.partition(), appended(kept, step));
        }

        void add(BrokerHistoryRecord step) {
            List<BrokerHistoryRecord> kept = brokers.get(step.brokerId());
            if (step.seq() < nextSeq(kept)) {
                return;
            }
            if (!copied.contains(brokers)) {
                brokers = new TreeMap<>(brokers);
                copied.add(brokers);
            }
            brokers.put(step.brokerId(), appended(kept, step));
        }

        /** A deleted topic's partitions take their history with them. */
        void removeTopic(Uuid topicId) {
            if (!partitions.containsKey(topicId)) {
                return;
            }
            if (!copied.contains(partitions)) {
                partitions = new HashMap<>(partitions);
                copied.add(partitions);
            }
            partitions.remove(topicId);
        }

        DecisionHistory build() {
            return partitions == base.partitions && brokers == base.brokers ? base
                    : new DecisionHistory(partitions, brokers);
        }

        private static long nextSeq(List<? extends HistoryStep> kept) {
            return kept == null || kept.isEmpty() ? 1 : kept.get(kept.size() - 1).seq() + 1;
        }

        private static <E extends HistoryStep> List<E> appended(List<E> kept, E step) {
            List<E> steps = new ArrayList<>(kept == null ? List.of() : kept);
            steps.add(step);
            return List.copyOf(steps.size() > LIMIT ? steps.subList(steps.size() - LIMIT, steps.size()) : steps);
        }
    }
}
