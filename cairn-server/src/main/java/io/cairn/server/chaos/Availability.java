package io.cairn.server.chaos;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * When acknowledgements came, per partition: the acknowledgements per second (the report's timeline), the longest
 * time a partition went without one, and for each fault how long until a record sent after it was acknowledged
 * on every partition.
 * Times are milliseconds since the campaign started.
 *
 * <p>Thread-safe.
 */
final class Availability {

    /** The longest silence of one partition: from its last acknowledgement before to its first one after. */
    record Gap(int partition, long fromMs, long toMs) {
        long lengthMs() {
            return toMs - fromMs;
        }
    }

    private final long[] lastAckMs;
    private final Map<Long, Long> perSecond = new HashMap<>();
    /** Fault index to the partitions not yet acknowledged since it, and when it began. */
    private final Map<Integer, Set<Integer>> waiting = new HashMap<>();
    private final Map<Integer, Long> faultAtMs = new HashMap<>();
    private final Map<Integer, Long> recoveredAfterMs = new HashMap<>();
    private Gap longest;
    private boolean measuring;

    Availability(int partitions) {
        lastAckMs = new long[partitions];
    }

    /** Starts measuring gaps from {@code nowMs}: silences before the first fault are the warm-up's. */
    synchronized void startMeasuring(long nowMs) {
        Arrays.fill(lastAckMs, nowMs);
        measuring = true;
    }

    /** A record sent at {@code sentMs} to {@code partition} was acknowledged at {@code nowMs}. */
    synchronized void acknowledged(int partition, long sentMs, long nowMs) {
        perSecond.merge(nowMs / 1000, 1L, Long::sum);
        if (measuring) {
            Gap gap = new Gap(partition, lastAckMs[partition], nowMs);
            if (longest == null || gap.lengthMs() > longest.lengthMs()) {
                longest = gap;
            }
        }
        lastAckMs[partition] = Math.max(lastAckMs[partition], nowMs);
        for (var it = waiting.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Integer, Set<Integer>> entry = it.next();
            if (sentMs < faultAtMs.get(entry.getKey())) {
                continue; // sent before the fault: its answer says nothing about after it
            }
            entry.getValue().remove(partition);
            if (entry.getValue().isEmpty()) {
                recoveredAfterMs.put(entry.getKey(), nowMs - faultAtMs.get(entry.getKey()));
                it.remove();
            }
        }
    }

    /**
     * Fault {@code fault} was in place at {@code nowMs} (the kill or pause command had returned): from here,
     * wait for a record sent after it to be acknowledged on every partition.
     */
    synchronized void faultAt(int fault, long nowMs) {
        Set<Integer> all = new HashSet<>();
        for (int p = 0; p < lastAckMs.length; p++) {
            all.add(p);
        }
        waiting.put(fault, all);
        faultAtMs.put(fault, nowMs);
    }

    /** How long after fault {@code fault} began every partition had been acknowledged again; -1 if not yet. */
    synchronized long recoveredAfterMs(int fault) {
        return recoveredAfterMs.getOrDefault(fault, -1L);
    }

    /** The longest silence of a partition since {@link #startMeasuring}, or null before any. */
    synchronized Gap longestGap() {
        return longest;
    }

    /** Acknowledgements per second, from second 0 to the last second with one. */
    synchronized List<Long> perSecond() {
        long last = perSecond.keySet().stream().mapToLong(Long::longValue).max().orElse(-1);
        List<Long> counts = new ArrayList<>();
        for (long s = 0; s <= last; s++) {
            counts.add(perSecond.getOrDefault(s, 0L));
        }
        return counts;
    }
}
