package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kafkajs (Node.js): admin, idempotent producer with gzip, keys and headers, and a consumer group reading it all back. */
class KafkajsIT {

    private static final Path CHECK_DIR = Path.of("src/test/kafkajs");

    @TempDir
    Path dataDir;

    @Test
    void kafkajsProducesAndConsumesInAGroup() throws Exception {
        assumeTrue(Files.isDirectory(CHECK_DIR.resolve("node_modules/kafkajs")),
                "kafkajs is not installed (.ci/run runs npm ci in " + CHECK_DIR + ")");
        try (TestNode node = TestNode.start(dataDir)) {
            // when
            Process process = new ProcessBuilder("node", "check.js", node.bootstrapServers(), "from-kafkajs", "--consume")
                    .directory(CHECK_DIR.toFile())
                    .redirectErrorStream(true)
                    .start();
            boolean finished = process.waitFor(90, TimeUnit.SECONDS);
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!finished) {
                process.destroyForcibly();
            }

            // then
            assertThat(finished).as("kafkajs finished: " + output).isTrue();
            assertThat(process.exitValue()).as(output).isZero();
            assertThat(output).contains("kafkajs check passed: 100 records");
            assertThat(ProduceConsumeIT.readAll(node, "from-kafkajs", 2, 100)).hasSize(100);
        }
    }
}
