package io.cairn.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.cairn.server.CairnMain;
import org.awaitility.Awaitility;

/**
 * A cluster of Cairn nodes, each in its own JVM started through the real command line, so that tests can
 * kill -9 them. Node i listens on 127.0.0.1 with a Kafka port and a Raft port it keeps across restarts, both
 * picked by a {@link PortSource}; a node alone has no Raft port to pick (a lone voter binds any, never dialled).
 * Not thread-safe: drive it from the test thread.
 */
final class ProcessCluster implements AutoCloseable {

    /** What a node logs once its Kafka listener and its Raft server are bound (CairnNode.start). */
    private static final String STARTED = "Cairn started in";
    private static final int START_ATTEMPTS = 3;

    private final Path root;
    private final int size;
    private final List<String> extraArgs;
    private final PortSource ports;
    private final Map<Integer, Integer> kafkaPorts = new HashMap<>();
    private final Map<Integer, Integer> raftPorts = new HashMap<>();
    private final Map<Integer, Process> processes = new HashMap<>();

    ProcessCluster(Path root, int size, List<String> extraArgs) throws IOException {
        this(root, size, extraArgs, TestPorts::unused);
    }

    ProcessCluster(Path root, int size, List<String> extraArgs, PortSource ports) throws IOException {
        this.root = root;
        this.size = size;
        this.extraArgs = extraArgs;
        this.ports = ports;
        pickPorts();
    }

    private void pickPorts() throws IOException {
        for (int id = 1; id <= size; id++) {
            kafkaPorts.put(id, ports.next());
            if (size > 1) {
                raftPorts.put(id, ports.next());
            }
        }
    }

    String bootstrapServers() {
        return kafkaPorts.values().stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    }

    private String voters() {
        return raftPorts.entrySet().stream().map(e -> e.getKey() + "@127.0.0.1:" + e.getValue())
                .collect(Collectors.joining(","));
    }

    /**
     * Starts every node of a fresh cluster. A port picked for it can be taken by someone else before its node
     * binds it: the cluster then starts again from an empty root on fresh ports, up to {@value #START_ATTEMPTS}
     * times.
     */
    void startAll() throws IOException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                for (int id = 1; id <= size; id++) {
                    start(id);
                }
                return;
            } catch (IOException | RuntimeException e) {
                close();
                if (attempt >= START_ATTEMPTS || !TestPorts.taken(e)) {
                    throw e;
                }
                deleteContents(root);
                pickPorts();
            }
        }
    }

    /**
     * Launches node {@code id} on its data; returns once it logs that it started (its listeners are bound), which
     * a port probe cannot tell from someone else holding the port.
     *
     * @throws IOException the node exited instead, with its log's account of why
     */
    void start(int id) throws IOException {
        Path dir = root.resolve("node" + id);
        Files.createDirectories(dir);
        Path logFile = dir.resolve("cairn.log");
        long logStart = Files.exists(logFile) ? Files.size(logFile) : 0;
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx384m",
                "-cp", classpath, CairnMain.class.getName(), "start",
                "--node-id", Integer.toString(id), "--host", "127.0.0.1",
                "--port", Integer.toString(kafkaPorts.get(id)), "--data-dir", dir.resolve("data").toString()));
        if (!raftPorts.isEmpty()) {
            command.addAll(List.of("-o", "controller.quorum.voters=" + voters()));
        }
        command.addAll(extraArgs);
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
        processes.put(id, process);
        Awaitility.await("node " + id + " started").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> !process.isAlive() || logSince(logFile, logStart).contains(STARTED));
        if (!process.isAlive()) {
            processes.remove(id);
            throw new IOException("node " + id + " exited with " + process.exitValue() + ": "
                    + failureLines(logSince(logFile, logStart)) + " (see " + logFile + ")");
        }
    }

    private static String logSince(Path logFile, long offset) throws IOException {
        byte[] all = Files.readAllBytes(logFile);
        return new String(all, (int) Math.min(offset, all.length), (int) Math.max(0, all.length - offset),
                StandardCharsets.UTF_8);
    }

    /** The lines of a dead node's log that say why it stopped: its own last word, and any failed bind. */
    private static String failureLines(String log) {
        return log.lines().filter(line -> line.startsWith("cairn:") || line.contains(TestPorts.ADDRESS_IN_USE))
                .distinct().collect(Collectors.joining(" | "));
    }

    private static void deleteContents(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).filter(p -> !p.equals(dir)).toList()) {
                Files.delete(path);
            }
        }
    }

    /** SIGKILL; returns once the process is gone. */
    void kill(int id) throws InterruptedException {
        Process process = processes.remove(id);
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** SIGSTOP: the node's process is frozen (a long GC, a VM stall, a frozen container) until {@link #resume}. */
    void pause(int id) throws IOException, InterruptedException {
        signal(id, "STOP");
    }

    /** SIGCONT of a paused node. */
    void resume(int id) throws IOException, InterruptedException {
        signal(id, "CONT");
    }

    private void signal(int id, String signal) throws IOException, InterruptedException {
        Process process = processes.get(id);
        if (process == null) {
            throw new IllegalStateException("node " + id + " is not running");
        }
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
                .redirectErrorStream(true).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill -" + signal + " of node " + id + " failed");
        }
    }

    int kafkaPort(int id) {
        return kafkaPorts.get(id);
    }

    List<Integer> running() {
        return processes.keySet().stream().sorted().toList();
    }

    @Override
    public void close() throws InterruptedException {
        for (int id : List.copyOf(processes.keySet())) {
            try {
                resume(id); // a paused JVM cannot run its shutdown hook
            } catch (IOException | RuntimeException e) {
                // already gone
            }
        }
        for (Process process : processes.values()) {
            process.destroy();
        }
        for (Process process : processes.values()) {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
        processes.clear();
    }

}
