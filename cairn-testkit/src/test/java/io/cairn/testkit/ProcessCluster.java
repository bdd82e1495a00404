package io.cairn.testkit;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.cairn.server.CairnMain;
import org.awaitility.Awaitility;

/**
 * A cluster of Cairn nodes, each in its own JVM started through the real command line, so that tests can
 * kill -9 them. Node i listens on 127.0.0.1 with a free Kafka port and a free Raft port.
 */
final class ProcessCluster implements AutoCloseable {

    private final Path root;
    private final int size;
    private final List<String> extraArgs;
    private final Map<Integer, Integer> kafkaPorts = new HashMap<>();
    private final Map<Integer, Integer> raftPorts = new HashMap<>();
    private final Map<Integer, Process> processes = new HashMap<>();

    ProcessCluster(Path root, int size, List<String> extraArgs) throws IOException {
        this.root = root;
        this.size = size;
        this.extraArgs = extraArgs;
        for (int id = 1; id <= size; id++) {
            kafkaPorts.put(id, TestPorts.unused());
            raftPorts.put(id, TestPorts.unused());
        }
    }

    String bootstrapServers() {
        return kafkaPorts.values().stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    }

    private String voters() {
        return raftPorts.entrySet().stream().map(e -> e.getKey() + "@127.0.0.1:" + e.getValue())
                .collect(Collectors.joining(","));
    }

    void startAll() throws IOException {
        for (int id = 1; id <= size; id++) {
            start(id);
        }
    }

    /** Launches node {@code id} on its data; returns once its Kafka listener accepts connections. */
    void start(int id) throws IOException {
        Path dir = root.resolve("node" + id);
        Files.createDirectories(dir);
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx384m",
                "-cp", classpath, CairnMain.class.getName(), "start",
                "--node-id", Integer.toString(id), "--host", "127.0.0.1",
                "--port", Integer.toString(kafkaPorts.get(id)), "--data-dir", dir.resolve("data").toString(),
                "-o", "controller.quorum.voters=" + voters()));
        command.addAll(extraArgs);
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("cairn.log").toFile())).start();
        processes.put(id, process);
        int port = kafkaPorts.get(id);
        Awaitility.await("node " + id + " listening").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100)).until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("node " + id + " exited; see " + dir.resolve("cairn.log"));
                    }
                    try (Socket ignored = new Socket("127.0.0.1", port)) {
                        return true;
                    } catch (IOException e) {
                        return false;
                    }
                });
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
