package io.cairn.fuzz;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code cairn-fuzz} command line: one campaign against a running node, its report on standard output. */
@Command(name = "cairn-fuzz", mixinStandardHelpOptions = true,
        description = "Sends valid, mutated and raw Kafka protocol frames to a node while a normal producer and "
                + "consumer check that it stays healthy. Exit code 0: healthy; 1: problems found.")
public final class FuzzMain implements Callable<Integer> {

    @Option(names = "--bootstrap", defaultValue = "localhost:9092", description = "host:port of the node (${DEFAULT-VALUE})")
    String bootstrap;

    @Option(names = "--frames", defaultValue = "0", description = "frames to send (0: until --duration)")
    long frames;

    @Option(names = "--duration", description = "how long to run, e.g. 15m, 90s (default 60s without --frames)")
    String duration;

    @Option(names = "--seed", description = "seed of the campaign (default: random, printed)")
    Long seed;

    @Option(names = "--connections", defaultValue = "4", description = "connections in parallel (${DEFAULT-VALUE})")
    int connections;

    @Option(names = "--hang-ms", defaultValue = "10000",
            description = "a frame neither answered nor closed this long after what the request allows is a hang (${DEFAULT-VALUE})")
    long hangMs;

    @Option(names = "--max-request-bytes", defaultValue = "104857600",
            description = "the node's socket.request.max.bytes (${DEFAULT-VALUE})")
    int maxRequestBytes;

    @Option(names = "--metrics-url", description = "the node's Prometheus endpoint, e.g. http://localhost:9464/metrics: heap and threads")
    String metricsUrl;

    @Option(names = "--node-log", description = "the node's log file: WARN/ERROR lines and stack traces written during the run")
    Path nodeLog;

    @Option(names = "--heap-bound-mb", defaultValue = "768", description = "heap used (after the run) above this is a problem (${DEFAULT-VALUE})")
    long heapBoundMb;

    public static void main(String[] args) {
        System.exit(new CommandLine(new FuzzMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        long campaignSeed = seed != null ? seed : new java.util.Random().nextLong();
        Duration length = duration != null ? parse(duration) : frames > 0 ? null : Duration.ofSeconds(60);
        Fuzzer.Options options = new Fuzzer.Options(bootstrap, campaignSeed, frames, length, connections, hangMs,
                maxRequestBytes, Duration.ofSeconds(5));
        System.out.printf("cairn-fuzz: seed %d, %s against %s%n", campaignSeed,
                frames > 0 ? frames + " frames" : "for " + length, bootstrap);
        RemoteWatch watch = new RemoteWatch(metricsUrl, nodeLog, heapBoundMb << 20);
        FuzzReport report = new Fuzzer(options, watch).run();
        System.out.print(report);
        return report.healthy() ? 0 : 1;
    }

    static Duration parse(String text) {
        String t = text.trim().toLowerCase();
        long n = Long.parseLong(t.replaceAll("[a-z]+$", ""));
        if (t.endsWith("ms")) {
            return Duration.ofMillis(n);
        }
        if (t.endsWith("h")) {
            return Duration.ofHours(n);
        }
        if (t.endsWith("m")) {
            return Duration.ofMinutes(n);
        }
        return Duration.ofSeconds(n);
    }
}
