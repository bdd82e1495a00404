package io.cairn.broker.group;

import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.function.BiPredicate;

import org.apache.kafka.common.Uuid;

/**
 * A set of partitions named by topic id, as the consumer group protocol (KIP-848) assigns them: a member's target,
 * current or pending-revocation partitions. Normalised: no topic maps to an empty set.
 *
 * <p>Immutable and thread-safe.
 */
public record Assignment(Map<Uuid, Set<Integer>> partitions) {

    public static final Assignment EMPTY = new Assignment(Map.of());

    public Assignment {
        Map<Uuid, Set<Integer>> copy = new TreeMap<>();
        partitions.forEach((topicId, ps) -> {
            if (!ps.isEmpty()) {
                copy.put(topicId, Collections.unmodifiableSet(new TreeSet<>(ps)));
            }
        });
        partitions = Collections.unmodifiableMap(copy);
    }

    public boolean isEmpty() {
        return partitions.isEmpty();
    }

    public boolean contains(Uuid topicId, int partition) {
        return partitions.getOrDefault(topicId, Set.of()).contains(partition);
    }

    public int size() {
        return partitions.values().stream().mapToInt(Set::size).sum();
    }

    public void forEach(BiConsumer<Uuid, Integer> action) {
        partitions.forEach((topicId, ps) -> ps.forEach(p -> action.accept(topicId, p)));
    }

    /** The partitions of this assignment that {@code keep} accepts. */
    public Assignment filter(BiPredicate<Uuid, Integer> keep) {
        Map<Uuid, Set<Integer>> out = new HashMap<>();
        forEach((topicId, p) -> {
            if (keep.test(topicId, p)) {
                out.computeIfAbsent(topicId, t -> new HashSet<>()).add(p);
            }
        });
        return new Assignment(out);
    }

    public Assignment intersect(Assignment other) {
        return filter(other::contains);
    }

    public Assignment minus(Assignment other) {
        return filter((topicId, p) -> !other.contains(topicId, p));
    }

    public Assignment union(Assignment other) {
        Map<Uuid, Set<Integer>> out = new HashMap<>();
        forEach((topicId, p) -> out.computeIfAbsent(topicId, t -> new HashSet<>()).add(p));
        other.forEach((topicId, p) -> out.computeIfAbsent(topicId, t -> new HashSet<>()).add(p));
        return new Assignment(out);
    }
}
