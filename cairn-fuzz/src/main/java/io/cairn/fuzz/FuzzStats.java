package io.cairn.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Counters of a campaign. Thread-safe. */
final class FuzzStats {

    private static final int KEPT_FAILURES = 50;

    private final LongAdder frames = new LongAdder();
    private final LongAdder bytes = new LongAdder();
    private final LongAdder connections = new LongAdder();
    private final Map<Outcome, LongAdder> outcomes = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> byCategory = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> mutations = new ConcurrentHashMap<>();
    private final List<String> failures = new ArrayList<>();
    private final LongAdder failureCount = new LongAdder();

    void connection() {
        connections.increment();
    }

    void record(FuzzFrame frame, Outcome outcome, String detail) {
        frames.increment();
        bytes.add(frame.wire().length);
        outcomes.computeIfAbsent(outcome, o -> new LongAdder()).increment();
        String category = frame.kind().contains(":") ? frame.kind().substring(0, frame.kind().indexOf(':'))
                : frame.kind();
        byCategory.computeIfAbsent(category + " / " + outcome.name().toLowerCase(), c -> new LongAdder()).increment();
        if (frame.kind().startsWith("mutated:")) {
            for (String mutation : frame.kind().substring("mutated:".length()).split("\\+")) {
                mutations.computeIfAbsent(mutation, m -> new LongAdder()).increment();
            }
        }
        if (outcome.failure) {
            failure(outcome.description + (detail == null ? "" : " (" + detail + ")") + ": " + frame.describe());
        }
    }

    void failure(String what) {
        failureCount.increment();
        synchronized (failures) {
            if (failures.size() < KEPT_FAILURES) {
                failures.add(what);
            }
        }
    }

    long frames() {
        return frames.sum();
    }

    long bytes() {
        return bytes.sum();
    }

    long connections() {
        return connections.sum();
    }

    long failureCount() {
        return failureCount.sum();
    }

    long count(Outcome outcome) {
        LongAdder adder = outcomes.get(outcome);
        return adder == null ? 0 : adder.sum();
    }

    Map<Outcome, Long> outcomes() {
        Map<Outcome, Long> result = new TreeMap<>();
        outcomes.forEach((o, n) -> result.put(o, n.sum()));
        return result;
    }

    Map<String, Long> byCategory() {
        Map<String, Long> result = new TreeMap<>();
        byCategory.forEach((c, n) -> result.put(c, n.sum()));
        return result;
    }

    Map<String, Long> mutations() {
        Map<String, Long> result = new TreeMap<>();
        mutations.forEach((m, n) -> result.put(m, n.sum()));
        return result;
    }

    List<String> failures() {
        synchronized (failures) {
            return List.copyOf(failures);
        }
    }
}
