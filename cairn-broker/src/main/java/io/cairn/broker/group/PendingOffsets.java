package io.cairn.broker.group;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import io.cairn.broker.group.OffsetsShard.StoredOffset;
import org.apache.kafka.common.TopicPartition;

/**
 * Offsets written in producers' transactions (TxnOffsetCommit) whose transaction has not ended yet: kept per
 * producer id, invisible to OffsetFetch, until the commit marker makes them committed offsets or the abort
 * marker drops them. A producer has at most one open transaction, so the producer id names it.
 *
 * <p>Not thread-safe; confined to the runtime's event loop with its {@link OffsetsShard}.
 */
final class PendingOffsets {

    /** Producer id -> group -> partition -> the latest offset it wrote. */
    private final Map<Long, Map<String, Map<TopicPartition, StoredOffset>>> byProducer = new HashMap<>();
    /** Group -> the producers with an open transaction holding offsets of it. */
    private final Map<String, Set<Long>> producersByGroup = new HashMap<>();

    void put(long producerId, String groupId, TopicPartition tp, StoredOffset offset) {
        byProducer.computeIfAbsent(producerId, p -> new HashMap<>())
                .computeIfAbsent(groupId, g -> new HashMap<>())
                .put(tp, offset);
        producersByGroup.computeIfAbsent(groupId, g -> new HashSet<>()).add(producerId);
    }

    /**
     * Drops every pending offset of one partition of a group, whichever transaction wrote it (an offset
     * tombstone deletes pending offsets too, as in Kafka). The transactions stay open.
     */
    void remove(String groupId, TopicPartition tp) {
        for (long producerId : producersByGroup.getOrDefault(groupId, Set.of())) {
            Map<TopicPartition, StoredOffset> offsets = byProducer.getOrDefault(producerId, Map.of()).get(groupId);
            if (offsets != null) {
                offsets.remove(tp);
            }
        }
    }

    /**
     * Ends the transaction of {@code producerId}: returns its pending offsets (group -> partition -> offset),
     * empty when it had none, and forgets them.
     */
    Map<String, Map<TopicPartition, StoredOffset>> end(long producerId) {
        Map<String, Map<TopicPartition, StoredOffset>> ended = byProducer.remove(producerId);
        if (ended == null) {
            return Map.of();
        }
        for (String groupId : ended.keySet()) {
            Set<Long> producers = producersByGroup.get(groupId);
            if (producers != null) {
                producers.remove(producerId);
                if (producers.isEmpty()) {
                    producersByGroup.remove(groupId);
                }
            }
        }
        return ended;
    }

    /** Whether an open transaction holds an offset of this partition of the group. */
    boolean has(String groupId, TopicPartition tp) {
        for (long producerId : producersByGroup.getOrDefault(groupId, Set.of())) {
            Map<TopicPartition, StoredOffset> offsets = byProducer.getOrDefault(producerId, Map.of()).get(groupId);
            if (offsets != null && offsets.containsKey(tp)) {
                return true;
            }
        }
        return false;
    }

    /** Whether an open transaction wrote offsets of the group (even if a tombstone removed them since). */
    boolean hasOpenTransactions(String groupId) {
        return producersByGroup.containsKey(groupId);
    }

    /** The partitions of the group with a pending offset in some open transaction. */
    Set<TopicPartition> partitions(String groupId) {
        Set<TopicPartition> partitions = new HashSet<>();
        for (long producerId : producersByGroup.getOrDefault(groupId, Set.of())) {
            partitions.addAll(byProducer.getOrDefault(producerId, Map.of()).getOrDefault(groupId, Map.of()).keySet());
        }
        return partitions;
    }

    /** The pending offset of one producer, or null: for tests. */
    CoordinatorRecord.OffsetValue get(long producerId, String groupId, TopicPartition tp) {
        StoredOffset offset = byProducer.getOrDefault(producerId, Map.of()).getOrDefault(groupId, Map.of()).get(tp);
        return offset == null ? null : offset.value();
    }

    int producerCount() {
        return byProducer.size();
    }
}
