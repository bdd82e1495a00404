package io.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.cairn.broker.replica.Partition;
import io.cairn.broker.replica.ReplicaRole;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactions in a replicated partition: followers copy transactional batches and markers and index the same
 * aborts; when the leader is killed, the new leader keeps the open transaction open (read_committed consumers stop
 * before it) and lets it be ended; the killed node, restarted on its data, recovers the same state.
 */
class TransactionFailoverIT {

    private static final TopicPartition TP = new TopicPartition("txn-replicated", 0);

    @TempDir
    Path root;

    @Test
    void markersAbortsAndOpenTransactionsSurviveALeaderKillAndRestart() throws Exception {
        try (CairnCluster cluster = CairnCluster.start(root, 3)) {
            // given a replicated partition with a commit, an abort and an open transaction
            try (Admin admin = cluster.admin(1)) {
                admin.createTopics(List.of(new NewTopic(TP.topic(), 1, (short) 3)
                        .configs(Map.of("min.insync.replicas", "2")))).all().get();
            }
            int leaderId = awaitLeader(cluster, cluster.runningNodes());
            TxnWriter writer = new TxnWriter(partition(cluster, leaderId));
            writer.plain("p0");           // 0
            writer.txn(1, "a1");          // 1
            writer.end(1, true);          // 2
            writer.txn(2, "b1");          // 3
            writer.end(2, false);         // 4
            writer.txn(3, "e1");          // 5, left open
            writer.plain("p1");           // 6
            long end = 7;
            List<Integer> followers = cluster.runningNodes().stream().filter(id -> id != leaderId).toList();
            awaitCaughtUp(cluster, cluster.runningNodes(), end);

            // then every follower indexed the same abort and sees the same open transaction
            List<?> aborts = partition(cluster, leaderId).log().abortedTransactions(0, end);
            assertThat(aborts).hasSize(1);
            for (int id : followers) {
                assertThat(partition(cluster, id).log().abortedTransactions(0, end)).isEqualTo(aborts);
                assertThat(partition(cluster, id).log().lastStableOffset(end)).isEqualTo(5);
            }

            // when the leader is killed
            cluster.killNode(leaderId);
            int newLeader = awaitLeader(cluster, followers);
            String bootstrap = cluster.node(newLeader).bootstrapServers();

            // then the new leader holds read_committed consumers before the open transaction
            assertThat(ReadCommittedIT.javaRead(bootstrap, TP, "read_committed", "a1")).containsExactly("p0", "a1");
            try (KafkaConsumer<String, String> consumer = ReadCommittedIT.consumer(bootstrap, "read_committed")) {
                assertThat(consumer.endOffsets(Set.of(TP)).get(TP)).isEqualTo(5);
            }

            // and when the transaction is committed on it, they read the rest, never the aborted b1
            writer.leader(partition(cluster, newLeader));
            writer.end(3, true);
            writer.plain("end");
            assertThat(ReadCommittedIT.javaRead(bootstrap, TP, "read_committed", "end"))
                    .containsExactly("p0", "a1", "e1", "p1", "end");

            // and the killed node, restarted on its data, catches up with the same aborts and nothing open
            cluster.startNode(leaderId);
            cluster.awaitAllRegistered(Duration.ofSeconds(30));
            long newEnd = partition(cluster, newLeader).log().logEndOffset();
            awaitCaughtUp(cluster, List.of(leaderId), newEnd);
            assertThat(partition(cluster, leaderId).log().abortedTransactions(0, newEnd)).isEqualTo(aborts);
            assertThat(partition(cluster, leaderId).log().lastStableOffset(newEnd)).isEqualTo(newEnd);
        }
    }

    private static Partition partition(CairnCluster cluster, int id) {
        return cluster.node(id).replicas().partition(TP).orElseThrow();
    }

    private static int awaitLeader(CairnCluster cluster, List<Integer> candidates) {
        int[] leader = new int[1];
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
            for (int id : candidates) {
                Optional<Partition> p = cluster.node(id).replicas().partition(TP);
                if (p.isPresent() && p.get().role() instanceof ReplicaRole.Leader) {
                    leader[0] = id;
                    return true;
                }
            }
            return false;
        });
        return leader[0];
    }

    private static void awaitCaughtUp(CairnCluster cluster, List<Integer> ids, long end) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> ids.stream().allMatch(id ->
                cluster.node(id).replicas().partition(TP).map(p -> p.log().logEndOffset() >= end).orElse(false)));
    }
}
