package io.cairn.bench;

import java.util.List;
import java.util.Map;

/**
 * What {@link Workloads} run against: one broker process ({@link Broker}) or a 3-node cluster
 * ({@link Cluster}). Memory and CPU are summed over the target's processes.
 */
interface Target {

    /** Bootstrap servers for clients, comma-separated. */
    String bootstrap();

    /** One bootstrap per node, each reaching that node only. */
    List<String> nodeBootstraps();

    /** Replication factor of the topics the workloads create. */
    int replicationFactor();

    /** Every process of the target is running. */
    boolean alive();

    /** Throws, with a log tail, when a process of the target has exited. */
    void checkAlive();

    /** Resident set size in MiB summed over the processes; NaN when any is unavailable. */
    double rssMiB();

    /** CPU seconds (user + system) summed over the processes; NaN when any is unavailable. */
    double cpuSeconds();

    /** The last lines of the processes' output. */
    String logTail(int lines);

    /** Properties every client adds: {@code --tls}'s security.protocol and truststore; none by default. */
    default Map<String, String> clientProperties() {
        return Map.of();
    }

    /** System.nanoTime() of the (first) process launch. */
    long launchNanos();
}
