package io.cairn.server;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;

/**
 * A Cairn node in its own JVM, started through the real command line, so tests can kill -9 it.
 */
final class NodeProcess implements AutoCloseable {

    private final Path dataDir;
    private final int port;
    private final Path logFile;
    private Process process;

    NodeProcess(Path dataDir) throws IOException {
        this.dataDir = dataDir;
        this.port = freePort();
        this.logFile = dataDir.resolveSibling(dataDir.getFileName() + ".log");
    }

    void start() throws IOException {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", classpath, CairnMain.class.getName(), "start",
                "--host", "127.0.0.1", "--port", Integer.toString(port), "--data-dir", dataDir.toString()));
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .start();
        Awaitility.await("node listening on " + port).atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("node exited with " + process.exitValue() + ", see " + logFile);
                    }
                    try (Socket probe = new Socket("127.0.0.1", port)) {
                        return probe.isConnected();
                    } catch (IOException e) {
                        return false;
                    }
                });
    }

    /** SIGKILL, and wait until the process is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    Path logFile() {
        return logFile;
    }

    @Override
    public void close() {
        try {
            if (process != null && process.isAlive()) {
                process.destroy();
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    kill();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
