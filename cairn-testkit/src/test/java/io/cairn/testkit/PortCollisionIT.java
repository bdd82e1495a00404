package io.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Node;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A port a harness picked can be taken by someone else before its node binds it (another test JVM, anything on a
 * busy machine); the harnesses then start again on fresh ports. Here the test itself takes a picked port in that
 * window and holds it.
 */
class PortCollisionIT {

    @TempDir
    Path root;

    @Test
    void aProcessClusterStartsOnFreshPortsWhenItsKafkaPortIsTaken() throws Exception {
        // given: the first port picked (node 1's Kafka port) is bound by someone else before the node starts
        try (Squatter squatter = new Squatter(1);
             ProcessCluster cluster = new ProcessCluster(root, 1, List.of(), squatter)) {
            // when
            cluster.startAll();

            // then: the node runs on another port, and serves there
            assertThat(squatter.picked()).hasSizeGreaterThan(1);
            assertThat(cluster.kafkaPort(1)).isNotEqualTo(squatter.taken());
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    cluster.bootstrapServers()))) {
                assertThat(admin.describeCluster().nodes().get()).extracting(Node::port)
                        .containsExactly(cluster.kafkaPort(1));
            }
        }
    }

    @Test
    void aProcessClusterStartsOnFreshPortsWhenARaftPortIsTaken() throws Exception {
        // given: node 2's Raft port (picks: Kafka 1, Raft 1, Kafka 2, Raft 2) is bound by someone else, so node 1
        // is up when node 2 fails
        try (Squatter squatter = new Squatter(4);
             ProcessCluster cluster = new ProcessCluster(root, 2, List.of(), squatter)) {
            // when
            cluster.startAll();

            // then: both nodes run, on fresh ports, as one cluster
            assertThat(cluster.running()).containsExactly(1, 2);
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    cluster.bootstrapServers()))) {
                Awaitility.await().atMost(Duration.ofSeconds(60))
                        .until(() -> admin.describeCluster().nodes().get().size() == 2);
            }
        }
    }

    @Test
    void anInProcessClusterStartsOnFreshPortsWhenARaftPortIsTaken() throws Exception {
        // given: node 2's Raft port is bound by someone else before node 2 starts (node 1 is up by then)
        try (Squatter squatter = new Squatter(2);
             CairnCluster cluster = CairnCluster.start(root, 3, Map.of(), squatter)) {
            // then: every node runs, registered everywhere, and no voter is on the taken port
            assertThat(squatter.picked()).hasSizeGreaterThan(3);
            assertThat(cluster.runningNodes()).containsExactly(1, 2, 3);
            assertThat(cluster.voters().split(",")).noneMatch(voter -> voter.endsWith(":" + squatter.taken()));
        }
    }

    /** Picks ports as the harnesses do, and binds the {@code n}th one itself, as another process would. */
    private static final class Squatter implements PortSource, AutoCloseable {

        private final int n;
        private final List<Integer> picked = new ArrayList<>();
        private ServerSocket held;

        Squatter(int n) {
            this.n = n;
        }

        @Override
        public int next() throws IOException {
            int port = TestPorts.unused();
            picked.add(port);
            if (picked.size() == n) {
                held = new ServerSocket();
                held.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            }
            return port;
        }

        List<Integer> picked() {
            return picked;
        }

        int taken() {
            return picked.get(n - 1);
        }

        @Override
        public void close() throws IOException {
            if (held != null) {
                held.close();
            }
        }
    }
}
