package io.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
 * Early fencing on evidence (docs/adr/0020), on real processes: a broker killed with SIGKILL is fenced because its
 * kernel closed its heartbeat connection to the controller, with that reason in the controller's log; a broker
 * frozen with SIGSTOP for longer than the grace but shorter than its lease keeps its connections open, and so is
 * not fenced and leads what it led. When the killed node is the active controller, the survivors see their heartbeat
 * connections to it closed and one stands for Raft leader at once (docs/adr/0037).
 */
class EarlyFencingIT {

    private static final String TOPIC = "fenced";
    private static final String EVIDENCE = "its heartbeat connection closed";

    @TempDir
    Path root;

    @Test
    void aKilledBrokerIsFencedOnItsClosedHeartbeatConnectionAndAPausedOneIsNot() throws Exception {
        try (ProcessCluster cluster = new ProcessCluster(root, 3, List.of())) {
            cluster.startAll();
            try (Admin client = ClusterHealth.admin(cluster)) {
                Awaitility.await("3 brokers registered").atMost(Duration.ofSeconds(90)).ignoreExceptions()
                        .until(() -> client.describeCluster().nodes().get().size() == 3);
                client.createTopics(List.of(new NewTopic(TOPIC, 6, (short) 3))).all().get();
                ClusterHealth health = new ClusterHealth(cluster, client, TOPIC);
                health.awaitHealthy(Duration.ofSeconds(60));
                int controller = health.controller();
                int victim = cluster.running().stream().filter(id -> id != controller).findFirst().orElseThrow();
                Map<Integer, Integer> leaders = leaders(client);
                assertThat(leaders).containsValue(victim);

                // when: the broker is frozen for longer than the grace (1 s), shorter than its lease (3 s)
                cluster.pause(victim);
                Thread.sleep(1800); // the fault itself: how long the process stays frozen
                cluster.resume(victim);

                // then: it was not fenced: nothing led by it moved, and the controller fenced nobody
                health.awaitHealthy(Duration.ofSeconds(10), "after the pause");
                assertThat(leaders(client)).as("leaders after a pause shorter than the lease").isEqualTo(leaders);
                assertThat(log(controller)).as("controller log").doesNotContain("] fencing broker " + victim);

                // when: it is killed
                cluster.kill(victim);
                long killedAt = System.nanoTime();

                // then: the controller fences it on the evidence of its closed heartbeat connection
                Awaitility.await("new leaders").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20))
                        .ignoreExceptions().until(() -> !leaders(client).containsValue(victim));
                long failoverMs = (System.nanoTime() - killedAt) / 1_000_000;
                assertThat(log(controller)).as("controller log").contains("] fencing broker " + victim)
                        .contains(EVIDENCE);
                System.out.printf("[figure] EarlyFencingIT: %d ms from SIGKILL of broker %d to new leaders in "
                        + "Metadata (lease 3000 ms, grace 1000 ms)%n", failoverMs, victim);

                // when: the broker is back, and then the active controller's process is killed
                cluster.start(victim);
                health.awaitHealthy(Duration.ofSeconds(90), "after restarting node " + victim);
                int oldController = health.controller();
                Map<Integer, Integer> ledBefore = leaders(client);
                cluster.kill(oldController);
                long controllerKilledAt = System.nanoTime();

                // then: the survivors saw their heartbeat connections to it closed and one of them stood for
                // leader at once (docs/adr/0037), not an election timeout later; the new controller fenced the old
                // one on the same evidence
                Awaitility.await("new leaders").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20))
                        .ignoreExceptions().until(() -> !leaders(client).containsValue(oldController));
                long controllerFailoverMs = (System.nanoTime() - controllerKilledAt) / 1_000_000;
                List<Integer> survivors = cluster.running();
                assertThat(survivors).doesNotContain(oldController);
                Awaitility.await("the old controller fenced by the new one").atMost(Duration.ofSeconds(15))
                        .ignoreExceptions().until(() -> log(health.controller())
                                .contains("] fencing broker " + oldController));
                assertThat(survivors.stream().map(this::logUnchecked)).as("the survivors' logs")
                        .anyMatch(l -> l.contains("metadata Raft leader " + oldController + " of term ")
                                && l.contains("is gone (its connection closed ") && l.contains("standing for leader now"));
                System.out.printf("[figure] EarlyFencingIT: %d ms from SIGKILL of the active controller (node %d, "
                        + "leading %s) to new leaders in Metadata%n", controllerFailoverMs, oldController,
                        ledBefore);
            }
        }
    }

    private static Map<Integer, Integer> leaders(Admin client) throws Exception {
        Map<Integer, Integer> leaders = new TreeMap<>();
        for (TopicPartitionInfo p : client.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC)
                .partitions()) {
            leaders.put(p.partition(), p.leader() == null ? -1 : p.leader().id());
        }
        return leaders;
    }

    private String logUnchecked(int node) {
        try {
            return log(node);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private String log(int node) throws IOException {
        return Files.readString(root.resolve("node" + node).resolve("cairn.log"), StandardCharsets.UTF_8);
    }
}
