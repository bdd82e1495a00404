package io.cairn.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The librdkafka the SCRAM tests of kcat and confluent-kafka-python load. librdkafka before 2.6.1 sends the client
 * nonce twice in the final SCRAM message (confluentinc/librdkafka#4895), which Kafka 4's brokers refuse (RFC 5802,
 * CVE-2024-56128) and so does Cairn; Debian 12 has 2.0.2. {@code .ci/run} builds a newer one from source and names
 * its directory in {@value #DIR_ENV}; the clients then load it through {@code LD_LIBRARY_PATH} (librdkafka keeps its
 * ABI, so Debian's kcat and Python binding run on it unchanged).
 */
final class Librdkafka {

    /** The directory holding a librdkafka.so.1 of 2.6.1 or later. */
    static final String DIR_ENV = "CAIRN_LIBRDKAFKA_DIR";

    private static final Pattern VERSION = Pattern.compile("librdkafka (\\d+)\\.(\\d+)\\.(\\d+)");

    private Librdkafka() {
    }

    /** The environment that makes a client process load the librdkafka of {@value #DIR_ENV}, if it names one. */
    static Map<String, String> env() {
        String dir = System.getenv(DIR_ENV);
        if (dir == null || !Files.isRegularFile(Path.of(dir, "librdkafka.so.1"))) {
            return Map.of();
        }
        return Map.of("LD_LIBRARY_PATH", dir);
    }

    /** Whether kcat, run with {@link #env()}, uses a librdkafka that logs in with SCRAM as RFC 5802 says. */
    static boolean kcatSendsRfcScram() throws IOException, InterruptedException {
        if (!Files.isExecutable(Path.of("/usr/bin/kcat"))) {
            return false;
        }
        ProcessBuilder builder = new ProcessBuilder("kcat", "-V").redirectErrorStream(true);
        builder.environment().putAll(env());
        Process version = builder.start();
        String text = new String(version.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        version.waitFor(10, TimeUnit.SECONDS);
        Matcher m = VERSION.matcher(text);
        return m.find() && atLeast261(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                Integer.parseInt(m.group(3)));
    }

    /** Whether {@code python} imports confluent_kafka, run with {@link #env()}, on a librdkafka of 2.6.1 or later. */
    static boolean pythonSendsRfcScram(String python) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(python, "-c",
                "import confluent_kafka; print('librdkafka ' + confluent_kafka.libversion()[0])")
                .redirectErrorStream(true);
        builder.environment().putAll(env());
        Process version = builder.start();
        String text = new String(version.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!version.waitFor(30, TimeUnit.SECONDS) || version.exitValue() != 0) {
            return false;
        }
        Matcher m = VERSION.matcher(text);
        return m.find() && atLeast261(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                Integer.parseInt(m.group(3)));
    }

    private static boolean atLeast261(int major, int minor, int patch) {
        return major > 2 || (major == 2 && (minor > 6 || (minor == 6 && patch >= 1)));
    }
}
