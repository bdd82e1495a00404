package io.cairn.server;

import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import io.cairn.broker.cluster.InterBrokerConnector;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.common.Node;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code cairn cluster-status}: asks a cluster (DescribeCluster, through any node) for its id, controller and
 * brokers, then each broker (DescribeQuorum, answered by that node's own Raft member) which metadata Raft
 * leader it follows; with {@code --expect N} exits 0 only once N brokers are registered and unfenced and every
 * answering node follows the controller, polling up to {@code --wait} seconds. Used by {@code bin/cairn-cluster up}.
 */
@Command(name = "cluster-status", mixinStandardHelpOptions = true,
        description = "Show the cluster id, controller, brokers and the metadata Raft leader each node follows; "
                + "optionally wait for N unfenced brokers that all follow the controller.")
final class ClusterStatusCommand implements Callable<Integer> {

    @Option(names = "--bootstrap", required = true, paramLabel = "HOST:PORT[,...]",
            description = "Any node(s) of the cluster.")
    String bootstrap;

    @Option(names = "--expect", paramLabel = "N", description = "Succeed only when N brokers are registered and unfenced.")
    int expect = 0;

    @Option(names = "--wait", paramLabel = "SECONDS", description = "Keep asking for up to this long (default 0).")
    int waitSeconds = 0;

    @Option(names = "--quiet", description = "Print nothing on success.")
    boolean quiet;

    @Mixin
    CommandConfig commandConfig = new CommandConfig();

    @Override
    public Integer call() throws Exception {
        CairnMain.awaitLogging();
        // Connection refusals while nodes start are expected here; the answer is the exit code and one line.
        // So are refused logins of a secured cluster that has not committed its bootstrap credentials yet.
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("org.apache.kafka"))
                .setLevel(waitSeconds > 0 ? ch.qos.logback.classic.Level.OFF : ch.qos.logback.classic.Level.ERROR);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(waitSeconds);
        String last = "no answer";
        Map<String, Object> client = commandConfig.properties();
        InterBrokerConnector connector = ClientSecurity.connector(client);
        client.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        client.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000);
        client.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
        try (Admin admin = Admin.create(client)) {
            do {
                try {
                    DescribeClusterResult result = admin.describeCluster(new DescribeClusterOptions()
                            .includeFencedBrokers(true).timeoutMs(5000));
                    Collection<Node> nodes = result.nodes().get();
                    Node controller = result.controller().get();
                    long unfenced = nodes.stream().filter(n -> !n.isFenced()).count();
                    StringBuilder out = new StringBuilder()
                            .append("cluster ").append(result.clusterId().get())
                            .append(", controller ").append(controller == null ? "none" : controller.id())
                            .append(", brokers:");
                    List<Node> sorted = nodes.stream().sorted(Comparator.comparingInt(Node::id)).toList();
                    sorted.forEach(n -> out.append(' ').append(n.id()).append('@').append(n.host()).append(':')
                            .append(n.port()).append(n.isFenced() ? "(fenced)" : ""));
                    // Each node's own Raft member, asked of that node: a member that knows no leader (or another
                    // one than the rest) cannot reach the controller, whatever DescribeCluster says of it.
                    boolean quorumAgrees = true;
                    for (Node node : sorted) {
                        String view;
                        try {
                            QuorumProbe.View probe = QuorumProbe.ask(node.host(), node.port(), Duration.ofSeconds(3),
                                    connector);
                            view = probe.leaderKnown()
                                    ? "follows metadata Raft leader " + probe.leaderId() + " (term " + probe.term() + ")"
                                    : "knows NO metadata Raft leader";
                            quorumAgrees &= probe.leaderKnown() && controller != null
                                    && probe.leaderId() == controller.id();
                        } catch (IOException e) {
                            view = "does not answer (" + e.getMessage() + ")";
                            quorumAgrees &= node.isFenced();
                        }
                        out.append(System.lineSeparator()).append("  node ").append(node.id()).append(": ").append(view);
                    }
                    last = out.toString();
                    if (unfenced >= expect && controller != null && controller.id() >= 0 && quorumAgrees) {
                        if (!quiet) {
                            System.out.println(last);
                        }
                        return 0;
                    }
                } catch (Exception e) {
                    last = "no answer: " + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage());
                }
                if (System.nanoTime() < deadline) {
                    Thread.sleep(Duration.ofMillis(500).toMillis());
                }
            } while (System.nanoTime() < deadline);
        }
        System.err.println("cairn: cluster not ready" + (expect > 0 ? " (expected " + expect
                + " registered, unfenced brokers)" : "") + ": " + last);
        return 1;
    }
}
