package io.cairn.server;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
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
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cairn audit}: finds the cluster's brokers (DescribeCluster through any node, fenced ones too), asks each
 * for its own view ({@link ClusterAudit#ask}), and prints one verdict for the cluster: the leadership invariants
 * every node's image must hold, and whether all nodes agree on the metadata offset, the Raft leader and every
 * partition's leader, epoch and ISR. Views taken while the cluster changes can differ for a moment, so it asks
 * again (every 500 ms, up to {@code --wait} seconds) until the verdict is healthy. Exit status: 0 healthy, 1 a
 * violation or a disagreement, 2 none found but some node did not answer (or no node at all).
 */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = "Gather every node's view of the cluster metadata and print one verdict: leadership "
                + "invariants, and whether all nodes agree on the metadata offset and the leaders. Exit status "
                + "0 healthy, 1 violation or disagreement, 2 some node did not answer.")
public final class AuditCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--bootstrap", required = true, paramLabel = "HOST:PORT[,...]",
            description = "Any node(s) of the cluster.")
    String bootstrap;

    @Option(names = "--wait", paramLabel = "SECONDS",
            description = "Ask again for up to this long while the verdict is not healthy (default 5).")
    int waitSeconds = 5;

    @Mixin
    CommandConfig commandConfig = new CommandConfig();

    @Override
    public Integer call() throws Exception {
        CairnMain.awaitLogging();
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("org.apache.kafka"))
                .setLevel(ch.qos.logback.classic.Level.ERROR);
        PrintWriter out = spec.commandLine().getOut();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(waitSeconds);
        String header = "no answer from " + bootstrap;
        List<ClusterAudit.NodeView> views = List.of();
        ClusterAudit.Verdict verdict = new ClusterAudit.Verdict(List.of(), List.of(),
                List.of("no node answered DescribeCluster at " + bootstrap));
        Map<String, Object> client = commandConfig.properties();
        InterBrokerConnector connector = ClientSecurity.connector(client);
        client.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        client.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000);
        client.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
        try (Admin admin = Admin.create(client)) {
            while (true) {
                try {
                    DescribeClusterResult result = admin.describeCluster(new DescribeClusterOptions()
                            .includeFencedBrokers(true).timeoutMs(5000));
                    List<Node> nodes = result.nodes().get().stream().sorted(Comparator.comparingInt(Node::id))
                            .toList();
                    Node controller = result.controller().get();
                    header = "cluster " + result.clusterId().get() + ", controller "
                            + (controller == null ? "none" : controller.id()) + ", " + nodes.size() + " brokers";
                    List<ClusterAudit.NodeView> asked = new ArrayList<>();
                    for (Node node : nodes) {
                        asked.add(ClusterAudit.ask(node.id(), node.host(), node.port(), Duration.ofSeconds(3),
                                connector));
                    }
                    views = asked;
                    verdict = ClusterAudit.judge(views);
                } catch (Exception e) {
                    header = "no answer from " + bootstrap + ": "
                            + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage());
                }
                if (verdict.healthy() || System.nanoTime() >= deadline) {
                    break;
                }
                Thread.sleep(500);
            }
        }
        print(out, header, views, verdict);
        return verdict.exitCode();
    }

    private static String ownAudit(OwnAudit audit) {
        if (!audit.readable()) {
            return "not read (" + audit.unreadable() + ")";
        }
        return audit.broken().isEmpty() ? "no violation" : "violations " + audit.broken();
    }

    private static void print(PrintWriter out, String header, List<ClusterAudit.NodeView> views,
                              ClusterAudit.Verdict verdict) {
        out.println(header);
        for (ClusterAudit.NodeView v : views) {
            out.println("  node " + v.nodeId() + " (" + v.endpoint() + "): " + (v.answered()
                    ? "metadata offset " + v.appliedOffset() + ", follows Raft leader "
                    + (v.raftLeader() < 0 ? "none" : v.raftLeader() + " (term " + v.raftTerm() + ")") + ", "
                    + v.partitions().size() + " partitions, live brokers " + v.liveBrokers() + ", own audit: "
                    + ownAudit(v.ownAudit())
                    : "no answer: " + v.error()));
        }
        verdict.holds().forEach(line -> out.println("  OK      " + line));
        verdict.broken().forEach(line -> out.println("  BROKEN  " + line));
        verdict.unanswered().forEach(line -> out.println("  UNKNOWN " + line));
        out.println("verdict: " + (verdict.healthy() ? "HEALTHY"
                : !verdict.broken().isEmpty() ? "VIOLATED (" + verdict.broken().size() + " findings)"
                : "INCOMPLETE (not every node answered)"));
        out.flush();
    }
}
