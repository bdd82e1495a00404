package io.cairn.metadata;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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

    private final Map<Uuid, SortedMap<Integer, List<PartitionHistoryRecord>>> partitions;
    private final SortedMap<Integer, List<BrokerHistoryRecord>> brokers;

    private DecisionHistory(Map<Uuid, SortedMap<Integer, List<PartitionHistoryRecord>>> partitions,
                            SortedMap<Integer, List<BrokerHistoryRecord>> brokers) {
        this.partitions = Collections.unmodifiableMap(partitions);
        this.brokers = Collections.unmodifiableSortedMap(brokers);
    }

    /** A partition's kept steps, oldest first; empty when it has none (or is unknown). */
    public List<PartitionHistoryRecord> partition(Uuid topicId, int partition) {
        return partitions.getOrDefault(topicId, Collections.emptySortedMap()).getOrDefault(partition, List.of());
    }

    /** Every partition history of a topic, by partition. */
    public SortedMap<Integer, List<PartitionHistoryRecord>> topic(Uuid topicId) {
        return partitions.getOrDefault(topicId, Collections.emptySortedMap());
    }

    /** A broker's kept steps, oldest first. */
    public List<BrokerHistoryRecord> broker(int brokerId) {
        return brokers.getOrDefault(brokerId, List.of());
    }

    /** How many older steps were dropped before the first one of {@code kept} (its seq counts from 1). */
    public static long dropped(List<? extends HistoryStep> kept) {
        return kept.isEmpty() ? 0 : Math.max(0, kept.get(0).seq() - 1);
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

    /** A working copy that copies only what it changes. Not thread-safe. */
    static final class Builder {
        private final DecisionHistory base;
        private Map<Uuid, SortedMap<Integer, List<PartitionHistoryRecord>>> partitions;
        private SortedMap<Integer, List<BrokerHistoryRecord>> brokers;
        /** Topics whose partition map this builder has already copied. */
        private final java.util.Set<Uuid> copiedTopics = new java.util.HashSet<>();

        Builder(DecisionHistory base) {
            this.base = base;
        }

        /** The seq the next step of a partition gets. */
        long nextPartitionSeq(Uuid topicId, int partition) {
            return nextSeq(partitionsView().getOrDefault(topicId, Collections.emptySortedMap()).get(partition));
        }

        long nextBrokerSeq(int brokerId) {
            return nextSeq(brokersView().get(brokerId));
        }

        /** Appends a partition step if it comes after the last one kept. */
        void add(PartitionHistoryRecord step) {
            List<PartitionHistoryRecord> kept = partitionsView().getOrDefault(step.topicId(),
                    Collections.emptySortedMap()).get(step.partition());
            if (step.seq() < nextSeq(kept)) {
                return;
            }
            if (partitions == null) {
                partitions = new HashMap<>(base.partitions);
            }
            SortedMap<Integer, List<PartitionHistoryRecord>> topic = partitions.get(step.topicId());
            if (copiedTopics.add(step.topicId())) {
                topic = topic == null ? new TreeMap<>() : new TreeMap<>(topic);
                partitions.put(step.topicId(), topic);
            }
            topic.put(step.partition(), appended(kept, step));
        }

        void add(BrokerHistoryRecord step) {
            List<BrokerHistoryRecord> kept = brokersView().get(step.brokerId());
            if (step.seq() < nextSeq(kept)) {
                return;
            }
            if (brokers == null) {
                brokers = new TreeMap<>(base.brokers);
            }
            brokers.put(step.brokerId(), appended(kept, step));
        }

        /** A deleted topic's partitions take their history with them. */
        void removeTopic(Uuid topicId) {
            if (!partitionsView().containsKey(topicId)) {
                return;
            }
            if (partitions == null) {
                partitions = new HashMap<>(base.partitions);
            }
            partitions.remove(topicId);
            copiedTopics.remove(topicId);
        }

        DecisionHistory build() {
            if (partitions == null && brokers == null) {
                return base;
            }
            Map<Uuid, SortedMap<Integer, List<PartitionHistoryRecord>>> frozen = new HashMap<>();
            partitionsView().forEach((id, topic) -> frozen.put(id, copiedTopics.contains(id)
                    ? Collections.unmodifiableSortedMap(topic) : topic));
            return new DecisionHistory(frozen, brokersView());
        }

        private Map<Uuid, SortedMap<Integer, List<PartitionHistoryRecord>>> partitionsView() {
            return partitions == null ? base.partitions : partitions;
        }

        private SortedMap<Integer, List<BrokerHistoryRecord>> brokersView() {
            return brokers == null ? base.brokers : brokers;
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
