package io.cairn.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import io.cairn.server.CairnConfig;
import io.cairn.server.CairnNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The short campaign of the default test suite: 20,000 frames (valid, mutated, raw) against an in-process
 * node, which must answer or close every one, keep serving a normal producer and consumer, log no WARN or
 * ERROR, keep its threads and a bounded heap. {@code -Dcairn.fuzz.seed=N} replays a campaign.
 */
class FuzzIT {

    private static final int MAX_REQUEST_BYTES = 1024 * 1024;


    @TempDir
    Path dataDir;

    @Test
    void aNodeSurvivesTwentyThousandFuzzedFrames() throws Exception {
        // given
        long seed = Long.getLong("cairn.fuzz.seed", 20_260_15L);
        Map<String, Object> properties = new HashMap<>();
        properties.put(CairnConfig.LISTENERS, "PLAINTEXT://127.0.0.1:0");
        properties.put(CairnConfig.LOG_DIRS, dataDir.toString());
        properties.put(CairnConfig.SOCKET_REQUEST_MAX_BYTES, MAX_REQUEST_BYTES);
        try (CairnNode node = new CairnNode(new CairnConfig(properties))) {
            node.start();
            node.awaitRegistered(Duration.ofSeconds(30));
            try (InProcessWatch watch = new InProcessWatch(512L << 20)) {
                Fuzzer.Options options = new Fuzzer.Options(node.bootstrapServers(), seed, 20_000, null, 4, 10_000,
                        MAX_REQUEST_BYTES, Duration.ofSeconds(2));

                // when
                FuzzReport report = new Fuzzer(options, watch).run();

                // then
                System.out.println(report);
                assertThat(report.frames()).isEqualTo(20_000);
                assertThat(report.problems()).as("seed %d", seed).isEmpty();
            }
        }
    }
}
