package io.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.cairn.server.chaos.Campaign;
import io.cairn.server.chaos.ChaosReport;
import io.cairn.server.chaos.Nemesis;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cairn chaos}'s campaign against three node processes, with a nemesis that kills, restarts, pauses and
 * resumes them as the user's commands would: a seeded schedule of five faults (kills and a pause) on the
 * controller, partition leaders and any node, with a transactional producer beside the idempotent ones, and the
 * verdict that nothing acknowledged was lost, duplicated or reordered, no aborted record was read, and the group
 * resumed from its commits. (The verdict's detection of each failure is {@code LedgerTest}'s; the command
 * line's, {@code ChaosCommandTest}'s.)
 */
class ChaosIT {

    @TempDir
    Path root;

    @Test
    void aSeededCampaignOfKillsAndPausesLosesNothingAcknowledged() throws Exception {
        try (ProcessCluster cluster = new ProcessCluster(root, 3, List.of(
                "-o", "broker.session.timeout.ms=3000", "-o", "broker.heartbeat.interval.ms=500"))) {
            cluster.startAll();
            // a node logs that it started before its registration is committed: the campaign begins on all three
            try (Admin admin = Admin.create(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
                    cluster.bootstrapServers()))) {
                Awaitility.await("three brokers registered").atMost(Duration.ofSeconds(90))
                        .until(() -> admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size() == 3);
            }
            StringWriter progress = new StringWriter();
            Campaign.Settings settings = new Campaign.Settings(
                    Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()),
                    Duration.ofMinutes(10), 5, 7L, "chaos", 3, 2, 1000, true, Duration.ofSeconds(90));
            // when
            ChaosReport report = new Campaign(settings, new ClusterNemesis(cluster), new PrintWriter(progress)).run();
            // then
            String text = report.text();
            System.out.println(progress);
            System.out.println(text);
            assertThat(report.passed()).as(text).isTrue();
            assertThat(report.faults()).as(text).hasSize(5);
            assertThat(report.faults()).extracting(Campaign.Fault::kind).contains("kill", "pause");
            assertThat(text.strip().lines().reduce((a, b) -> b).orElseThrow())
                    .matches("faults 5, acked [1-9][0-9]*, lost 0, duplicated 0");
            assertThat(report.json()).contains("\"lost\" : 0", "\"faultCount\" : 5", "\"abortedRead\" : 0");
            assertThat(text).containsPattern("transactions: [1-9][0-9]* transactions committed, [1-9][0-9]* aborted "
                    + "on purpose");
            assertThat(report.html()).startsWith("<!DOCTYPE html>").contains("<svg", "passed");
        }
    }

    /** Acts on the cluster's processes as {@code bin/cairn-cluster kill|start|pause|resume} does. */
    private record ClusterNemesis(ProcessCluster cluster) implements Nemesis {
        @Override
        public void kill(int node) throws Exception {
            cluster.kill(node);
        }

        @Override
        public void start(int node) throws Exception {
            cluster.start(node);
        }

        @Override
        public boolean canPause() {
            return true;
        }

        @Override
        public void pause(int node) throws Exception {
            cluster.pause(node);
        }

        @Override
        public void resume(int node) throws Exception {
            cluster.resume(node);
        }
    }
}
