package io.cairn.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.cairn.metadata.BrokerImage;
import io.cairn.metadata.MetadataImage;
import io.cairn.server.CairnConfig;
import io.cairn.server.CairnNode;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * An in-process cluster of N Cairn nodes on 127.0.0.1 for tests: real Netty listeners (free ports), a real
 * Ratis group (free Raft ports), each node with its own data directory under one root. Nodes can be stopped
 * cleanly, crashed (closed abruptly) and restarted on their data.
 *
 * <p>Node ids are 1..N. Not thread-safe: drive it from the test thread.
 */
public final class CairnCluster implements AutoCloseable {

    private final Path root;
    private final int size;
    private final Map<String, Object> overrides;
    private final List<Integer> raftPorts = new ArrayList<>();
    private final Map<Integer, CairnNode> nodes = new HashMap<>();

    private CairnCluster(Path root, int size, Map<String, Object> overrides, PortSource ports) throws IOException {
        this.root = root;
        this.size = size;
        this.overrides = overrides;
        // Ratis keeps the voters' addresses in its log: a cluster reopened on the same root must reuse them.
        Path portsFile = root.resolve(RAFT_PORTS_FILE);
        if (Files.exists(portsFile)) {
            for (String port : Files.readString(portsFile).trim().split(",")) {
                raftPorts.add(Integer.parseInt(port));
            }
            if (raftPorts.size() != size) {
                throw new IllegalStateException(root + " holds a cluster of " + raftPorts.size() + " nodes, not "
                        + size);
            }
        } else {
            for (int i = 0; i < size; i++) {
                raftPorts.add(ports.next());
            }
            Files.createDirectories(root);
            Files.writeString(portsFile, raftPorts.stream().map(String::valueOf).collect(Collectors.joining(",")));
        }
    }

    private static final String RAFT_PORTS_FILE = "raft-ports";

    /** Starts {@code size} nodes under {@code root} and waits until every one is registered everywhere. */
    public static CairnCluster start(Path root, int size) throws Exception {
        return start(root, size, Map.of());
    }

    /** As above, with node overrides. */
    public static CairnCluster start(Path root, int size, Map<String, Object> overrides) throws Exception {
        return start(root, size, overrides, TestPorts::unused);
    }

    /**
     * As above, with the Raft ports from {@code ports}. A Raft port is chosen free and bound only when its node
     * starts (every voter must know the others' before any starts), so another process (on CI, another test JVM)
     * can take it in between: a fresh cluster that finds one taken starts again from an empty root on new ports,
     * up to {@value #START_ATTEMPTS} times. The Kafka listeners bind port 0 and cannot collide.
     */
    public static CairnCluster start(Path root, int size, Map<String, Object> overrides, PortSource ports)
            throws Exception {
        for (int attempt = 1; ; attempt++) {
            CairnCluster cluster = new CairnCluster(root, size, overrides, ports);
            try {
                for (int id = 1; id <= size; id++) {
                    cluster.startNode(id);
                }
                cluster.awaitAllRegistered(Duration.ofSeconds(60));
                return cluster;
            } catch (Exception | Error e) {
                cluster.close();
                if (attempt >= START_ATTEMPTS || !TestPorts.taken(e)) {
                    throw e;
                }
                deleteRecursively(root);
            }
        }
    }

    private static final int START_ATTEMPTS = 3;

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    /**
     * Opens a cluster of {@code size} voters on the data an earlier cluster left under {@code root} (same Raft
     * ports), starting only the nodes {@code running}: the others stay down, as machines that are gone. Waits
     * until every started node is registered, unfenced and seen by the others.
     */
    public static CairnCluster reopen(Path root, int size, List<Integer> running, Map<String, Object> overrides)
            throws Exception {
        CairnCluster cluster = new CairnCluster(root, size, overrides, TestPorts::unused);
        try {
            for (int id : running) {
                cluster.startNode(id);
            }
            cluster.awaitAllRegistered(Duration.ofSeconds(60));
            return cluster;
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
    }

    public String voters() {
        List<String> voters = new ArrayList<>();
        for (int id = 1; id <= size; id++) {
            voters.add(id + "@127.0.0.1:" + raftPorts.get(id - 1));
        }
        return String.join(",", voters);
    }

    public Path dataDir(int id) {
        return root.resolve("node" + id);
    }

    /** Starts node {@code id} (again) on its data directory; returns once its listener is bound. */
    public CairnNode startNode(int id) throws Exception {
        return startNode(id, Map.of());
    }

    /**
     * As above, with {@code nodeOverrides} over the cluster's overrides for this start only (a node restarted on
     * another release, e.g. without cairn.testing.metadata.format.max).
     */
    public CairnNode startNode(int id, Map<String, Object> nodeOverrides) throws Exception {
        if (nodes.containsKey(id)) {
            throw new IllegalStateException("node " + id + " is running");
        }
        Map<String, Object> properties = new HashMap<>();
        properties.put(CairnConfig.NODE_ID, id);
        properties.put(CairnConfig.LISTENERS, "PLAINTEXT://127.0.0.1:0");
        properties.put(CairnConfig.LOG_DIRS, dataDir(id).toString());
        properties.put(CairnConfig.CONTROLLER_QUORUM_VOTERS, voters());
        properties.put(CairnConfig.CONTROLLER_QUORUM_ELECTION_TIMEOUT_MS, 500);
        properties.put(CairnConfig.BROKER_HEARTBEAT_INTERVAL_MS, 500);
        properties.put(CairnConfig.NUM_IO_THREADS, 2);
        properties.put(CairnConfig.NUM_NETWORK_THREADS, 1);
        properties.putAll(overrides);
        properties.putAll(nodeOverrides);
        Files.createDirectories(dataDir(id));
        CairnNode node = new CairnNode(new CairnConfig(properties));
        try {
            node.start();
        } catch (Exception e) {
            node.close();
            throw e;
        }
        nodes.put(id, node);
        return node;
    }

    /** Stops node {@code id} cleanly. */
    public void stopNode(int id) {
        CairnNode node = nodes.remove(id);
        if (node != null) {
            node.close();
        }
    }

    /** Crashes node {@code id}: no controlled shutdown. */
    public void killNode(int id) {
        CairnNode node = nodes.remove(id);
        if (node != null) {
            node.closeAbruptly();
        }
    }

    public CairnNode node(int id) {
        CairnNode node = nodes.get(id);
        if (node == null) {
            throw new IllegalStateException("node " + id + " is not running");
        }
        return node;
    }

    public List<Integer> runningNodes() {
        return nodes.keySet().stream().sorted().toList();
    }

    /** The metadata Raft leader as the running nodes agree on it, or -1. */
    public int controllerId() {
        List<Integer> seen = nodes.values().stream().map(n -> n.metadataLog().leaderId().orElse(-1)).distinct()
                .toList();
        return seen.size() == 1 ? seen.get(0) : -1;
    }

    /** Waits until every running node is registered, unfenced and known to every running node's image. */
    public void awaitAllRegistered(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (CairnNode node : nodes.values()) {
            node.awaitRegistered(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        }
        while (!allRegisteredEverywhere()) {
            if (System.nanoTime() > deadline) {
                throw new java.util.concurrent.TimeoutException("not every node is registered everywhere: "
                        + nodes.values().stream().map(n -> n.nodeId() + "=" + n.controller().current().brokers()
                        .keySet()).collect(Collectors.joining(", ")));
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    private boolean allRegisteredEverywhere() {
        for (CairnNode node : nodes.values()) {
            MetadataImage image = node.controller().current();
            for (int id : nodes.keySet()) {
                BrokerImage broker = image.brokers().get(id);
                if (broker == null || broker.fenced() || broker.port() != nodes.get(id).port()) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Every running node's listener, comma-separated. */
    public String bootstrapServers() {
        return nodes.values().stream().map(CairnNode::bootstrapServers).collect(Collectors.joining(","));
    }

    /** An Admin client bootstrapped on one node only. */
    public Admin admin(int id) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, node(id).bootstrapServers());
        return Admin.create(props);
    }

    @Override
    public void close() {
        for (Integer id : List.copyOf(nodes.keySet())) {
            try {
                stopNode(id);
            } catch (RuntimeException e) {
                // keep closing the others
            }
        }
    }

}
