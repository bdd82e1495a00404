package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** librdkafka, through kcat: produce and consume with every codec, keys and headers. */
class KcatIT {

    @TempDir
    static Path dataDir;
    static TestNode node;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/kcat")), "kcat is not installed (.ci/run installs it)");
        node = TestNode.start(dataDir);
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
    void kcatProducesAndJavaConsumes(String codec) throws Exception {
        // given
        String topic = "kcat-in-" + codec;
        try (Admin admin = node.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        StringBuilder input = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            input.append("key-").append(i).append(':').append("value-").append(i).append('\n');
        }

        // when
        Result produced = kcat(input.toString(), "-P", "-t", topic, "-K:", "-z", codec,
                "-H", "source=kcat", "-X", "enable.idempotence=true");

        // then
        assertThat(produced.exitCode).as(produced.output).isZero();
        List<ConsumerRecord<String, String>> read = ProduceConsumeIT.readAll(node, topic, 1, 100);
        assertThat(read).hasSize(100);
        assertThat(read.get(42).key()).isEqualTo("key-42");
        assertThat(read.get(42).value()).isEqualTo("value-42");
        assertThat(new String(read.get(42).headers().lastHeader("source").value(), StandardCharsets.UTF_8))
                .isEqualTo("kcat");
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
    void javaProducesAndKcatConsumes(String codec) throws Exception {
        // given
        String topic = "kcat-out-" + codec;
        try (KafkaProducer<String, String> producer = node.producer(Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec))) {
            for (int i = 0; i < 100; i++) {
                ProducerRecord<String, String> record = new ProducerRecord<>(topic, "key-" + i, "value-" + i);
                record.headers().add("n", Integer.toString(i).getBytes(StandardCharsets.UTF_8));
                producer.send(record);
            }
            producer.flush();
        }

        // when
        Result consumed = kcat("", "-C", "-t", topic, "-o", "beginning", "-e", "-f", "%k=%s|%h|%o\\n");

        // then
        assertThat(consumed.exitCode).as(consumed.output).isZero();
        List<String> lines = consumed.output.lines().filter(l -> l.startsWith("key-")).toList();
        assertThat(lines).hasSize(100);
        assertThat(lines.get(7)).isEqualTo("key-7=value-7|n=7|7");
    }

    private record Result(int exitCode, String output) {
    }

    private static Result kcat(String stdin, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("/usr/bin/kcat", "-b", node.bootstrapServers()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("kcat did not finish: " + command);
        }
        return new Result(process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
}
