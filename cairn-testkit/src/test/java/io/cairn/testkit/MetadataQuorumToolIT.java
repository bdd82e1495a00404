package io.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.tools.MetadataQuorumCommand;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's own {@code kafka-metadata-quorum --bootstrap-server ... describe --status | --replication}
 * (MetadataQuorumCommand, in-process) against a 3-node cluster, bootstrapped on a node that is not the
 * controller: DescribeQuorum names the Raft leader, the voters and their log end offsets.
 */
class MetadataQuorumToolIT {

    @TempDir
    static Path root;
    static CairnCluster cluster;
    static int controller;
    static int follower;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = CairnCluster.start(root, 3);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> cluster.controllerId() > 0);
        controller = cluster.controllerId();
        follower = cluster.runningNodes().stream().filter(id -> id != controller).findFirst().orElseThrow();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void describeStatusNamesTheLeaderAndTheVoters() throws Exception {
        String out = tool("describe", "--status");
        assertThat(out).containsPattern("LeaderId:\\s+" + controller + "\\b")
                .containsPattern("LeaderEpoch:\\s+\\d+")
                .containsPattern("HighWatermark:\\s+\\d+")
                .contains("CurrentVoters:");
        String voters = out.lines().filter(l -> l.startsWith("CurrentVoters:")).findFirst().orElseThrow();
        for (int id = 1; id <= 3; id++) {
            assertThat(voters).containsPattern("\"id\":\\s*" + id + "\\b");
        }
    }

    @Test
    void describeReplicationListsEveryVoterWithItsLag() throws Exception {
        // the followers catch up within a Raft heartbeat or two
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
                tool("describe", "--replication").lines().filter(l -> l.matches("^\\d+\\s+.*"))
                        .allMatch(l -> l.split("\\s+")[3].equals("0")));
        String out = tool("describe", "--replication");
        List<String> rows = out.lines().filter(l -> l.matches("^\\d+\\s+.*")).toList();
        assertThat(out.lines().findFirst().orElseThrow()).contains("NodeId").contains("LogEndOffset").contains("Lag")
                .contains("Status");
        assertThat(rows).hasSize(3);
        assertThat(rows).anyMatch(r -> r.startsWith(controller + " ") && r.contains("Leader"));
        assertThat(rows.stream().filter(r -> r.contains("Follower")).count()).isEqualTo(2);
    }

    /** Runs the tool with --bootstrap-server on a non-controller node; returns what it printed. */
    private static synchronized String tool(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--bootstrap-server", cluster.node(follower).bootstrapServers()));
        all.addAll(List.of(args));
        // main() exits the JVM; execute(...) is the same without System.exit (package-private in 4.x).
        Method execute = MetadataQuorumCommand.class.getDeclaredMethod("execute", String[].class);
        execute.setAccessible(true);
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            execute.invoke(null, (Object) all.toArray(String[]::new));
        } finally {
            System.setOut(original);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        original.println("kafka-metadata-quorum " + String.join(" ", args) + "\n" + out);
        return out;
    }
}
