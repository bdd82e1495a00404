package io.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.cairn.metadata.PartitionImage;
import io.cairn.metadata.TopicImage;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * After a node comes back, leadership returns to the preferred (first) replicas: on request through
 * Admin.electLeaders(PREFERRED), and by itself when the controller's periodic check
 * ({@code leader.imbalance.check.interval.seconds}, 300 s by default, as in Kafka) fires.
 */
class PreferredLeaderIT {

    private static final String TOPIC = "preferred";

    @TempDir
    Path root;

    @Test
    void electLeadersPreferredMovesLeadershipBackToARestartedNode() throws Exception {
        try (CairnCluster cluster = CairnCluster.start(root, 3)) {
            int victim = leaveAndReturn(cluster);
            // the default check runs every 300 s: leadership stays away meanwhile
            assertThat(ledBy(cluster, victim)).isEmpty();

            // when: a preferred election is requested through a node, for every partition
            try (Admin admin = cluster.admin(1)) {
                Map<TopicPartition, Optional<Throwable>> result = admin.electLeaders(ElectionType.PREFERRED, null)
                        .partitions().get(20, TimeUnit.SECONDS);
                System.out.printf("[figure] electLeaders(PREFERRED): %s%n", result);
            }

            // then: every partition is led by its preferred replica again, the returned node included
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> allPreferred(cluster));
            assertThat(ledBy(cluster, victim)).isNotEmpty();
        }
    }

    @Test
    void theControllerMovesLeadershipBackByItselfWhenItsPeriodicCheckFires() throws Exception {
        try (CairnCluster cluster = CairnCluster.start(root, 3,
                Map.of("leader.imbalance.check.interval.seconds", 2))) {
            leaveAndReturn(cluster);
            Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> allPreferred(cluster));
        }
    }

    /** Creates the topic, stops a node that leads some of it, restarts it and waits until it is back in every ISR. */
    private static int leaveAndReturn(CairnCluster cluster) throws Exception {
        try (Admin admin = cluster.admin(1)) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 6, (short) 3))).all().get();
        }
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> fullIsr(cluster) && allPreferred(cluster));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> cluster.controllerId() > 0);
        int controller = cluster.controllerId();
        int victim = cluster.runningNodes().stream().filter(id -> id != controller).findFirst().orElseThrow();
        assertThat(ledBy(cluster, victim)).isNotEmpty();
        cluster.stopNode(victim);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> ledBy(cluster, victim).isEmpty());
        cluster.startNode(victim);
        cluster.awaitAllRegistered(Duration.ofSeconds(30));
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> fullIsr(cluster));
        return victim;
    }

    private static Map<Integer, PartitionImage> partitions(CairnCluster cluster) {
        int any = cluster.runningNodes().get(0);
        return cluster.node(any).controller().current().topic(TOPIC).map(TopicImage::partitions)
                .map(Map::copyOf).orElse(Map.of());
    }

    private static boolean fullIsr(CairnCluster cluster) {
        Map<Integer, PartitionImage> ps = partitions(cluster);
        return !ps.isEmpty() && ps.values().stream().allMatch(p -> p.isr().size() == 3);
    }

    private static boolean allPreferred(CairnCluster cluster) {
        Map<Integer, PartitionImage> ps = partitions(cluster);
        return !ps.isEmpty() && ps.values().stream().allMatch(p -> p.leader() == p.replicas().get(0));
    }

    private static Set<Integer> ledBy(CairnCluster cluster, int node) {
        return partitions(cluster).values().stream().filter(p -> p.leader() == node).map(PartitionImage::partition)
                .collect(Collectors.toSet());
    }
}
