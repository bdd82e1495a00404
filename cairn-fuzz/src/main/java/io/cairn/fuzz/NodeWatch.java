package io.cairn.fuzz;

import java.util.List;

/**
 * What the fuzzer can see of the node itself, beyond its answers: heap, threads, logged errors. An in-process
 * test looks at the node's JVM and log events; the command line at its metrics endpoint and log file.
 *
 * <p>Implementations must be thread-safe: {@link #sample()} runs on the health-check thread.
 */
public interface NodeWatch {

    /** Takes a sample during the run (every health-check interval). */
    void sample();

    /** What is wrong with the node; empty when healthy. Called once, after the run. */
    List<String> problems();

    /** One line on the node for the report: heap, threads, log lines. */
    String summary();

    NodeWatch NONE = new NodeWatch() {
        @Override
        public void sample() {
        }

        @Override
        public List<String> problems() {
            return List.of();
        }

        @Override
        public String summary() {
            return "not watched (no --metrics-url or --node-log)";
        }
    };
}
