package io.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartitionInfo;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The active controller's process is paused (SIGSTOP) and resumed again and again, for less and for more
 * than the election timeout (1 s) and the broker lease (3 s). After every resume the paused node must be back
 * within 10 s: its own metadata Raft member following the leader every other node follows, registered,
 * unfenced and in the ISR of every partition. Ratis 3.1.3 wedged the paused node's Raft member for good in
 * about one try in two (a deadlock in its leader step-down, docs/adr/0011).
 *
 * <p>{@code -Dcairn.pause.rounds=N} sets the number of pauses (20 by default: each length four times, against a
 * wedge that struck one try in two; the long runs in docs/benchmarks.md used 50 and more), {@code -Dcairn.pause.ms=a,b,..}
 * their lengths in turn, {@code -Dcairn.pause.victim=leader|follower} pauses a partition's leader or a
 * follower instead of the controller (the long pauses in docs/benchmarks.md were measured this way).
 */
class ControllerPauseIT {

    private static final String TOPIC = "paused";
    private static final Duration HEAL_BOUND = Duration.ofSeconds(10);
    /** Shorter than the election timeout, between it and the lease, longer than the lease. */
    private static final String PAUSES_MS = "300,1500,2500,4000,6000";

    @TempDir
    Path root;

    @Test
    void aPausedControllerRejoinsAfterEveryResume() throws Exception {
        int rounds = Integer.getInteger("cairn.pause.rounds", 20);
        long[] pauses = Arrays.stream(System.getProperty("cairn.pause.ms", PAUSES_MS).split(","))
                .mapToLong(p -> Long.parseLong(p.trim())).toArray();
        String victim = System.getProperty("cairn.pause.victim", "controller");
        try (ProcessCluster cluster = new ProcessCluster(root, 3, List.of())) {
            cluster.startAll();
            try (Admin client = ClusterHealth.admin(cluster)) {
                Awaitility.await("3 brokers registered").atMost(Duration.ofSeconds(90)).ignoreExceptions()
                        .until(() -> client.describeCluster().nodes().get().size() == 3);
                client.createTopics(List.of(new NewTopic(TOPIC, 3, (short) 3))).all().get();
                ClusterHealth health = new ClusterHealth(cluster, client, TOPIC);
                health.awaitHealthy(Duration.ofSeconds(60));

                Map<Long, List<Long>> healMs = new TreeMap<>();
                for (int round = 0; round < rounds; round++) {
                    int node = pick(victim, health, client);
                    long pauseMs = pauses[round % pauses.length];
                    cluster.pause(node);
                    Thread.sleep(pauseMs); // the fault itself: how long the process stays frozen
                    cluster.resume(node);
                    long resumedAt = System.nanoTime();
                    health.awaitHealthy(HEAL_BOUND, "round " + round + ": " + victim + " (node " + node + ") paused "
                            + pauseMs + " ms");
                    healMs.computeIfAbsent(pauseMs, p -> new ArrayList<>())
                            .add((System.nanoTime() - resumedAt) / 1_000_000);
                    // Still healthy a moment later: a node whose Raft member is wedged is fenced once its lease
                    // runs out, which a check right after the resume can precede.
                    health.awaitStaysHealthy(Duration.ofSeconds(1), HEAL_BOUND);
                }
                healMs.forEach((pause, heals) -> System.out.println("[figure] ControllerPauseIT: " + victim + " paused "
                        + pause + " ms -> back in quorum, unfenced, in every ISR after " + summary(heals)));
                assertThat(healMs.values().stream().mapToInt(List::size).sum()).isEqualTo(rounds);
            }
        }
    }

    private static int pick(String victim, ClusterHealth health, Admin admin) throws Exception {
        if (victim.equals("controller")) {
            return health.controller();
        }
        TopicPartitionInfo partition = admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC)
                .partitions().get(0);
        int leader = partition.leader().id();
        return victim.equals("leader") ? leader
                : partition.replicas().stream().mapToInt(n -> n.id()).filter(id -> id != leader).findFirst()
                        .orElseThrow();
    }

    private static String summary(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        return "median " + sorted.get(sorted.size() / 2) + " ms, max " + sorted.get(sorted.size() - 1) + " ms ("
                + sorted.size() + " pauses)";
    }
}
