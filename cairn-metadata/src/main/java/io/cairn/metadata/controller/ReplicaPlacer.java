package io.cairn.metadata.controller;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.cairn.metadata.BrokerImage;

/**
 * Spreads replicas and leaders evenly over the unfenced brokers, as Apache Kafka's classic assignment does:
 * partition p's first replica (its preferred leader) is broker {@code (start + p) % n}; the followers follow at
 * a shift that grows every n partitions, so no two partitions share the same follower pattern. When racks
 * are set the broker list is first interleaved by rack, so consecutive replicas land on different racks.
 *
 * <p>Thread-safe (stateless, pure).
 */
public final class ReplicaPlacer {

    private ReplicaPlacer() {
    }

    /**
     * @param brokers        unfenced brokers, ascending by id
     * @param firstPartition the index of the first new partition (0 for a new topic)
     * @param count          how many partitions to place
     * @param startIndex     where the round robin starts (a random number, injected for determinism)
     * @param shiftSeed      the first follower shift (a random number, injected for determinism)
     * @return one replica list per new partition, leader first
     */
    public static List<List<Integer>> place(List<BrokerImage> brokers, int firstPartition, int count,
                                            int replicationFactor, int startIndex, int shiftSeed) {
        if (replicationFactor > brokers.size() || replicationFactor < 1) {
            throw new IllegalArgumentException("replication factor " + replicationFactor + " with "
                    + brokers.size() + " brokers");
        }
        List<Integer> ids = rackAlternated(brokers);
        Map<Integer, String> rackOf = new HashMap<>();
        brokers.forEach(b -> rackOf.put(b.id(), b.rack().orElse("")));
        int numRacks = (int) rackOf.values().stream().distinct().count();
        int n = ids.size();
        int start = Math.floorMod(startIndex, n);
        int shift = Math.floorMod(shiftSeed, n);
        List<List<Integer>> result = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int p = firstPartition + i;
            if (p > 0 && p % n == 0) {
                shift++;
            }
            int first = (p + start) % n;
            List<Integer> replicas = new ArrayList<>(replicationFactor);
            Set<String> racks = new HashSet<>();
            replicas.add(ids.get(first));
            racks.add(rackOf.get(ids.get(first)));
            // Walk the followers' positions; skip a broker whose rack already holds a replica (until every
            // rack does) and any broker already chosen. With one rack this is Kafka's plain round robin.
            for (int k = 0; replicas.size() < replicationFactor; k++) {
                int step = 1 + (shift * numRacks + k) % (n - 1);
                int broker = ids.get((first + step) % n);
                String rack = rackOf.get(broker);
                if ((!racks.contains(rack) || racks.size() == numRacks) && !replicas.contains(broker)) {
                    replicas.add(broker);
                    racks.add(rack);
                }
            }
            result.add(List.copyOf(replicas));
        }
        return result;
    }

    /** Broker ids interleaved by rack (rack a, rack b, rack c, rack a, ...); ascending ids when no racks. */
    static List<Integer> rackAlternated(List<BrokerImage> brokers) {
        boolean anyRack = brokers.stream().anyMatch(b -> b.rack().isPresent());
        List<Integer> ids = new ArrayList<>();
        if (!anyRack) {
            brokers.forEach(b -> ids.add(b.id()));
            return ids;
        }
        Map<String, List<Integer>> byRack = new LinkedHashMap<>();
        brokers.stream()
                .sorted((a, b) -> {
                    int c = a.rack().orElse("").compareTo(b.rack().orElse(""));
                    return c != 0 ? c : Integer.compare(a.id(), b.id());
                })
                .forEach(b -> byRack.computeIfAbsent(b.rack().orElse(""), r -> new ArrayList<>()).add(b.id()));
        for (int round = 0; ids.size() < brokers.size(); round++) {
            for (List<Integer> rack : byRack.values()) {
                if (round < rack.size()) {
                    ids.add(rack.get(round));
                }
            }
        }
        return ids;
    }
}
