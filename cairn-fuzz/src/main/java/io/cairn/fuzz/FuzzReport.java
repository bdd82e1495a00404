package io.cairn.fuzz;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The result of a campaign: frames, connections, outcomes by kind, the health checks and the node's state.
 * Immutable once built (its stats are no longer written to).
 */
public final class FuzzReport {

    private final Fuzzer.Options options;
    private final Duration elapsed;
    private final FuzzStats stats;
    private final List<HealthCheck.Result> health;
    private final HealthCheck.Result finalHealth;
    private final List<String> nodeProblems;
    private final String nodeSummary;

    FuzzReport(Fuzzer.Options options, Duration elapsed, FuzzStats stats, List<HealthCheck.Result> health,
               HealthCheck.Result finalHealth, List<String> nodeProblems, String nodeSummary) {
        this.options = options;
        this.elapsed = elapsed;
        this.stats = stats;
        this.health = health;
        this.finalHealth = finalHealth;
        this.nodeProblems = nodeProblems;
        this.nodeSummary = nodeSummary;
    }

    public long frames() {
        return stats.frames();
    }

    public long connections() {
        return stats.connections();
    }

    /** Everything that makes this campaign a failure: hung or wrong answers, failed health checks, node problems. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>(stats.failures());
        if (stats.failureCount() > stats.failures().size()) {
            problems.add("... " + (stats.failureCount() - stats.failures().size()) + " more frame failures");
        }
        health.stream().filter(h -> !h.ok()).forEach(h -> problems.add("health check failed: " + h.error()));
        if (!finalHealth.ok()) {
            problems.add("final health check failed: " + finalHealth.error());
        }
        problems.addAll(nodeProblems);
        return problems;
    }

    public boolean healthy() {
        return problems().isEmpty();
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        double seconds = elapsed.toMillis() / 1000.0;
        out.append(String.format("cairn-fuzz against %s, seed %d%n", options.bootstrap(), options.seed()));
        out.append(String.format("frames: %,d (%,d bytes) in %.1f s (%,.0f frames/s), connections: %,d (%d in parallel)%n",
                stats.frames(), stats.bytes(), seconds, stats.frames() / Math.max(seconds, 0.001),
                stats.connections(), options.connections()));
        out.append("outcomes:\n");
        for (Map.Entry<Outcome, Long> e : stats.outcomes().entrySet()) {
            out.append(String.format("  %-12s %,10d  %s%n", e.getKey().name().toLowerCase(), e.getValue(),
                    e.getKey().description));
        }
        out.append("by frame kind / outcome:\n");
        stats.byCategory().forEach((k, n) -> out.append(String.format("  %-40s %,10d%n", k, n)));
        out.append("mutations applied:\n  ");
        stats.mutations().forEach((k, n) -> out.append(String.format("%s %,d  ", k, n)));
        out.append('\n');
        long ok = health.stream().filter(HealthCheck.Result::ok).count();
        long worst = health.stream().mapToLong(HealthCheck.Result::millis).max().orElse(0);
        out.append(String.format("health: %d/%d checks during the run passed (slowest %d ms); after: %s (%d ms)%n",
                ok, health.size(), worst, finalHealth.ok() ? "passed" : "FAILED: " + finalHealth.error(),
                finalHealth.millis()));
        out.append("node: ").append(nodeSummary).append('\n');
        List<String> problems = problems();
        out.append(problems.isEmpty() ? "verdict: HEALTHY\n" : "verdict: FAILED (" + problems.size() + " problems)\n");
        problems.forEach(p -> out.append("  ").append(p).append('\n'));
        return out.toString();
    }
}
