package io.cairn.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import io.cairn.server.chaos.ChaosCommand;
import org.apache.kafka.common.config.ConfigException;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code cairn} command line.
 */
@Command(name = "cairn", mixinStandardHelpOptions = true, versionProvider = CairnMain.Version.class,
        description = "Cairn, a Kafka-compatible streaming broker.",
        subcommands = {CairnMain.Start.class, ClusterStatusCommand.class, AuditCommand.class, ExplainCommand.class,
                ChaosCommand.class,
                CommandLine.HelpCommand.class})
public final class CairnMain implements Runnable {

    private static final String NETTY_JFR = "io.netty.jfr.enabled";
    private static volatile Thread loggingInit;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        // Netty's allocator registers Java Flight Recorder event types at its first allocation unless told not
        // to: JFR's own initialisation, about a hundred classes and generated event handlers, on every start.
        // Whoever records Netty's allocator events can still ask for them: -Dio.netty.jfr.enabled=true.
        if (System.getProperty(NETTY_JFR) == null) {
            System.setProperty(NETTY_JFR, "false");
        }
        // Logging initialises (logback finds and runs LogConfigurator) while picocli builds and parses the
        // command line, on the other core: a node binds its Kafka port that much sooner.
        loggingInit = new Thread(LoggerFactory::getILoggerFactory, "cairn-logging-init");
        loggingInit.setDaemon(true);
        loggingInit.start();
        System.exit(commandLine().execute(args));
    }

    /**
     * Waits for the logging initialisation started by {@link #main}, if any, so that nothing logs while it is
     * under way (slf4j would queue those events and replay them with a notice on stderr).
     */
    static void awaitLogging() throws InterruptedException {
        Thread init = loggingInit;
        if (init != null) {
            init.join();
        }
    }

    static CommandLine commandLine() {
        return new CommandLine(new CairnMain());
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing a command, for example: cairn start");
    }

    /** {@code cairn start}: runs one node until it is stopped (SIGTERM or Ctrl-C stop it cleanly). */
    @Command(name = "start", mixinStandardHelpOptions = true,
            description = {"Start a node. Flags override environment variables, which override the config file, "
                    + "which overrides defaults.",
                    "Environment: CAIRN_NODE_ID (node.id), CAIRN_VOTERS (controller.quorum.voters), and any "
                            + "KAFKA_<NAME> as a property (KAFKA_ADVERTISED_LISTENERS -> advertised.listeners; "
                            + "'__' -> '_')."})
    static final class Start implements Callable<Integer> {

        @Option(names = "--config", paramLabel = "FILE",
                description = "A properties file with Kafka's property names (node.id, listeners, log.dirs, ...).")
        Path configFile;

        @Option(names = "--port", paramLabel = "N", description = "Kafka listener port (default 9092; 0 = any free port). "
                + "The node then has one listener, named as the config's inter-broker one (PLAINTEXT by default).")
        Integer port;

        @Option(names = "--host", paramLabel = "HOST", description = "Address to listen on (default localhost).")
        String host;

        @Option(names = "--advertised-host", paramLabel = "HOST",
                description = "Host name clients are told to connect to (default: the listen address).")
        String advertisedHost;

        @Option(names = "--data-dir", paramLabel = "DIR", description = "Data directory (default ./data).")
        Path dataDir;

        @Option(names = "--node-id", paramLabel = "N", description = "Node id (default 1).")
        Integer nodeId;

        @Option(names = "--add-scram", paramLabel = "MECHANISM=[name=USER,password=PASSWORD]",
                description = "A SCRAM credential a new cluster starts with, as kafka-storage format --add-scram, e.g. "
                        + "'SCRAM-SHA-256=[name=admin,password=admin-secret]'. Repeatable; sets "
                        + CairnConfig.BOOTSTRAP_SCRAM_CREDENTIALS + ".")
        java.util.List<String> addScram = new java.util.ArrayList<>();

        @Option(names = {"-o", "--override"}, paramLabel = "KEY=VALUE",
                description = "Set any configuration property, e.g. -o num.partitions=3. Repeatable.")
        Map<String, String> overrides = new LinkedHashMap<>();

        @Override
        public Integer call() throws Exception {
            awaitLogging();
            CairnConfig config;
            try {
                config = new CairnConfig(properties());
            } catch (ConfigException | IOException e) {
                System.err.println("cairn: invalid configuration: " + e.getMessage());
                return 1;
            }
            return run(config);
        }

        /** Validates a config file as {@code start --config FILE} would; 0 when it is valid, else 1. */
        int callWith(Path file) {
            configFile = file;
            try {
                new CairnConfig(properties());
                return 0;
            } catch (ConfigException | IOException e) {
                System.err.println("cairn: invalid configuration: " + e.getMessage());
                return 1;
            }
        }

        private int run(CairnConfig config) throws InterruptedException {
            CairnNode node = new CairnNode(config);
            CountDownLatch stopped = new CountDownLatch(1);
            node.failure().whenComplete((v, e) -> {
                if (e != null) {
                    System.err.println("cairn: stopped: " + e.getMessage());
                    Runtime.getRuntime().halt(1);
                }
            });
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                node.close();
                stopped.countDown();
            }, "cairn-shutdown"));
            try {
                node.start();
            } catch (Exception e) {
                System.err.println("cairn: failed to start: " + e.getMessage());
                node.close();
                return 1;
            }
            stopped.await();
            return 0;
        }

        Map<String, Object> properties() throws IOException {
            Map<String, Object> properties = new HashMap<>();
            if (configFile != null) {
                if (!Files.isReadable(configFile)) {
                    throw new IOException("cannot read config file " + configFile);
                }
                Properties fromFile = new Properties();
                try (InputStream in = Files.newInputStream(configFile)) {
                    fromFile.load(in);
                }
                fromFile.forEach((key, value) -> properties.put(String.valueOf(key), String.valueOf(value).trim()));
            }
            properties.putAll(fromEnvironment(System.getenv()));
            properties.putAll(overrides);
            if (!addScram.isEmpty()) {
                properties.put(CairnConfig.BOOTSTRAP_SCRAM_CREDENTIALS, String.join(",", addScram));
            }
            if (nodeId != null) {
                properties.put(CairnConfig.NODE_ID, nodeId);
            }
            if (dataDir != null) {
                properties.put(CairnConfig.LOG_DIRS, dataDir.toString());
            }
            // the flags move the inter-broker listener, keeping its name (so its protocol): a secured config stays so
            if (port != null || host != null) {
                CairnConfig base = new CairnConfig(properties);
                String listenHost = host != null ? host : base.listener().host();
                int listenPort = port != null ? port : base.listener().port();
                properties.put(CairnConfig.LISTENERS, base.listeners().interBroker().name() + "://" + listenHost + ":"
                        + listenPort);
            }
            if (advertisedHost != null) {
                CairnConfig base = new CairnConfig(properties);
                properties.put(CairnConfig.ADVERTISED_LISTENERS, base.listeners().interBroker().name() + "://"
                        + advertisedHost + ":" + base.listener().port());
            }
            return properties;
        }
    }

    /**
     * Properties from the environment, for containers: CAIRN_NODE_ID, CAIRN_VOTERS, and KAFKA_X_Y as x.y
     * (a doubled underscore stands for an underscore).
     */
    public static Map<String, Object> fromEnvironment(Map<String, String> env) {
        Map<String, Object> properties = new HashMap<>();
        env.forEach((name, value) -> {
            if (name.startsWith("KAFKA_") && name.length() > "KAFKA_".length()
                    && !name.equals("KAFKA_HEAP_OPTS") && !name.equals("KAFKA_OPTS")) {
                String key = name.substring("KAFKA_".length()).toLowerCase(java.util.Locale.ROOT)
                        .replace("__", "\0").replace('_', '.').replace("\0", "_");
                properties.put(key, value);
            }
        });
        if (env.containsKey("CAIRN_NODE_ID")) {
            properties.put(CairnConfig.NODE_ID, env.get("CAIRN_NODE_ID"));
        }
        if (env.containsKey("CAIRN_VOTERS")) {
            properties.put(CairnConfig.CONTROLLER_QUORUM_VOTERS, env.get("CAIRN_VOTERS"));
        }
        return properties;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = CairnMain.class.getPackage().getImplementationVersion();
            return new String[]{"cairn " + (version == null ? "development build" : version)};
        }
    }
}
