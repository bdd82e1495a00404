package io.cairn.testkit;

import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import io.cairn.server.QuorumProbe;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Whether a {@link ProcessCluster} has healed: every running node's own metadata Raft member follows one and
 * the same leader (asked of each node, {@link QuorumProbe}), every running node is registered and unfenced,
 * and every partition of the watched topic has a leader and every running node in its ISR.
 */
final class ClusterHealth {

    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);

    private final ProcessCluster cluster;
    private final Admin admin;
    private final String topic;
    private volatile String lastProblem = "not checked yet";
    /** The metadata Raft leader every running node followed at the last healthy check. */
    private volatile int healthyLeader = -1;

    ClusterHealth(ProcessCluster cluster, Admin admin, String topic) {
        this.cluster = cluster;
        this.admin = admin;
        this.topic = topic;
    }

    static Admin admin(ProcessCluster cluster) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
        return Admin.create(props);
    }

    /** The active controller, as the cluster's running nodes agree on it. */
    int controller() {
        Awaitility.await("the nodes agree on a controller").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100)).until(() -> problem() == null);
        return healthyLeader;
    }

    void awaitHealthy(Duration within) {
        awaitHealthy(within, "cluster");
    }

    void awaitHealthy(Duration within, String what) {
        try {
            Awaitility.await(what + " healthy").atMost(within).pollInterval(Duration.ofMillis(100))
                    .until(() -> problem() == null);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(what + " not healthy within " + within.toMillis() + " ms: " + lastProblem, e);
        }
    }

    /** Healthy without a break for {@code stable}, reached within {@code within}. */
    void awaitStaysHealthy(Duration stable, Duration within) {
        try {
            Awaitility.await("cluster stays healthy").during(stable).atMost(within.plus(stable))
                    .pollInterval(Duration.ofMillis(100)).until(() -> problem() == null);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("cluster not healthy for " + stable.toMillis() + " ms: " + lastProblem, e);
        }
    }

    /** What keeps the cluster from being healthy, or null when it is. */
    String problem() {
        String problem;
        try {
            problem = findProblem();
        } catch (Exception e) {
            problem = "no answer: " + e;
        }
        lastProblem = problem == null ? "healthy" : problem;
        return problem;
    }

    private String findProblem() throws Exception {
        List<Integer> running = cluster.running();
        Integer leader = null;
        for (int id : running) {
            QuorumProbe.View view;
            try {
                view = QuorumProbe.ask("127.0.0.1", cluster.kafkaPort(id), PROBE_TIMEOUT);
            } catch (IOException e) {
                return "node " + id + " does not answer DescribeQuorum: " + e;
            }
            if (!view.leaderKnown()) {
                return "node " + id + " knows no metadata Raft leader";
            }
            if (leader != null && leader != view.leaderId()) {
                return "nodes disagree on the metadata Raft leader (" + leader + " and " + view.leaderId() + ")";
            }
            leader = view.leaderId();
        }
        int agreed = leader == null ? -1 : leader;
        Map<Integer, Boolean> fenced = new java.util.HashMap<>();
        for (Node node : admin.describeCluster(new DescribeClusterOptions().includeFencedBrokers(true))
                .nodes().get()) {
            fenced.put(node.id(), node.isFenced());
        }
        for (int id : running) {
            if (!fenced.containsKey(id)) {
                return "node " + id + " is not registered";
            }
            if (fenced.get(id)) {
                return "node " + id + " is fenced";
            }
        }
        TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
        for (TopicPartitionInfo partition : description.partitions()) {
            if (partition.leader() == null || partition.leader().id() < 0) {
                return topic + "-" + partition.partition() + " has no leader";
            }
            Set<Integer> isr = new HashSet<>();
            partition.isr().forEach(n -> isr.add(n.id()));
            for (int id : running) {
                if (!isr.contains(id)) {
                    return "node " + id + " is not in the ISR of " + topic + "-" + partition.partition() + " " + isr;
                }
            }
        }
        healthyLeader = agreed;
        return null;
    }
}
