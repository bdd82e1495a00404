package io.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
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
 * <p>{@code -Dcairn.pause.rounds=N} sets the number of pauses (50 by default).
 */
class ControllerPauseIT {

    private static final String TOPIC = "paused";
    private static final Duration HEAL_BOUND = Duration.ofSeconds(10);
    /** Shorter than the election timeout, between it and the lease, longer than the lease. */
    private static final long[] PAUSES_MS = {300, 1_500, 2_500, 4_000, 6_000};

    @TempDir
    Path root;

    @Test
    void aPausedControllerRejoinsAfterEveryResume() throws Exception {
        int rounds = Integer.getInteger("cairn.pause.rounds", 50);
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
                    int controller = health.controller();
                    long pauseMs = PAUSES_MS[round % PAUSES_MS.length];
                    cluster.pause(controller);
                    Thread.sleep(pauseMs); // the fault itself: how long the process stays frozen
                    cluster.resume(controller);
                    long resumedAt = System.nanoTime();
                    health.awaitHealthy(HEAL_BOUND, "round " + round + ": node " + controller + " paused "
                            + pauseMs + " ms");
                    healMs.computeIfAbsent(pauseMs, p -> new ArrayList<>())
                            .add((System.nanoTime() - resumedAt) / 1_000_000);
                    // Still healthy a moment later: a node whose Raft member is wedged is fenced once its lease
                    // runs out, which a check right after the resume can precede.
                    health.awaitStaysHealthy(Duration.ofSeconds(1), HEAL_BOUND);
                }
                healMs.forEach((pause, heals) -> System.out.println("[figure] ControllerPauseIT: pause " + pause
                        + " ms -> back in quorum, unfenced, in every ISR after " + summary(heals)));
                assertThat(healMs.values().stream().mapToInt(List::size).sum()).isEqualTo(rounds);
            }
        }
    }

    private static String summary(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        return "median " + sorted.get(sorted.size() / 2) + " ms, max " + sorted.get(sorted.size() - 1) + " ms ("
                + sorted.size() + " pauses)";
    }
}
