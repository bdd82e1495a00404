package io.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.cairn.raft.QuorumStatus;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * ARCHITECTURE invariant 8: a healthy idle cluster logs nothing at WARN or above and proposes no metadata
 * records except what time requires. Waits a real 60 s: lease checks, heartbeats (500 ms), Raft heartbeats,
 * the ISR-shrink check (every 15 s) and the transaction coordinators' timeout checks (every 10 s) all fire
 * several times in it (LESSONS: cluster tests must run long
 * enough to see timers fire).
 */
class QuietClusterIT {

    private static final Duration IDLE = Duration.ofSeconds(60);

    @TempDir
    Path root;

    @Test
    void aHealthyIdleClusterWritesNoMetadataAndLogsNothingAtWarnFor60Seconds() throws Exception {
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        Logger rootLogger = ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(Logger.ROOT_LOGGER_NAME);
        events.start();
        rootLogger.addAppender(events);
        try (CairnCluster cluster = CairnCluster.start(root, 3)) {
            // given: a replicated topic with a committed transaction in it (so that every node hosts transaction
            // coordinator shards, whose periodic checks run while idle), settled on every node (leaders, full ISR,
            // same offset everywhere)
            try (Admin admin = cluster.admin(1)) {
                admin.createTopics(List.of(new NewTopic("idle", 3, (short) 3))).all().get();
            }
            try (var producer = TransactionsIT.producer(cluster.node(1).bootstrapServers(), "quiet")) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("idle", "committed")).get();
                producer.commitTransaction();
            }
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> settled(cluster));
            Map<Integer, String> before = state(cluster);
            int warnsBefore = warnings(events).size();
            System.out.printf("[figure] idle cluster before: %s (WARN+ during start-up: %d %s)%n", before,
                    warnsBefore, warnings(events));
            synchronized (events) {
                events.list.clear();
            }

            // when / then: for 60 s nothing is logged at WARN+, no metadata offset moves, no Raft term changes
            long startNs = System.nanoTime();
            Awaitility.await().pollInterval(Duration.ofSeconds(1)).during(IDLE).atMost(IDLE.plusSeconds(10))
                    .until(() -> warnings(events).isEmpty() && state(cluster).equals(before));
            System.out.printf("[figure] idle cluster: %d s without a WARN or a metadata record; after: %s%n",
                    (System.nanoTime() - startNs) / 1_000_000_000, state(cluster));
            assertThat(warnings(events)).isEmpty();
            assertThat(state(cluster)).isEqualTo(before);
        } finally {
            rootLogger.detachAppender(events);
        }
    }

    private static boolean settled(CairnCluster cluster) {
        long offset = cluster.node(1).controller().current().offset();
        for (int id : cluster.runningNodes()) {
            var image = cluster.node(id).controller().current();
            if (image.offset() != offset || image.topic("idle").isEmpty() || !image.topicsByName().values().stream()
                    .flatMap(t -> t.partitions().values().stream())
                    .allMatch(p -> p.leader() > 0 && p.isr().size() == p.replicas().size())) {
                return false;
            }
        }
        return true;
    }

    /** Per node: metadata image offset, Raft term and leader, Raft commit index. */
    private static Map<Integer, String> state(CairnCluster cluster) {
        Map<Integer, String> state = new TreeMap<>();
        for (int id : cluster.runningNodes()) {
            QuorumStatus quorum = cluster.node(id).metadataLog().quorumStatus();
            state.put(id, "offset=" + cluster.node(id).controller().current().offset() + " term=" + quorum.term()
                    + " leader=" + quorum.leaderId());
        }
        return state;
    }

    private static List<String> warnings(ListAppender<ILoggingEvent> events) {
        synchronized (events) { // AppenderBase.doAppend holds the appender's lock
            return List.copyOf(events.list).stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                    .map(e -> e.getLevel() + " " + e.getLoggerName() + ": " + e.getFormattedMessage()).toList();
        }
    }
}
