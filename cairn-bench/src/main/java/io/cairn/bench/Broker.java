package io.cairn.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A broker under test, always a separate OS process with a fresh data directory, listening on
 * 127.0.0.1 only. Subclasses say how to prepare and launch it.
 */
abstract class Broker implements Target, AutoCloseable {

    final String name;
    final Path workDir;
    final List<String> jvmOptions;
    /** The port clients connect to: PLAINTEXT, or with {@code --tls} SSL. */
    final int port;
    /** With {@code --tls}: the stores, and the PLAINTEXT port the broker still needs for itself; else null, -1. */
    BenchTls tls;
    int plainPort = -1;
    private Process process;
    private long launchNanos;
    private Path logFile;

    Broker(String name, Path workDir, List<String> jvmOptions) throws IOException {
        this.name = name;
        this.workDir = workDir;
        this.jvmOptions = jvmOptions;
        this.port = freePort();
        Files.createDirectories(workDir);
    }

    /** Serves clients over TLS on {@link #port} (and itself over PLAINTEXT on {@link #plainPort}). */
    Broker tls(BenchTls stores) throws IOException {
        this.tls = stores;
        this.plainPort = freePort();
        return this;
    }

    @Override
    public Map<String, String> clientProperties() {
        return tls == null ? Map.of() : tls.clientProperties();
    }

    /** Work done before the measured start (Kafka: formatting the log dir). Not timed as start-up. */
    void prepare() throws Exception {
    }

    /** The full command line (java ... main args). */
    abstract List<String> command() throws IOException;

    @Override
    public String bootstrap() {
        return "127.0.0.1:" + port;
    }

    @Override
    public List<String> nodeBootstraps() {
        return List.of(bootstrap());
    }

    @Override
    public int replicationFactor() {
        return 1;
    }

    /** Launches the process (again, after a kill: its log is appended to); start-up is measured from here. */
    void launch() throws IOException {
        List<String> cmd = command();
        logFile = workDir.resolve(name + ".out");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        launchNanos = System.nanoTime();
        process = pb.start();
    }

    @Override
    public long launchNanos() {
        return launchNanos;
    }

    long pid() {
        return process.pid();
    }

    @Override
    public boolean alive() {
        return process != null && process.isAlive();
    }

    @Override
    public void checkAlive() {
        if (!alive()) {
            throw new IllegalStateException(name + " process exited (code "
                    + (process == null ? "?" : process.exitValue()) + "); log tail:\n" + logTail(30));
        }
    }

    /** Resident set size in MiB, from /proc/PID/status VmRSS; NaN when unavailable. */
    @Override
    public double rssMiB() {
        return ProcFs.rssMiB(pid());
    }

    /** CPU seconds (user + system) the broker process has used so far; NaN when unavailable. */
    @Override
    public double cpuSeconds() {
        return ProcFs.cpuSeconds(pid());
    }

    @Override
    public String logTail(int lines) {
        if (logFile == null || !Files.exists(logFile)) {
            return "(no log)";
        }
        try {
            List<String> all = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    /** Stops the process (SIGTERM, then SIGKILL after 20 s) and deletes the data directory. */
    @Override
    public void close() {
        if (process != null) {
            process.destroy();
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    void deleteWorkDir() {
        deleteRecursively(workDir);
    }

    /** Deletes the broker's data (several GB after a round) and keeps its configuration and log. */
    void deleteDataKeepLog() {
        deleteRecursively(workDir.resolve("data"));
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static List<String> javaCommand(List<String> jvmOptions, String classpath, String mainClass) {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBin());
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(mainClass);
        return cmd;
    }
}
