package io.cairn.server;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import io.cairn.broker.cluster.InterBrokerConnector;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;

/**
 * The cluster-wide audit behind {@code cairn audit}: each node's own view (its applied metadata offset and Raft
 * leader from DescribeQuorum, its partitions, leaders and live brokers from Metadata, both answered from that
 * node's image, never forwarded), checked node by node against the leadership invariants a client can see, and
 * compared across nodes. {@link #judge} is plain logic; {@link #ask} does the network round trips.
 *
 * <p>Stateless, thread-safe.
 */
public final class ClusterAudit {

    /** One partition as one node's image shows it. */
    public record PartitionView(int leader, int leaderEpoch, List<Integer> isr) {
        public PartitionView {
            isr = List.copyOf(isr);
        }

        @Override
        public String toString() {
            return "leader " + leader + " at epoch " + leaderEpoch + ", ISR " + isr;
        }
    }

    /**
     * One node's view; {@code error} is non-null when it did not answer (the other fields are then empty).
     *
     * @param appliedOffset the last metadata log index the node applied
     * @param liveBrokers   the registered, unfenced brokers its image holds
     * @param partitions    by "topic-index"
     * @param ownAudit      what the node's own live audit sees (what a client cannot check from outside)
     */
    public record NodeView(int nodeId, String endpoint, String error, long appliedOffset, int raftLeader, int raftTerm,
                           Set<Integer> liveBrokers, Map<String, PartitionView> partitions, OwnAudit ownAudit) {
        public static NodeView failed(int nodeId, String endpoint, String error) {
            return new NodeView(nodeId, endpoint, error, -1, -1, -1, Set.of(), Map.of(),
                    OwnAudit.unreadable("the node does not answer"));
        }

        public boolean answered() {
            return error == null;
        }
    }

    /** What the audit found: lines that hold, lines that break (violations, disagreements), unanswered nodes. */
    public record Verdict(List<String> holds, List<String> broken, List<String> unanswered) {
        public boolean healthy() {
            return broken.isEmpty() && unanswered.isEmpty();
        }

        /** 0 healthy, 1 a violation or a disagreement, 2 no violation found but some node did not answer. */
        public int exitCode() {
            return !broken.isEmpty() ? 1 : unanswered.isEmpty() ? 0 : 2;
        }
    }

    private static final int MAX_LINES_PER_CHECK = 20;

    private ClusterAudit() {
    }

    /**
     * Asks one node for its view, with DescribeQuorum and Metadata on fresh connections, and for what its own
     * audit sees, over connections {@code connector} opens (a secured listener).
     */
    public static NodeView ask(int nodeId, String host, int port, Duration timeout, InterBrokerConnector connector) {
        String endpoint = host + ":" + port;
        try {
            QuorumProbe.Status quorum = QuorumProbe.status(host, port, timeout, connector);
            MetadataResponse metadata = (MetadataResponse) OneRequest.send(host, port,
                    MetadataRequest.Builder.allTopics().build(ApiKeys.METADATA.latestVersion()), timeout, connector);
            Set<Integer> live = new HashSet<>();
            metadata.data().brokers().forEach(b -> live.add(b.nodeId()));
            Map<String, PartitionView> partitions = new TreeMap<>();
            for (MetadataResponseData.MetadataResponseTopic topic : metadata.data().topics()) {
                for (MetadataResponseData.MetadataResponsePartition p : topic.partitions()) {
                    partitions.put(topic.name() + "-" + p.partitionIndex(),
                            new PartitionView(p.leaderId(), p.leaderEpoch(), p.isrNodes()));
                }
            }
            return new NodeView(nodeId, endpoint, null, quorum.appliedOffset(), quorum.leaderId(), quorum.term(),
                    live, partitions, OwnAudit.read(nodeId, host, port, timeout, connector));
        } catch (IOException | RuntimeException e) {
            return NodeView.failed(nodeId, endpoint, e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    /** Checks every answering node's view and compares them. */
    public static Verdict judge(List<NodeView> views) {
        List<String> holds = new ArrayList<>();
        List<String> broken = new ArrayList<>();
        List<String> unanswered = new ArrayList<>();
        List<NodeView> answered = new ArrayList<>();
        for (NodeView v : views) {
            if (v.answered()) {
                answered.add(v);
            } else {
                unanswered.add("node " + v.nodeId() + " (" + v.endpoint() + ") does not answer: " + v.error());
            }
        }
        if (answered.isEmpty()) {
            return new Verdict(holds, broken, unanswered);
        }
        List<String> leaderFindings = new ArrayList<>();
        for (NodeView v : answered) {
            v.partitions().forEach((name, p) -> {
                if (p.leader() >= 0 && !p.isr().contains(p.leader())) {
                    leaderFindings.add("leader_in_isr: node " + v.nodeId() + " sees " + name + " " + p);
                }
                if (p.leader() >= 0 && !v.liveBrokers().contains(p.leader())) {
                    leaderFindings.add("leader_live: node " + v.nodeId() + " sees " + name + " " + p
                            + ", live brokers " + v.liveBrokers());
                }
            });
        }
        check(leaderFindings, "every partition's leader is a live broker in its ISR, on every node", holds, broken);
        judgeOwnAudits(answered, holds, broken);

        Map<Long, List<Integer>> byOffset = groupBy(answered, NodeView::appliedOffset);
        checkAgreement(byOffset, "metadata offset", holds, broken);
        Map<String, List<Integer>> byRaftLeader = groupBy(answered, v -> v.raftLeader() < 0 ? "no leader"
                : v.raftLeader() + " (term " + v.raftTerm() + ")");
        checkAgreement(byRaftLeader, "metadata Raft leader", holds, broken);

        NodeView first = answered.get(0);
        List<String> leaderDisagreements = new ArrayList<>();
        Set<String> names = new java.util.TreeSet<>();
        answered.forEach(v -> names.addAll(v.partitions().keySet()));
        for (String name : names) {
            Map<String, List<Integer>> seen = groupBy(answered, v -> String.valueOf(v.partitions().get(name)));
            if (seen.size() > 1) {
                leaderDisagreements.add(name + ": " + describe(seen));
            }
        }
        if (leaderDisagreements.isEmpty()) {
            long offline = first.partitions().values().stream().filter(p -> p.leader() < 0).count();
            holds.add("all nodes agree on the leaders, epochs and ISRs of " + names.size() + " partitions"
                    + (offline > 0 ? " (" + offline + " offline: no leader)" : ""));
        } else {
            check(leaderDisagreements.stream().map(l -> "nodes disagree on " + l).toList(), "", holds, broken);
        }
        return new Verdict(holds, broken, unanswered);
    }

    /**
     * A violation a node's own audit sees is a finding like any other; a node whose audit cannot be read is named
     * in the line that holds, and does not make the verdict incomplete (the endpoint is off by default).
     */
    private static void judgeOwnAudits(List<NodeView> answered, List<String> holds, List<String> broken) {
        List<String> findings = new ArrayList<>();
        List<Integer> read = new ArrayList<>();
        List<String> unreadable = new ArrayList<>();
        for (NodeView v : answered) {
            if (!v.ownAudit().readable()) {
                unreadable.add("node " + v.nodeId() + ": " + v.ownAudit().unreadable());
                continue;
            }
            read.add(v.nodeId());
            v.ownAudit().broken().forEach((invariant, count) -> findings.add(invariant + ": node " + v.nodeId()
                    + "'s own audit sees " + count + " violation" + (count == 1 ? "" : "s")
                    + " now (its WARN log has the evidence)"));
        }
        if (read.isEmpty()) {
            holds.add("no node's own audit could be read (" + String.join("; ", unreadable) + ")");
            return;
        }
        check(findings, "the own audits of nodes " + read + " see no violation" + (unreadable.isEmpty() ? ""
                : " (not read: " + String.join("; ", unreadable) + ")"), holds, broken);
    }

    private static void check(List<String> findings, String whenNone, List<String> holds, List<String> broken) {
        if (findings.isEmpty()) {
            holds.add(whenNone);
            return;
        }
        findings.stream().limit(MAX_LINES_PER_CHECK).forEach(broken::add);
        if (findings.size() > MAX_LINES_PER_CHECK) {
            broken.add("... and " + (findings.size() - MAX_LINES_PER_CHECK) + " more");
        }
    }

    private static <K> void checkAgreement(Map<K, List<Integer>> groups, String what, List<String> holds,
                                           List<String> broken) {
        if (groups.size() == 1) {
            holds.add("all nodes agree on the " + what + ": " + groups.keySet().iterator().next());
        } else {
            broken.add("nodes disagree on the " + what + ": " + describe(groups));
        }
    }

    private static <K> Map<K, List<Integer>> groupBy(List<NodeView> views, java.util.function.Function<NodeView, K> key) {
        return views.stream().collect(Collectors.groupingBy(key, java.util.LinkedHashMap::new,
                Collectors.mapping(NodeView::nodeId, Collectors.toList())));
    }

    private static <K> String describe(Map<K, List<Integer>> groups) {
        return groups.entrySet().stream().map(e -> "nodes " + e.getValue() + " see " + e.getKey())
                .collect(Collectors.joining("; "));
    }
}
