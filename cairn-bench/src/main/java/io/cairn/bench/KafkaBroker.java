package io.cairn.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.common.Uuid;

/**
 * Apache Kafka (kafka_2.13, the version of the pinned kafka-clients) in KRaft combined mode: one
 * process that is both broker and controller, node id 1, formatted with a fresh cluster id.
 * The classpath is cairn-bench/target/kafka-lib (copied by the build).
 */
final class KafkaBroker extends Broker {

    private final Path kafkaLib;
    private final int controllerPort;
    private final Path config;
    private final Path logbackConfig;

    KafkaBroker(Path workDir, List<String> jvmOptions, Path kafkaLib) throws IOException {
        super("kafka", workDir, jvmOptions);
        this.kafkaLib = kafkaLib;
        this.controllerPort = freePort();
        this.config = workDir.resolve("server.properties");
        this.logbackConfig = workDir.resolve("logback.xml");
        if (!Files.isDirectory(kafkaLib)) {
            throw new IOException("no Kafka classpath at " + kafkaLib + " (build with: mvn -Pbench -pl cairn-bench package)");
        }
    }

    private String classpath() {
        return kafkaLib.toAbsolutePath() + "/*";
    }

    @Override
    void prepare() throws Exception {
        // --tls: clients on an SSL listener (Kafka's own ssl.* properties), the broker to itself on PLAINTEXT
        String clientListeners = tls == null ? "PLAINTEXT://127.0.0.1:" + port
                : "SSL://127.0.0.1:" + port + ",PLAINTEXT://127.0.0.1:" + plainPort;
        StringBuilder ssl = new StringBuilder();
        if (tls != null) {
            tls.brokerProperties().forEach((k, v) -> ssl.append(k).append('=').append(v).append('\n'));
        }
        String props = ssl + String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                "listeners=" + clientListeners + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=" + clientListeners,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL",
                "log.dirs=" + workDir.resolve("data").toAbsolutePath(),
                "num.partitions=1",
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "");
        Files.writeString(config, props);
        // Kafka's shipped log4j2 config logs at INFO with the request logger at WARN; the same here.
        Files.writeString(logbackConfig, """
                <configuration>
                  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{36} - %msg%n</pattern></encoder>
                  </appender>
                  <logger name="kafka.request.logger" level="WARN"/>
                  <logger name="org.apache.kafka.clients" level="WARN"/>
                  <root level="INFO"><appender-ref ref="OUT"/></root>
                </configuration>
                """);
        List<String> cmd = new ArrayList<>(Broker.javaCommand(List.of("-Xmx256m",
                "-Dlogback.configurationFile=" + logbackConfig.toAbsolutePath()), classpath(), "kafka.tools.StorageTool"));
        cmd.addAll(List.of("format", "-t", Uuid.randomUuid().toString(), "-c", config.toAbsolutePath().toString()));
        Process format = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(workDir.resolve("format.out").toFile()).start();
        if (!format.waitFor(60, TimeUnit.SECONDS)) {
            format.destroyForcibly();
            throw new IllegalStateException("kafka-storage format did not finish in 60 s");
        }
        if (format.exitValue() != 0) {
            throw new IllegalStateException("kafka-storage format failed: "
                    + Files.readString(workDir.resolve("format.out")));
        }
    }

    @Override
    List<String> command() {
        List<String> opts = new ArrayList<>(jvmOptions);
        opts.add("-Dlogback.configurationFile=" + logbackConfig.toAbsolutePath());
        List<String> cmd = new ArrayList<>(Broker.javaCommand(opts, classpath(), "kafka.Kafka"));
        cmd.add(config.toAbsolutePath().toString());
        return cmd;
    }
}
