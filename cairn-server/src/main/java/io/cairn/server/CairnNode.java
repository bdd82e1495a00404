package io.cairn.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.cairn.broker.BrokerApis;
import io.cairn.broker.metrics.BrokerMetrics;
import io.cairn.broker.network.KafkaServer;
import io.cairn.broker.network.NetworkConfig;
import io.cairn.broker.replica.ControllerIsrChanger;
import io.cairn.broker.replica.Partition;
import io.cairn.broker.replica.ReplicaManager;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.config.TopicConfigs;
import io.cairn.metadata.controller.Controller;
import io.cairn.metadata.controller.ControllerSettings;
import io.cairn.protocol.RequestDispatcher;
import io.cairn.raft.LocalMetadataLog;
import io.cairn.storage.LogConfig;
import io.cairn.storage.LogManager;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Cairn node: wires storage, metadata, the replica manager, the handlers and the Kafka listener, and
 * takes them down in reverse order. Start-up never waits for consensus before listening: the listener
 * opens at once and answers retriable errors until the node has registered (see LESSONS.md, 7 and 16).
 *
 * <p>Thread-safe: start and close may be called from different threads, once each.
 */
public final class CairnNode implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CairnNode.class);

    private static final long REPLICA_LAG_TIME_MAX_MS = 30_000;

    private final CairnConfig config;
    private final Time time;
    private final String logPrefix;
    private ScheduledExecutorService scheduler;
    private ExecutorService controllerLoop;
    private ExecutorService requestThreads;
    private LocalMetadataLog metadataLog;
    private Controller controller;
    private LogManager logManager;
    private KafkaServer server;
    private ReplicaManager replicas;
    private MetricsHttpServer metricsServer;
    private InetSocketAddress boundAddress;
    private boolean closed;
    private volatile long brokerEpoch = -1;

    public CairnNode(CairnConfig config) {
        this(config, Time.SYSTEM);
    }

    public CairnNode(CairnConfig config, Time time) {
        this.config = config;
        this.time = time;
        this.logPrefix = "[node " + config.nodeId() + "] ";
    }

    /** Starts the node; returns once the listener is bound and this broker is registered. */
    public synchronized void start() throws Exception {
        long startMs = time.milliseconds();
        int nodeId = config.nodeId();
        Path dataDir = config.dataDir().toAbsolutePath().normalize();
        Files.createDirectories(dataDir);
        scheduler = Executors.newScheduledThreadPool(2, daemonThreads("cairn-scheduler-" + nodeId));
        controllerLoop = Executors.newSingleThreadExecutor(daemonThreads("cairn-controller-" + nodeId));
        requestThreads = Executors.newFixedThreadPool(config.getInt(CairnConfig.NUM_IO_THREADS),
                daemonThreads("cairn-request-" + nodeId));

        Map<String, String> brokerConfigs = config.allAsStrings();
        ControllerSettings settings = new ControllerSettings(nodeId, config.getInt(CairnConfig.NUM_PARTITIONS),
                config.getShort(CairnConfig.DEFAULT_REPLICATION_FACTOR), 1000, brokerConfigs);
        metadataLog = LocalMetadataLog.open(dataDir.resolve(LogManager.METADATA_DIR_PREFIX + "-0"), nodeId);
        controller = new Controller(settings, metadataLog, controllerLoop, time, new SecureRandom());

        logManager = new LogManager(dataDir, time, scheduler,
                config.getLong(CairnConfig.LOG_RETENTION_CHECK_INTERVAL_MS));
        logManager.startup();
        replicas = new ReplicaManager(nodeId, logManager, topicSettings(brokerConfigs),
                scheduler,
                new Partition.Settings(nodeId, time,
                        new ControllerIsrChanger(nodeId, () -> brokerEpoch, () -> controller.current(), controller),
                        REPLICA_LAG_TIME_MAX_MS),
                (leaderId, request) -> java.util.concurrent.CompletableFuture.failedFuture(
                        new org.apache.kafka.common.errors.NetworkException("no inter-broker client yet")),
                () -> brokerEpoch);
        logManager.setHighWatermarks(replicas::highWatermark);
        scheduler.scheduleAtFixedRate(replicas::maybeShrinkIsrs, REPLICA_LAG_TIME_MAX_MS / 2,
                REPLICA_LAG_TIME_MAX_MS / 2, TimeUnit.MILLISECONDS);
        controller.addListener(replicas);
        controller.start();

        BrokerApis apis = new BrokerApis(nodeId, controller::current, controller, replicas, dataDir,
                config.getBoolean(CairnConfig.AUTO_CREATE_TOPICS_ENABLE), brokerConfigs);
        PrometheusMeterRegistry meterRegistry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        meterRegistry.config().commonTags("node", Integer.toString(nodeId));
        BrokerMetrics metrics = new BrokerMetrics(meterRegistry, replicas);
        int metricsPort = config.getInt(CairnConfig.METRICS_PORT);
        if (metricsPort >= 0) {
            metricsServer = new MetricsHttpServer(config.listener().host(), metricsPort, meterRegistry);
            log.info("{}Prometheus metrics at http://{}:{}/metrics", logPrefix, config.listener().host(),
                    metricsServer.port());
        }
        RequestDispatcher dispatcher = new RequestDispatcher(apis.registry(), requestThreads, logPrefix, metrics);
        server = new KafkaServer(new NetworkConfig(config.listener().host(), config.listener().port(),
                config.getInt(CairnConfig.SOCKET_REQUEST_MAX_BYTES), config.getLong(CairnConfig.CONNECTIONS_MAX_IDLE_MS),
                config.getInt(CairnConfig.NUM_NETWORK_THREADS)), dispatcher, time, logPrefix);
        boundAddress = server.start();

        CairnConfig.Listener advertised = config.advertisedListener();
        int advertisedPort = advertised.port() == 0 ? boundAddress.getPort() : advertised.port();
        String advertisedHost = advertised.host().equals("0.0.0.0") ? "localhost" : advertised.host();
        brokerEpoch = controller.registerBroker(nodeId, advertisedHost, advertisedPort, config.rack().orElse(null))
                .get(30, TimeUnit.SECONDS);
        MetadataImage image = controller.current();
        replicas.deleteStrayLogs(image);
        log.info("{}Cairn started in {} ms: cluster {}, Kafka listener {}:{}, data in {}", logPrefix,
                time.milliseconds() - startMs, image.clusterId(), advertisedHost, advertisedPort, dataDir);
    }

    /** The port the Kafka listener is bound to. */
    public int port() {
        return boundAddress.getPort();
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port();
    }

    /** The port of the Prometheus endpoint, or -1 when it is disabled. */
    public int metricsPort() {
        return metricsServer == null ? -1 : metricsServer.port();
    }

    public Controller controller() {
        return controller;
    }

    /** Stops serving, then closes the logs cleanly so the next start needs no recovery. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeQuietly(server);
        closeQuietly(metricsServer);
        if (replicas != null) {
            replicas.shutdown();
        }
        shutdown(requestThreads);
        shutdown(scheduler);
        closeQuietly(metadataLog);
        shutdown(controllerLoop);
        closeQuietly(logManager);
        log.info("{}Cairn stopped", logPrefix);
    }

    private static ReplicaManager.TopicSettings topicSettings(Map<String, String> brokerConfigs) {
        return new ReplicaManager.TopicSettings() {
            @Override
            public LogConfig logConfig(Map<String, String> topicOverrides) {
                return TopicConfigs.logConfig(brokerConfigs, Map.of(), topicOverrides);
            }

            @Override
            public int minInsyncReplicas(Map<String, String> topicOverrides) {
                return (Integer) TopicConfigs.effective(brokerConfigs, Map.of(), topicOverrides)
                        .get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG);
            }
        };
    }

    private void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            log.warn("{}Error closing {}", logPrefix, closeable.getClass().getSimpleName(), e);
        }
    }

    private static void shutdown(ExecutorService executor) {
        if (executor == null) {
            return;
        }
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static java.util.concurrent.ThreadFactory daemonThreads(String prefix) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

}
