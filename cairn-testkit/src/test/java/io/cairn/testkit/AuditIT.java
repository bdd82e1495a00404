package io.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.cairn.broker.audit.InvariantAuditor;
import io.cairn.metadata.audit.Invariant;
import io.cairn.server.AuditCommand;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * The live invariant audit on a 3-node in-process cluster: a healthy cluster gives {@code cairn audit} exit 0
 * with every node agreeing, and no node's own audit reports anything (no WARN, no violation) through start-up,
 * topic creation and a few periodic checks; with a node killed the audit no longer says healthy.
 */
class AuditIT {

    @TempDir
    Path root;

    @Test
    void aHealthyClusterPassesTheAuditAndAKilledNodeFailsIt() throws Exception {
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        Logger auditLogger = (Logger) LoggerFactory.getLogger(InvariantAuditor.class);
        events.start();
        auditLogger.addAppender(events);
        // each node serves its metrics (on a port of its choosing) so that the audit reads its own findings too
        try (CairnCluster cluster = CairnCluster.start(root, 3, Map.of("cairn.metrics.port", 0,
                "cairn.audit.interval.ms", 1000))) {
            // given: a replicated topic, leaders spread over the nodes
            try (Admin admin = cluster.admin(1)) {
                admin.createTopics(List.of(new NewTopic("audited", 6, (short) 3))).all().get();
            }
            // when: the audit runs against one node
            Result healthy = audit(cluster.node(2).bootstrapServers(), "--wait", "20");
            // then
            assertThat(healthy.exitCode()).as(healthy.out()).isZero();
            assertThat(healthy.out()).contains("verdict: HEALTHY", "agree on the leaders, epochs and ISRs of",
                    "node 1 (", "node 2 (", "node 3 (", "the own audits of nodes [1, 2, 3] see no violation");
            // and: each node's own audit, through at least two periodic checks after the topic, found nothing
            Map<Integer, Long> checksBefore = new HashMap<>();
            cluster.runningNodes().forEach(id -> checksBefore.put(id, cluster.node(id).auditor().completedChecks()));
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> cluster.runningNodes().stream()
                    .allMatch(id -> cluster.node(id).auditor().completedChecks() >= checksBefore.get(id) + 2));
            for (int id : cluster.runningNodes()) {
                InvariantAuditor auditor = cluster.node(id).auditor();
                assertThat(auditor.violations()).as("node " + id).isEmpty();
                for (Invariant invariant : Invariant.values()) {
                    assertThat(auditor.detectedCount(invariant)).as("node " + id + " " + invariant.tag()).isZero();
                }
            }
            assertThat(events.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                    .map(ILoggingEvent::getFormattedMessage)).isEmpty();

            // when: a node is gone
            cluster.killNode(3);
            Result degraded = audit(cluster.node(1).bootstrapServers(), "--wait", "3");
            // then: not healthy, and it says which node did not answer
            assertThat(degraded.exitCode()).as(degraded.out()).isNotZero();
            assertThat(degraded.out()).contains("node 3").doesNotContain("verdict: HEALTHY");
        } finally {
            auditLogger.detachAppender(events);
        }
    }

    private record Result(int exitCode, String out) {
    }

    private static Result audit(String bootstrap, String... more) {
        StringWriter out = new StringWriter();
        CommandLine command = new CommandLine(new AuditCommand());
        command.setOut(new PrintWriter(out));
        String[] args = new String[more.length + 2];
        args[0] = "--bootstrap";
        args[1] = bootstrap;
        System.arraycopy(more, 0, args, 2, more.length);
        int code = command.execute(args);
        System.out.println("[audit] exit " + code + "\n" + out);
        return new Result(code, out.toString());
    }
}
