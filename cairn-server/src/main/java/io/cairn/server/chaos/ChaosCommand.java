package io.cairn.server.chaos;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.cairn.server.CommandConfig;
import org.apache.kafka.clients.CommonClientConfigs;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cairn chaos}: a seeded fault campaign against any Kafka-compatible cluster, with the user's own commands
 * to kill, start, pause and resume a node ({@link Campaign}). Prints a line per fault and the verdict, writes the
 * report as JSON and HTML, and exits 0 when nothing acknowledged was lost, duplicated or reordered and the
 * consumer group kept its promises, 1 when something was, 2 when the campaign could not run.
 */
@Command(name = "chaos", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a checked workload (idempotent acks=all producers and a consumer group) against a "
                + "cluster while a seeded nemesis kills, pauses and restarts its nodes one at a time, then check "
                + "that every acknowledged record is read back exactly once and in order per producer.",
                "In the commands, %%d is replaced by a node id, e.g. --kill-cmd 'bin/cairn-cluster kill %%d'.",
                "Exit status 0 passed, 1 something lost, duplicated, reordered or a group promise broken, "
                        + "2 the campaign could not run."})
public final class ChaosCommand implements Callable<Integer> {

    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)?");

    @Spec
    CommandSpec spec;

    @Option(names = "--bootstrap", required = true, paramLabel = "HOST:PORT[,...]",
            description = "Any node(s) of the cluster.")
    String bootstrap;

    @Option(names = "--kill-cmd", required = true, paramLabel = "CMD", description = "Kills node %%d (SIGKILL).")
    String killCommand;

    @Option(names = "--start-cmd", required = true, paramLabel = "CMD",
            description = "Starts node %%d again on its data.")
    String startCommand;

    @Option(names = "--pause-cmd", paramLabel = "CMD", description = "Freezes node %%d (SIGSTOP); with --resume-cmd.")
    String pauseCommand;

    @Option(names = "--resume-cmd", paramLabel = "CMD", description = "Thaws node %%d (SIGCONT); with --pause-cmd.")
    String resumeCommand;

    @Option(names = "--duration", paramLabel = "DURATION", defaultValue = "60s",
            description = "How long to inject faults: 90s, 10m, 2h (default ${DEFAULT-VALUE}).")
    String duration;

    @Option(names = "--max-faults", paramLabel = "N", description = "Stop after this many faults (default: none).")
    int maxFaults = Integer.MAX_VALUE;

    @Option(names = "--seed", paramLabel = "N", description = "The seed of the schedule (default: the time).")
    Long seed;

    @Option(names = "--topic", paramLabel = "NAME", description = "The topic to create (default cairn-chaos-SEED).")
    String topic;

    @Option(names = "--partitions", paramLabel = "N", defaultValue = "3",
            description = "Partitions of the topic (default ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--producers", paramLabel = "N", defaultValue = "2",
            description = "Idempotent acks=all producers (default ${DEFAULT-VALUE}).")
    int producers;

    @Option(names = "--rate", paramLabel = "N", defaultValue = "1000",
            description = "Records a second, all producers together (default ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--transactions",
            description = "Also run a transactional producer (some transactions aborted on purpose) and read "
                    + "read_committed: committed records exactly once, aborted ones never.")
    boolean transactions;

    @Option(names = "--recovery-timeout", paramLabel = "DURATION", defaultValue = "120s",
            description = "How long the cluster may take to be whole again after a fault (default ${DEFAULT-VALUE}).")
    String recoveryTimeout;

    /** Client properties (security settings, for example) for every client the campaign uses. */
    @Mixin
    CommandConfig commandConfig = new CommandConfig();

    @Option(names = "--report", paramLabel = "PREFIX",
            description = "Write PREFIX.json and PREFIX.html (default ./cairn-chaos-SEED).")
    String reportPrefix;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        long theSeed = seed != null ? seed : System.currentTimeMillis();
        Campaign.Settings settings;
        Nemesis nemesis;
        try {
            if (partitions < 1 || producers < 1 || maxFaults < 1 || rate < 1) {
                throw new IllegalArgumentException("--partitions, --producers, --rate and --max-faults must be at "
                        + "least 1");
            }
            nemesis = new ShellNemesis(killCommand, startCommand, pauseCommand, resumeCommand);
            Map<String, Object> clientConfig = clientConfig();
            settings = new Campaign.Settings(clientConfig, parseDuration("--duration", duration), maxFaults,
                    theSeed, topic != null ? topic : "cairn-chaos-" + theSeed, partitions, producers, rate,
                    transactions, parseDuration("--recovery-timeout", recoveryTimeout));
        } catch (IllegalArgumentException | IOException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        quietClients();
        ChaosReport report;
        try {
            report = new Campaign(settings, nemesis, out).run();
        } catch (Exception e) {
            spec.commandLine().getErr().println("cairn chaos: the campaign could not run: " + e);
            return 2;
        }
        String prefix = reportPrefix != null ? reportPrefix : "cairn-chaos-" + theSeed;
        Files.writeString(Path.of(prefix + ".json"), report.json(), StandardCharsets.UTF_8);
        Files.writeString(Path.of(prefix + ".html"), report.html(), StandardCharsets.UTF_8);
        out.print(report.text());
        out.println("report: " + prefix + ".json, " + prefix + ".html");
        out.flush();
        return report.passed() ? 0 : 1;
    }

    private Map<String, Object> clientConfig() throws IOException {
        Map<String, Object> config = commandConfig.properties();
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return config;
    }

    /** {@code 90}, {@code 90s}, {@code 500ms}, {@code 10m}, {@code 2h}. */
    static Duration parseDuration(String option, String text) {
        Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(option + " must be a number with an optional unit ms, s, m or h: "
                    + text);
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofSeconds(n);
        };
    }

    private static void quietClients() {
        org.slf4j.Logger kafka = org.slf4j.LoggerFactory.getLogger("org.apache.kafka");
        if (kafka instanceof ch.qos.logback.classic.Logger logger) {
            logger.setLevel(ch.qos.logback.classic.Level.ERROR);
        }
    }
}
