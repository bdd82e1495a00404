package io.cairn.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Cairn, launched like bin/cairn does: cairn-server's jar plus cairn-server/target/lib, running
 * {@code CairnMain start} on 127.0.0.1 with a fresh data directory.
 */
final class CairnBroker extends Broker {

    private final Path serverTarget;
    private final List<String> extraArgs;

    CairnBroker(Path workDir, List<String> jvmOptions, Path cairnHome, List<String> extraArgs) throws IOException {
        super("cairn", workDir, jvmOptions);
        this.serverTarget = cairnHome.resolve("cairn-server/target");
        this.extraArgs = extraArgs;
    }

    static Path serverJar(Path serverTarget) throws IOException {
        if (Files.isDirectory(serverTarget)) {
            try (DirectoryStream<Path> jars = Files.newDirectoryStream(serverTarget, "cairn-server-*.jar")) {
                for (Path jar : jars) {
                    String n = jar.getFileName().toString();
                    if (!n.endsWith("-sources.jar") && !n.endsWith("-tests.jar") && !n.endsWith("-javadoc.jar")) {
                        return jar;
                    }
                }
            }
        }
        throw new IOException("no cairn-server jar in " + serverTarget
                + " (build with: mvn -DskipTests package at the repository root)");
    }

    @Override
    List<String> command() throws IOException {
        String classpath = serverJar(serverTarget).toAbsolutePath() + ":" + serverTarget.resolve("lib").toAbsolutePath() + "/*";
        List<String> cmd = new ArrayList<>(Broker.javaCommand(jvmOptions, classpath, "io.cairn.server.CairnMain"));
        cmd.add("start");
        if (tls == null) {
            cmd.addAll(List.of("--host", "127.0.0.1", "--port", Integer.toString(port)));
        } else {
            // --tls: clients on an SSL listener (Kafka's ssl.* properties), the node to itself on PLAINTEXT
            cmd.addAll(List.of("-o", "listeners=PLAINTEXT://127.0.0.1:" + plainPort + ",SSL://127.0.0.1:" + port));
            tls.brokerProperties().forEach((k, v) -> cmd.addAll(List.of("-o", k + "=" + v)));
        }
        cmd.addAll(List.of("--data-dir", workDir.resolve("data").toAbsolutePath().toString(), "--node-id", "1"));
        cmd.addAll(extraArgs);
        return cmd;
    }
}
