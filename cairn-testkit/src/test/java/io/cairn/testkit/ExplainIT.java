package io.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.cairn.server.ExplainCommand;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartitionInfo;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code cairn explain} against a 3-node in-process cluster, compared with what the cluster did: the leader of a
 * partition is killed, and explain names the fencing reason, the new leader, the epochs and the controller that
 * decided it; for the broker, its registrations, unfencing, fencing and, after a restart, its controlled
 * shutdown (also as read by the restarted node, whose metadata came from a snapshot); and it refuses unknown topics, partitions and brokers and bad input with a non-zero exit.
 */
class ExplainIT {

    private static final String TOPIC = "explained";
    private static final String ISO_UTC = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z";

    @TempDir
    Path root;

    @Test
    void explainTellsWhyLeadershipMovedWhenItsLeaderIsKilledAndWhatHappenedToTheBroker() throws Exception {
        // snapshots every 10 entries: the restarted node reads the history from a snapshot, not from the log
        try (CairnCluster cluster = CairnCluster.start(root, 3, Map.of("cairn.metadata.snapshot.entries", 10))) {
            cluster.awaitAllRegistered(Duration.ofSeconds(60));
            // given: a partition led by a node that is not the controller
            int controller = cluster.controllerId();
            List<Integer> others = cluster.runningNodes().stream().filter(id -> id != controller).toList();
            int victim = others.get(0);
            int survivor = cluster.runningNodes().stream().filter(id -> id != victim).findFirst().orElseThrow();
            try (Admin admin = cluster.admin(controller)) {
                admin.createTopics(List.of(new NewTopic(TOPIC, Map.of(0, List.of(victim, others.get(1),
                        controller))))).all().get();
            }
            Result created = Awaitility.await("explain sees the creation").atMost(Duration.ofSeconds(30))
                    .until(() -> explain(cluster, survivor, TOPIC + "-0"), r -> r.out().contains("created"));
            assertThat(created.exitCode()).isZero();
            assertThat(created.out()).containsPattern(ISO_UTC + "  offset \\d+  term \\d+  decided by node "
                    + controller + "  created: leader " + victim + " \\(leader epoch 0\\), ISR \\[");

            // when: the leader's node is killed
            cluster.killNode(victim);
            Result moved = Awaitility.await("the partition's leadership moved").atMost(Duration.ofSeconds(60))
                    .until(() -> explain(cluster, survivor, TOPIC), r -> r.out().contains("broker fenced"));

            // then: explain says why, who leads now, at which epochs, and which controller decided it
            int newLeader = leaderNow(cluster, survivor);
            assertThat(newLeader).isNotIn(victim, -1);
            assertThat(moved.exitCode()).isZero();
            assertThat(moved.out()).contains(TOPIC + "-0: 2 changes").containsPattern("term \\d+  decided by node "
                    + controller + "  broker fenced after (lease expiry|its heartbeat connection closed): leader "
                    + victim + " -> leader " + newLeader + " \\(leader epoch 1\\), ISR \\[[^]]*\\], partition epoch 1");
            String fencedLine = moved.out().lines().filter(l -> l.contains("broker fenced")).findFirst()
                    .orElseThrow();
            assertThat(fencedLine.substring(fencedLine.indexOf("ISR ["), fencedLine.indexOf("], partition")))
                    .as("the killed broker left the ISR").doesNotContain(Integer.toString(victim));

            // and: the broker's own history
            Result fenced = explain(cluster, survivor, "--broker", Integer.toString(victim));
            assertThat(fenced.exitCode()).isZero();
            assertThat(fenced.out()).contains("broker " + victim + ": 3 changes")
                    .containsPattern("broker registered: registered at broker epoch 1 \\(")
                    .contains("broker unfenced after catching up: unfenced at broker epoch 1")
                    .containsPattern("broker fenced after (lease expiry|its heartbeat connection closed): fenced "
                            + "at broker epoch 1");

            // when: it comes back, then shuts down cleanly
            cluster.startNode(victim);
            cluster.awaitAllRegistered(Duration.ofSeconds(60));
            Result fromSnapshot = explain(cluster, victim, TOPIC + "-0");
            assertThat(fromSnapshot.out()).as("the restarted node, from its snapshot").contains(TOPIC + "-0: ")
                    .contains("created: leader " + victim).contains(fencedLine.trim());
            cluster.stopNode(victim);
            Result stopped = Awaitility.await("the controlled shutdown is recorded").atMost(Duration.ofSeconds(30))
                    .until(() -> explain(cluster, survivor, "--broker", Integer.toString(victim)),
                            r -> r.out().contains("controlled shutdown"));
            // then
            assertThat(stopped.out()).contains("broker registered: registered at broker epoch 2",
                    "controlled shutdown: fenced at broker epoch 2");

            // and: what does not exist, or is not asked properly, is refused
            assertThat(explain(cluster, survivor, "no-such-topic")).satisfies(r -> {
                assertThat(r.exitCode()).isEqualTo(1);
                assertThat(r.err()).contains("Unknown topic no-such-topic");
            });
            assertThat(explain(cluster, survivor, TOPIC + "-7")).satisfies(r -> {
                assertThat(r.exitCode()).isEqualTo(1);
                assertThat(r.err()).contains("has no partition 7");
            });
            assertThat(explain(cluster, survivor, "--broker", "99")).satisfies(r -> {
                assertThat(r.exitCode()).isEqualTo(1);
                assertThat(r.err()).contains("Broker 99 is not registered");
            });
            assertThat(explain(cluster, survivor).exitCode()).isEqualTo(2);
        }
    }

    private static int leaderNow(CairnCluster cluster, int node) throws Exception {
        try (Admin admin = cluster.admin(node)) {
            TopicPartitionInfo p = admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC)
                    .partitions().get(0);
            return p.leader() == null ? -1 : p.leader().id();
        }
    }

    private record Result(int exitCode, String out, String err) {
    }

    private static Result explain(CairnCluster cluster, int node, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine command = new CommandLine(new ExplainCommand());
        command.setOut(new PrintWriter(out));
        command.setErr(new PrintWriter(err));
        String[] all = new String[args.length + 2];
        all[0] = "--bootstrap";
        all[1] = cluster.node(node).bootstrapServers();
        System.arraycopy(args, 0, all, 2, args.length);
        int code = command.execute(all);
        System.out.println("[explain " + String.join(" ", args) + "] exit " + code + "\n" + out + err);
        return new Result(code, out.toString(), err.toString());
    }
}
