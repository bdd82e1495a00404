package io.cairn.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs every workload against Apache Kafka and Cairn, alternating (Kafka, Cairn, Kafka, Cairn...)
 * for a number of rounds, each broker a fresh process with a fresh data directory; prints the
 * medians and the Cairn/Kafka ratio and writes results/DATE.json and results/DATE.md.
 */
@Command(name = "cairn-bench", mixinStandardHelpOptions = true,
        description = "Benchmark Cairn against Apache Kafka (KRaft) on this machine.")
public final class BenchMain implements Callable<Integer> {

    @Option(names = "--rounds", description = "A/B rounds (default 3; 1 with --quick).")
    Integer rounds;

    @Option(names = "--quick", description = "Smoke test: 1 round, shorter workloads.")
    boolean quick;

    @Option(names = "--systems", description = "Which brokers, comma-separated (default kafka,cairn): kafka, cairn, "
            + "and Cairn with a given TLS engine, cairn-jdk and cairn-openssl (-o cairn.ssl.engine=jdk|openssl), each "
            + "reported beside Kafka.")
    String systems = "kafka,cairn";

    @Option(names = "--heap", description = "Heap of both brokers, -Xms and -Xmx (default 1g).")
    String heap = "1g";

    @Option(names = "--jvm-opt", description = "Extra JVM option for both brokers. Repeatable.")
    List<String> jvmOpts = new ArrayList<>();

    @Option(names = "--cairn-arg", description = "Extra argument to 'cairn start'. Repeatable.")
    List<String> cairnArgs = new ArrayList<>();

    @Option(names = "--cairn-home", description = "Repository root (default: system property cairn.home, else .).")
    Path cairnHome;

    @Option(names = "--kafka-lib", description = "Kafka broker classpath directory (default CAIRN_HOME/cairn-bench/target/kafka-lib).")
    Path kafkaLib;

    @Option(names = "--work-dir", description = "Where brokers' data goes (default: a new temp dir, deleted afterwards).")
    Path workDir;

    @Option(names = "--out-dir", description = "Where results go (default CAIRN_HOME/cairn-bench/results).")
    Path outDir;

    @Option(names = "--keep", description = "Keep broker data and logs after each run.")
    boolean keep;

    @Option(names = "--produce-seconds", description = "Measured seconds per producer workload (default 10; 5 with --quick).")
    Double produceSeconds;

    @Option(names = "--e2e-rate", description = "End-to-end latency rate, records/s (default 5000; 2000 with --quick).")
    Integer e2eRate;

    @Option(names = "--only", description = "Run only the workloads whose names start with these, comma-separated "
            + "(start, idle, produce_100B_acks1, produce_1KiB, consume, e2e, topics, txn (the transactional ones: "
            + "txn_produce, txn_consume, txn_e2e), ...; with --cluster also failover). Start always runs. Default: all.")
    String only = "";

    @Option(names = "--topics", description = "Topics created by the topic-creation workload (default 200).")
    Integer topics;

    @Option(names = "--cluster", description = "3 nodes of each system instead of one: launch to 3 brokers "
            + "registered, then the single-node workloads (produce, consume, end-to-end latency, topic creation, "
            + "memory and CPU summed over the 3 processes) on topics with replication factor 3 and "
            + "min.insync.replicas=2, then the failover time after kill -9 of a partition leader "
            + "(metrics prefixed cluster_; a few minutes per system and round).")
    boolean cluster;

    @Option(names = "--tls", description = "Clients connect over TLS: each broker has an SSL listener (Kafka's ssl.* "
            + "properties; a self-signed RSA 2048 certificate made with keytool in the work dir) beside a "
            + "PLAINTEXT one for itself. One broker only (not with --cluster).")
    boolean tls;

    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchMain()).execute(args));
    }

    /**
     * After a run: deletes its work directory, unless {@code --keep}; when the run had a failure, deletes only
     * the brokers' data and keeps their logs, noting where.
     */
    private void cleanUp(Path dir, Map<String, String> errors, Runnable deleteAll, Runnable deleteData,
                         List<Path> failedRunLogs) {
        if (keep) {
            return;
        }
        if (errors.isEmpty()) {
            deleteAll.run();
        } else {
            deleteData.run();
            failedRunLogs.add(dir);
        }
    }

    private static void log(String line) {
        System.err.println(line);
        System.err.flush();
    }

    @Override
    public Integer call() throws Exception {
        Path home = (cairnHome != null ? cairnHome : Path.of(System.getProperty("cairn.home", "."))).toAbsolutePath().normalize();
        Path kLib = kafkaLib != null ? kafkaLib : home.resolve("cairn-bench/target/kafka-lib");
        Path out = outDir != null ? outDir : home.resolve("cairn-bench/results");
        Settings base = quick ? Settings.quick() : Settings.full();
        Settings s = new Settings(base.partitions(),
                produceSeconds != null ? produceSeconds : base.produceSeconds(), base.produceWarmupSeconds(),
                e2eRate != null ? e2eRate : base.e2eRate(), base.e2eSeconds(), base.e2eWarmupSeconds(),
                topics != null ? topics : base.topicCount(), base.topicPartitions(), base.idleSeconds(),
                base.startTimeoutSeconds(), base.consumeTimeoutSeconds(), base.topicTimeoutSeconds());
        int n = rounds != null ? rounds : quick ? 1 : 3;
        List<String> which = Report.split(systems);
        List<String> jvm = new ArrayList<>(List.of("-Xms" + heap, "-Xmx" + heap));
        jvm.addAll(jvmOpts);

        if (tls && cluster) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--tls runs on one broker only, "
                    + "not with --cluster");
        }
        boolean tempWork = workDir == null;
        Path work = tempWork ? Files.createTempDirectory("cairn-bench-") : workDir;
        BenchTls stores = tls ? BenchTls.create(work.resolve("tls")) : null;
        List<Broker> live = new ArrayList<>();
        Thread cleanup = new Thread(() -> live.forEach(Broker::close), "cairn-bench-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);

        LocalDateTime startedAt = LocalDateTime.now(ZoneOffset.UTC);
        Report report = new Report(cluster);
        Map<String, String> info = report.info;
        info.put("date_utc", startedAt.format(DateTimeFormatter.ISO_LOCAL_DATE_TIME).substring(0, 19) + "Z");
        String dirty = git(home, "status", "--porcelain", "--untracked-files=no");
        info.put("commit", git(home, "rev-parse", "--short", "HEAD") + (dirty.isBlank() || dirty.equals("unknown") ? "" : "-dirty"));
        info.put("machine", Runtime.getRuntime().availableProcessors() + " cores, " + ProcFs.meminfoTotal() + " RAM, " + ProcFs.cpuModel());
        info.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        info.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        info.put("kafka", "kafka_2.13 " + org.apache.kafka.common.utils.AppInfoParser.getVersion() + " (KRaft, combined broker+controller)");
        info.put("broker_jvm_options", String.join(" ", jvm));
        info.put("mode", (cluster ? "cluster, " : "") + (tls ? "TLS, " : "") + (quick ? "quick" : "full"));
        if (tls) {
            info.put("tls", "clients over SSL listeners (TLSv1.3 negotiated by default), PKCS12 stores, "
                    + "self-signed RSA 2048 certificate; Cairn's engine: cairn.ssl.engine (cairn: its default)");
        }
        info.put("rounds", Integer.toString(n));
        info.put("settings", s.toString());
        log("cairn-bench: " + info);

        List<Path> failedRunLogs = new ArrayList<>();
        for (int round = 1; round <= n; round++) {
            for (String system : which) {
                log("round " + round + "/" + n + ": " + system);
                Map<String, Double> metrics = new LinkedHashMap<>();
                Map<String, String> errors = new LinkedHashMap<>();
                Path dir = work.resolve(system + "-" + round);
                Broker broker = null;
                try {
                    if (cluster) {
                        ClusterBench bench = new ClusterBench(system, dir, jvm, home, kLib, s, Report.split(only),
                                metrics, errors, BenchMain::log, live, cairnArgs);
                        try {
                            bench.run();
                        } finally {
                            cleanUp(dir, errors, bench::deleteWorkDirs, bench::deleteDataKeepLogs, failedRunLogs);
                        }
                        report.runs.add(new Report.Run(system, round, metrics, errors));
                        log("  " + metrics);
                        continue;
                    }
                    broker = switch (system) {
                        case "kafka" -> new KafkaBroker(dir, jvm, kLib);
                        case "cairn" -> new CairnBroker(dir, jvm, home, cairnArgs);
                        case "cairn-jdk", "cairn-openssl" -> new CairnBroker(dir, jvm, home, withEngine(system));
                        default -> throw new IllegalArgumentException("unknown system " + system
                                + " (kafka, cairn, cairn-jdk or cairn-openssl)");
                    };
                    if (stores != null) {
                        broker.tls(stores);
                    }
                    live.add(broker);
                    broker.prepare();
                    broker.launch();
                    new Workloads(broker, "", s, metrics, errors, BenchMain::log, Report.split(only)).runAll();
                } catch (Exception e) {
                    errors.put("launch", e.getClass().getSimpleName() + ": " + e.getMessage());
                    log("  FAILED to launch: " + e.getMessage());
                } finally {
                    if (broker != null) {
                        if (broker.alive()) {
                            broker.close();
                        } else if (!errors.isEmpty()) {
                            errors.putIfAbsent("process", "exited during the run; log tail: "
                                    + broker.logTail(10).replace('\n', ' '));
                        }
                        live.remove(broker);
                        cleanUp(dir, errors, broker::deleteWorkDir, broker::deleteDataKeepLog, failedRunLogs);
                    }
                }
                report.runs.add(new Report.Run(system, round, metrics, errors));
                log("  " + metrics);
            }
        }
        if (!failedRunLogs.isEmpty()) {
            log("logs of the runs with failures (data deleted): " + failedRunLogs);
        } else if (tempWork && !keep) {
            // (the --tls stores are in it too)
            Broker.deleteRecursively(work);
        }
        Runtime.getRuntime().removeShutdownHook(cleanup);

        String md = "Cairn vs Apache Kafka — " + info.get("date_utc") + ", commit " + info.get("commit") + ", "
                + info.get("machine") + ", " + info.get("mode") + " mode, " + n + " round(s), heap " + heap + "\n\n"
                + report.markdown();
        Files.createDirectories(out);
        String stamp = startedAt.format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HHmmss'Z'"));
        Path json = out.resolve(stamp + ".json");
        Files.writeString(json, report.json());
        Files.writeString(out.resolve(stamp + ".md"), md);
        System.out.println(md);
        log("results: " + json);
        return 0;
    }

    /** --cairn-arg and the TLS engine a cairn-jdk or cairn-openssl system names. */
    private List<String> withEngine(String system) {
        List<String> args = new ArrayList<>(cairnArgs);
        args.addAll(List.of("-o", "cairn.ssl.engine=" + system.substring("cairn-".length())));
        return args;
    }

    private static String git(Path dir, String... args) {
        try {
            List<String> cmd = new ArrayList<>(List.of("git", "-C", dir.toString()));
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String outText = new String(p.getInputStream().readAllBytes()).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return "unknown";
            }
            return outText;
        } catch (IOException | InterruptedException e) {
            return "unknown";
        }
    }
}
