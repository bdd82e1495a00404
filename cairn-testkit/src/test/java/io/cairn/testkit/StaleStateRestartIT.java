package io.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.cairn.metadata.BrokerImage;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.PartitionImage;
import io.cairn.metadata.TopicImage;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LESSONS 5: restarting on old state never needs {@code rm -rf}. The fixture: a 3-node cluster with topics
 * leaves its data behind with node 2 stopped cleanly (fenced in the image) and nodes 1 and 3 crashed (still
 * unfenced, leading partitions). Then only nodes 1 and 2 come back: node 3's machine is gone for good (its id
 * stays in the persisted image and in Ratis's voter set; Cairn has no voter removal yet). The cluster must
 * heal by itself: node 3 is fenced when its fresh lease expires, every partition gets a live leader from its
 * ISR, and partitions whose ISR holds no live node (those whose only replica was node 3, and those whose last ISR
 * member was node 3) are reported offline: leader -1 in the image and in Metadata, no unclean election.
 */
class StaleStateRestartIT {

    @TempDir
    Path root;

    @Test
    void aClusterRestartedOnStaleStateWithANodeGoneAndANodeFencedHealsWithoutManualSteps() throws Exception {
        // given: the fixture, written by a real cluster
        try (CairnCluster cluster = CairnCluster.start(root, 3)) {
            try (Admin admin = cluster.admin(1)) {
                admin.createTopics(List.of(new NewTopic("replicated", 6, (short) 3),
                        new NewTopic("pair", 3, (short) 2), new NewTopic("single", 3, (short) 1))).all().get();
            }
            for (int id : cluster.runningNodes()) {
                Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
                    TopicImage t = cluster.node(id).controller().current().topic("replicated").orElse(null);
                    return t != null && t.partitions().values().stream().allMatch(p -> p.isr().size() == 3);
                });
            }
            assertThat(cluster.node(1).controller().current().topic("single").orElseThrow().partitions().values())
                    .as("the fixture needs a single-replica partition on node 3").anyMatch(p -> p.leader() == 3);
            cluster.stopNode(2);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
                    cluster.node(1).controller().current().brokers().get(2).fenced());
            cluster.killNode(3);
            cluster.killNode(1);
        }

        // when: only nodes 1 and 2 start on that data
        long startedAt = System.nanoTime();
        try (CairnCluster cluster = CairnCluster.reopen(root, 3, List.of(1, 2), Map.of())) {
            // then: node 3 is fenced and every partition has a live leader in its ISR, or is offline
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> healed(cluster.node(1).controller().current())
                    && healed(cluster.node(2).controller().current()));
            long healedMs = (System.nanoTime() - startedAt) / 1_000_000;
            MetadataImage image = cluster.node(2).controller().current();
            BrokerImage gone = image.brokers().get(3);
            assertThat(gone.fenced()).isTrue();
            long offline = 0;
            for (TopicImage topic : image.topicsByName().values()) {
                for (PartitionImage p : topic.partitions().values()) {
                    String name = topic.name() + "-" + p.partition() + " " + p;
                    if (p.replicas().equals(List.of(3))) {
                        assertThat(p.leader()).as(name).isEqualTo(-1);
                    }
                    assertThat(online(p) || offline(p)).as(name).isTrue();
                    offline += offline(p) ? 1 : 0;
                }
            }
            assertThat(offline).isPositive();
            System.out.printf("[figure] stale-state restart healed %d ms after starting nodes 1 and 2%n", healedMs);

            // and: the admin view agrees (leader -1 for the offline ones), from either node
            try (Admin admin = cluster.admin(1)) {
                Map<String, TopicDescription> topics = admin.describeTopics(List.of("replicated", "pair", "single"))
                        .allTopicNames().get(10, TimeUnit.SECONDS);
                for (TopicDescription t : topics.values()) {
                    for (TopicPartitionInfo p : t.partitions()) {
                        boolean noLiveIsr = p.isr().stream().noneMatch(n -> n.id() == 1 || n.id() == 2);
                        if (noLiveIsr) {
                            assertThat(p.leader() == null || p.leader().id() < 0).isTrue();
                        } else {
                            assertThat(p.leader().id()).isIn(1, 2);
                        }
                    }
                }
                // and: the cluster serves new topics without node 3
                admin.createTopics(List.of(new NewTopic("after-heal", 2, (short) 2))).all().get(20, TimeUnit.SECONDS);
            }
        }
    }

    private static boolean healed(MetadataImage image) {
        BrokerImage gone = image.brokers().get(3);
        if (gone == null || !gone.fenced()) {
            return false;
        }
        for (int live : List.of(1, 2)) {
            if (image.brokers().get(live) == null || image.brokers().get(live).fenced()) {
                return false;
            }
        }
        return image.topicsByName().values().stream().flatMap(t -> t.partitions().values().stream())
                .allMatch(p -> online(p) || offline(p));
    }

    /** Led by a live node from its ISR, node 3 out of the ISR. */
    private static boolean online(PartitionImage p) {
        return (p.leader() == 1 || p.leader() == 2) && p.isr().contains(p.leader()) && !p.isr().contains(3);
    }

    /** No live node in its ISR (Kafka keeps the last ISR member): leader -1, offline, no unclean election. */
    private static boolean offline(PartitionImage p) {
        return p.leader() == -1 && !p.isr().contains(1) && !p.isr().contains(2);
    }
}
