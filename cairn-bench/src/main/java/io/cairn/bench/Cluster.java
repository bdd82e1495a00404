package io.cairn.bench;

import java.util.List;
import java.util.stream.Collectors;

/** The nodes of a cluster as one {@link Target}: RSS and CPU summed over the node processes. */
final class Cluster implements Target {

    private final List<? extends Broker> nodes;
    private final int replicationFactor;

    Cluster(List<? extends Broker> nodes, int replicationFactor) {
        this.nodes = nodes;
        this.replicationFactor = replicationFactor;
    }

    /** The live nodes (after a failover step killed one, only the others). */
    @Override
    public String bootstrap() {
        return nodes.stream().filter(Broker::alive).map(Broker::bootstrap).collect(Collectors.joining(","));
    }

    @Override
    public List<String> nodeBootstraps() {
        return nodes.stream().map(Broker::bootstrap).toList();
    }

    @Override
    public int replicationFactor() {
        return replicationFactor;
    }

    @Override
    public boolean alive() {
        return nodes.stream().allMatch(Broker::alive);
    }

    @Override
    public void checkAlive() {
        nodes.forEach(Broker::checkAlive);
    }

    @Override
    public double rssMiB() {
        double sum = 0;
        for (Broker n : nodes) {
            sum += n.rssMiB(); // NaN if any is NaN
        }
        return sum;
    }

    @Override
    public double cpuSeconds() {
        double sum = 0;
        for (Broker n : nodes) {
            sum += n.cpuSeconds();
        }
        return sum;
    }

    @Override
    public String logTail(int lines) {
        boolean anyDead = !alive();
        return nodes.stream().filter(n -> !anyDead || !n.alive())
                .map(n -> "[" + n.name + "] " + n.logTail(lines)).collect(Collectors.joining("\n"));
    }

    @Override
    public long launchNanos() {
        return nodes.stream().mapToLong(Broker::launchNanos).min().orElse(0);
    }
}
