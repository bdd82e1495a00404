package io.cairn.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.cairn.broker.AdvertisedEndpoints;
import io.cairn.broker.BrokerApis;
import io.cairn.broker.CatchUpPolicy;
import io.cairn.broker.ProducerIdManager;
import io.cairn.broker.Schedulers;
import io.cairn.broker.audit.InvariantAuditor;
import io.cairn.broker.cluster.AfterOwnRegistration;
import io.cairn.broker.cluster.BrokerLifecycle;
import io.cairn.broker.cluster.ChannelLeaderClient;
import io.cairn.broker.cluster.ForwardingMetadataWriter;
import io.cairn.broker.cluster.InterBrokerChannel;
import io.cairn.broker.cluster.InterBrokerConnector;
import io.cairn.broker.cluster.QuorumView;
import io.cairn.broker.group.GroupConfig;
import io.cairn.broker.group.GroupCoordinatorRuntime;
import io.cairn.broker.handlers.ServingBrokerWait;
import io.cairn.broker.metrics.BrokerMetrics;
import io.cairn.broker.metrics.ClusterMetrics;
import io.cairn.broker.metrics.GroupLagMetrics;
import io.cairn.broker.network.ConnectionPrincipals;
import io.cairn.broker.network.KafkaServer;
import io.cairn.broker.network.NetworkConfig;
import io.cairn.broker.network.RequestMemoryPool;
import io.cairn.broker.network.SaslListener;
import io.cairn.broker.network.ServedListener;
import io.cairn.broker.quota.ClientQuotas;
import io.cairn.broker.replica.ControllerIsrChanger;
import io.cairn.broker.replica.Partition;
import io.cairn.broker.replica.ReplicaManager;
import io.cairn.broker.txn.TransactionConfig;
import io.cairn.broker.txn.TransactionCoordinator;
import io.cairn.broker.txn.TxnMarkerWriter;
import io.cairn.broker.txn.TxnVerifier;
import io.cairn.metadata.BrokerImage;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.controller.Controller;
import io.cairn.metadata.controller.ControllerSettings;
import io.cairn.protocol.RequestDispatcher;
import io.cairn.protocol.RequestObserver;
import io.cairn.protocol.ServingGate;
import io.cairn.raft.QuorumStatus;
import io.cairn.raft.RaftSettings;
import io.cairn.raft.RaftTls;
import io.cairn.raft.RatisMetadataLog;
import io.cairn.raft.Voter;
import io.cairn.storage.LogManager;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.BrokerRegistrationRequestData;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.server.util.KafkaScheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Cairn node: wires storage, the metadata Raft log (Apache Ratis; a single-node cluster is a one-voter
 * group), the controller, the forwarding metadata writer, the replica manager, the handlers and the Kafka
 * listener, and takes them down in reverse order. Start-up never waits for consensus: Raft and the listener
 * start at once (side by side, on two threads), the broker registers itself in the background (forwarded to
 * the active controller, retried until committed) and the listener answers retriable errors meanwhile (see
 * LESSONS.md, 7 and 16).
 * {@link #awaitRegistered} waits for the registration when a caller wants to.
 *
 * <p>Thread-safe: start and close may be called from different threads, once each.
 */
public final class CairnNode implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CairnNode.class);
    /** How long a Metadata request may wait for the cluster's first broker (well under clients' timeouts). */
    private static final long METADATA_WAIT_FOR_BROKER_MS = 5000;
    /**
     * How long a client request may wait for this node to catch up with the metadata after a (re)start (its
     * registration applied, normally 1-4 s), before a retriable error: well under clients' request timeouts.
     */
    private static final long CATCH_UP_WAIT_MS = 10_000;
    /**
     * How long a SCRAM login of a user the image does not know waits for the node to catch up (docs/adr/0035):
     * longer than a held request, which is answered a retriable error when its wait ends, because a login refused
     * then is fatal to the client. A client's own timeouts (default.api.timeout.ms, max.block.ms: 60 s) are longer.
     */
    private static final long SCRAM_LOGIN_WAIT_MS = 30_000;

    private final CairnConfig config;
    private final Time time;
    private final String logPrefix;
    /**
     * The node's timers (Kafka's scheduler, docs/adr/0027): the controller's, the broker half's, the log manager's
     * and the coordinators', on two threads (as the executor it replaced), so no component may rely on it for
     * mutual exclusion. It also runs short work off the caller's thread ({@code Schedulers.executor}).
     */
    private KafkaScheduler timers;
    private ExecutorService controllerLoop;
    private ExecutorService requestThreads;
    private GroupCoordinatorRuntime groupCoordinator;
    private TransactionCoordinator txnCoordinator;
    private TxnMarkerWriter txnMarkers;
    private ProducerIdManager producerIds;
    private TxnVerifier txnVerifier;
    private RatisMetadataLog metadataLog;
    private ServingGate servingGate;
    private Controller controller;
    private InterBrokerChannel controllerChannel;
    private volatile BrokerLifecycle lifecycle;
    /** Completes exceptionally when the node stopped itself (its data belongs to another cluster). */
    private final CompletableFuture<Void> failure = new CompletableFuture<>();
    private LogManager logManager;
    /** The listeners' sockets, by name, bound early in start; each server-owned once the server serves them. */
    private final Map<String, ServerSocketChannel> listenSockets = new LinkedHashMap<>();
    /** The engine sources of the SSL listeners, by name. */
    private final Map<String, ListenerTls.Engines> tlsFactories = new LinkedHashMap<>();
    /** How the clients of the SASL listeners authenticate, by listener name. */
    private final Map<String, SaslListener> saslListeners = new LinkedHashMap<>();
    /** Who each listener's connections are (principal.builder.class, ssl.principal.mapping.rules), by name. */
    private final Map<String, ConnectionPrincipals> listenerPrincipals = new LinkedHashMap<>();
    private KafkaServer server;
    private ReplicaManager replicas;
    private InvariantAuditor auditor;
    private MetricsHttpServer metricsServer;
    private Map<String, InetSocketAddress> boundAddresses = Map.of();
    private boolean closed;
    private ChannelLeaderClient leaderClient;

    public CairnNode(CairnConfig config) {
        this(config, Time.SYSTEM);
    }

    public CairnNode(CairnConfig config, Time time) {
        this.config = config;
        this.time = time;
        this.logPrefix = "[node " + config.nodeId() + "] ";
    }

    /**
     * Starts the node; returns once the listener is bound (registration continues in the background).
     *
     * @throws IllegalStateException when the data directory belongs to another node or another cluster
     */
    public synchronized void start() throws Exception {
        long startMs = time.milliseconds();
        int nodeId = config.nodeId();
        Path dataDir = config.dataDir().toAbsolutePath().normalize();
        Files.createDirectories(dataDir);
        Optional<MetaProperties> meta = MetaProperties.read(dataDir);
        if (meta.isPresent() && meta.get().nodeId() != nodeId) {
            throw new IllegalStateException("The data directory " + dataDir + " belongs to node "
                    + meta.get().nodeId() + " (" + MetaProperties.FILE_NAME + "), but this node is " + nodeId);
        }
        // Until this incarnation's registration is in the local image, the image may be one replayed only in
        // part (or a stale snapshot): answers from it could name a topic unknown or auto-create one that exists,
        // and a SCRAM login could find its user unknown (scramLoginWait).
        servingGate = CatchUpPolicy.gate(nodeId, CATCH_UP_WAIT_MS);
        // Keystores first: a node whose TLS cannot work refuses to start before it binds anything.
        for (Listeners.Endpoint endpoint : config.listeners().bound()) {
            listenerPrincipals.put(endpoint.name(), ListenerPrincipals.of(config.originals(), endpoint.name()));
            if (endpoint.protocol() == SecurityProtocol.SSL || endpoint.protocol() == SecurityProtocol.SASL_SSL) {
                tlsFactories.put(endpoint.name(), ListenerTls.engines(config.originals(), endpoint.name(),
                        logPrefix));
            }
            if (endpoint.protocol() == SecurityProtocol.SASL_PLAINTEXT
                    || endpoint.protocol() == SecurityProtocol.SASL_SSL) {
                saslListeners.put(endpoint.name(), ListenerSasl.of(config.originals(), endpoint.name(),
                        this::scramCredential, this::scramLoginWait, delegationTokens()));
            }
        }
        // ... and this node's side of them towards the other nodes' inter-broker listener (docs/adr/0025)
        SaslListener interBrokerSasl = saslListeners.get(config.listeners().interBroker().name());
        InterBrokerConnector interBroker = InterBrokerSecurity.connector(config,
                interBrokerSasl == null ? List.of() : interBrokerSasl.mechanisms());
        RaftTls raftTls = RaftSecurity.tls(config);
        // Listening from now on, served once the handlers are built: a client that connects while the node
        // starts waits for its first answer instead of being refused and backing off (see KafkaServer).
        for (Listeners.Endpoint endpoint : config.listeners().bound()) {
            listenSockets.put(endpoint.name(), KafkaServer.bind(endpoint.host(), endpoint.port(), logPrefix));
        }
        timers = new KafkaScheduler(2, true, "cairn-timers-" + nodeId + "-");
        timers.startup();
        controllerLoop = Executors.newSingleThreadExecutor(daemonThreads("cairn-controller-" + nodeId));
        requestThreads = Executors.newFixedThreadPool(config.getInt(CairnConfig.NUM_IO_THREADS),
                daemonThreads("cairn-request-" + nodeId));

        Map<String, String> brokerConfigs = config.allAsStrings();
        // The controller reads its lease from the broker settings; give it Cairn's default, not Kafka's 9 s.
        brokerConfigs.put(CairnConfig.BROKER_SESSION_TIMEOUT_MS,
                Integer.toString(config.getInt(CairnConfig.BROKER_SESSION_TIMEOUT_MS)));
        // ... and the heartbeat interval its grace after a closed heartbeat connection derives from (adr/0020).
        brokerConfigs.put(CairnConfig.BROKER_HEARTBEAT_INTERVAL_MS,
                Integer.toString(config.getInt(CairnConfig.BROKER_HEARTBEAT_INTERVAL_MS)));
        org.apache.kafka.common.config.types.Password bootstrapScram =
                config.getPassword(CairnConfig.BOOTSTRAP_SCRAM_CREDENTIALS);
        // Its passwords are read here once; DescribeConfigs, which shows the node's cairn.* properties, never sees it.
        brokerConfigs.remove(CairnConfig.BOOTSTRAP_SCRAM_CREDENTIALS);
        ControllerSettings settings = new ControllerSettings(nodeId, config.getInt(CairnConfig.NUM_PARTITIONS),
                config.getShort(CairnConfig.DEFAULT_REPLICATION_FACTOR), 1000, brokerConfigs,
                BootstrapScram.parse(bootstrapScram == null ? null : bootstrapScram.value()));
        metadataLog = new RatisMetadataLog(new RaftSettings(nodeId, Voter.parseList(config.quorumVoters()),
                dataDir.resolve(LogManager.METADATA_DIR_PREFIX + "-0"),
                Duration.ofMillis(config.getInt(CairnConfig.CONTROLLER_QUORUM_ELECTION_TIMEOUT_MS)),
                config.getLong(CairnConfig.METADATA_SNAPSHOT_ENTRIES), raftTls,
                config.getInt(CairnConfig.METADATA_FORMAT_MAX)), time);
        controller = new Controller(settings, metadataLog, controllerLoop, time, new SecureRandom(),
                timers);
        ClusterIdGuard clusterIdGuard = new ClusterIdGuard(dataDir, nodeId, meta.flatMap(MetaProperties::clusterId));
        controller.addListener(clusterIdGuard);

        logManager = new LogManager(dataDir, time, timers,
                config.getLong(CairnConfig.LOG_RETENTION_CHECK_INTERVAL_MS),
                config.getInt(CairnConfig.NUM_RECOVERY_THREADS_PER_DATA_DIR));
        logManager.startup();
        controllerChannel = new InterBrokerChannel(nodeId, interBroker);
        // The controller this node heartbeats closed the connection (killed): evidence for the next controller,
        // and for this node's Raft member, which then stands for leader at once if it followed that node
        // (docs/adr/0020, 0037).
        controllerChannel.onHeartbeatPeerClosed(address -> controller.current().brokers().values().stream()
                .filter(b -> b.port() == address.getPort() && b.host().equals(address.getHostString()))
                .findFirst().ifPresent(b -> {
                    controller.controllerConnectionClosed(b.id(), b.epoch());
                    metadataLog.peerProcessGone(b.id());
                }));
        ForwardingMetadataWriter writer = new ForwardingMetadataWriter(nodeId, controller,
                () -> metadataLog.leaderId().orElse(-1), controller::current, controllerChannel, timers, time,
                config.getInt(CairnConfig.CONTROLLER_REQUEST_TIMEOUT_MS));
        leaderClient = new ChannelLeaderClient(nodeId, controller::current, timers, interBroker);
        replicas = new ReplicaManager(nodeId, logManager, ReplicaManager.TopicSettings.fromBrokerConfigs(brokerConfigs), timers,
                new Partition.Settings(nodeId, time,
                        new ControllerIsrChanger(nodeId, this::brokerEpoch, controller::current, writer),
                        config.getLong(CairnConfig.REPLICA_LAG_TIME_MAX_MS),
                        brokerId -> {
                            BrokerImage broker = controller.current().brokers().get(brokerId);
                            return broker != null && !broker.fenced();
                        }),
                leaderClient, this::brokerEpoch);
        logManager.setHighWatermarks(replicas::highWatermark);
        long lagCheckMs = Math.max(100, config.getLong(CairnConfig.REPLICA_LAG_TIME_MAX_MS) / 2);
        timers.schedule("isr-shrink", replicas::maybeShrinkIsrs, lagCheckMs, lagCheckMs);
        // What this node does as a replica and a coordinator follows the images from its own registration in this
        // process on, never the history it replays from its metadata log (docs/adr/0036, AfterOwnRegistration).
        CompletableFuture<Long> registeredHere = new CompletableFuture<>();
        controller.addListener(new AfterOwnRegistration(replicas, registeredHere));
        // After the replica manager: the roles it audits on each image are those taken for that image.
        auditor = new InvariantAuditor(nodeId, controller::current, InvariantAuditor.LocalRoles.of(replicas),
                metadataLog::committedIndex, config.getLong(CairnConfig.AUDIT_MAX_METADATA_LAG));
        controller.addListener(new AfterOwnRegistration(auditor, registeredHere));
        long auditIntervalMs = config.getLong(CairnConfig.AUDIT_INTERVAL_MS);
        scheduleAudit(auditIntervalMs);
        groupCoordinator = new GroupCoordinatorRuntime(nodeId, time, GroupConfig.fromBrokerConfigs(brokerConfigs),
                replicas, timers, Executors.newSingleThreadExecutor(daemonThreads("cairn-groups-" + nodeId)),
                new SecureRandom());
        controller.addListener(new AfterOwnRegistration(groupCoordinator, registeredHere));
        GroupConfig groupConfig = groupCoordinator.config();
        producerIds = new ProducerIdManager(nodeId, writer);
        txnMarkers = new TxnMarkerWriter(replicas, groupCoordinator, groupConfig.commitTimeoutMs());
        txnCoordinator = new TransactionCoordinator(nodeId, time, TransactionConfig.fromBrokerConfigs(brokerConfigs),
                producerIds, controller::current, replicas, txnMarkers, timers,
                Executors.newSingleThreadExecutor(daemonThreads("cairn-txns-" + nodeId)),
                groupConfig.offsetsTopicPartitions(), interBroker);
        controller.addListener(new AfterOwnRegistration(txnCoordinator, registeredHere));
        txnVerifier = new TxnVerifier(nodeId, controller::current, txnCoordinator, timers, time, interBroker);
        // A client that connects while no broker is registered yet waits for one (bounded) instead of retrying.
        ServingBrokerWait brokerWait = new ServingBrokerWait(controller::current, METADATA_WAIT_FOR_BROKER_MS, timers);
        controller.addListener(brokerWait);
        // Dynamic max.connections & co. (also those replayed at start) apply once the listener serves.
        CompletableFuture<KafkaServer> serving = new CompletableFuture<>();
        controller.addListener(new DynamicConnectionLimits(nodeId, config, serving,
                Schedulers.executor(timers, "connection-limits")));
        // The Kafka side (handlers, metrics, the server on the bound socket) is built on a helper thread while
        // this one starts Raft and the controller: each loads and initialises a large part of the classes the
        // node needs (Kafka's protocol and Netty there, Ratis here), which two cores do faster side by side than
        // in turn. Until the broker is registered the listener answers retriable errors, as it always did.
        CompletableFuture<Map<String, InetSocketAddress>> listener = new CompletableFuture<>();
        Thread listenerStarter = new Thread(() -> {
            try {
                listener.complete(startListener(nodeId, writer, dataDir, brokerConfigs, brokerWait));
            } catch (Throwable e) {
                listener.completeExceptionally(e);
            }
        }, "cairn-start-listener-" + nodeId);
        listenerStarter.setDaemon(true);
        listenerStarter.start();
        Exception failed = null;
        try {
            controller.start();
            clusterIdGuard.awaitFirstCheck(Duration.ofSeconds(10));
        } catch (Exception e) {
            failed = e;
        }
        // Whatever happened, the listener thread is done before start returns (close() then sees the server).
        try {
            boundAddresses = listener.join();
        } catch (CompletionException e) {
            Exception cause = e.getCause() instanceof Exception c ? c : e;
            if (failed == null) {
                failed = cause;
            } else {
                failed.addSuppressed(cause);
            }
        }
        if (failed != null) {
            throw failed;
        }
        serving.complete(server);

        AdvertisedEndpoints.HostPort registered = advertised(config.listeners().interBroker().name());
        String advertisedHost = registered.host();
        int advertisedPort = registered.port();
        lifecycle = new BrokerLifecycle(nodeId, writer, controller::current, logManager::offlinePartitions,
                timers, time, config.getInt(CairnConfig.BROKER_HEARTBEAT_INTERVAL_MS), registeredListeners(),
                config.rack(), settings.registersMetadataVersions() ? settings.supportedMetadataVersions() : null);
        lifecycle.registered().whenComplete((epoch, error) -> {
            if (error != null) {
                registeredHere.completeExceptionally(error);
            } else {
                registeredHere.complete(epoch);
            }
        });
        lifecycle.registered().thenRun(() -> replicas.deleteStrayLogs(controller.current()));
        lifecycle.registered().thenRun(servingGate::open);
        writer.gateClientWritesOn(lifecycle.ready());
        lifecycle.start();
        log.info("{}Cairn started in {} ms: Kafka listener {}:{}, metadata quorum {}, data in {}", logPrefix,
                time.milliseconds() - startMs, advertisedHost, advertisedPort, config.quorumVoters(), dataDir);
    }

    /** The endpoint a listener advertises: advertised.listeners' (port 0: the bound one), 0.0.0.0 as localhost. */
    /** Every listener's advertised endpoint, the inter-broker one first, as the registration carries them. */
    private List<BrokerRegistrationRequestData.Listener> registeredListeners() {
        List<BrokerRegistrationRequestData.Listener> registered = new ArrayList<>();
        Listeners.Endpoint interBroker = config.listeners().interBroker();
        registered.add(registrationListener(interBroker));
        config.listeners().bound().stream().filter(l -> !l.name().equals(interBroker.name()))
                .forEach(l -> registered.add(registrationListener(l)));
        return registered;
    }

    private BrokerRegistrationRequestData.Listener registrationListener(Listeners.Endpoint listener) {
        AdvertisedEndpoints.HostPort endpoint = advertised(listener.name());
        return new BrokerRegistrationRequestData.Listener().setName(listener.name()).setHost(endpoint.host())
                .setPort(endpoint.port()).setSecurityProtocol(listener.protocol().id);
    }

    private AdvertisedEndpoints.HostPort advertised(String listenerName) {
        Listeners.Endpoint advertised = config.listeners().advertised(listenerName);
        int port = advertised.port() == 0
                ? ((InetSocketAddress) boundSocketAddress(listenerName)).getPort() : advertised.port();
        String host = advertised.host().equals("0.0.0.0") ? "localhost" : advertised.host();
        return new AdvertisedEndpoints.HostPort(host, port);
    }

    private java.net.SocketAddress boundSocketAddress(String listenerName) {
        InetSocketAddress served = boundAddresses.get(listenerName);
        if (served != null) {
            return served;
        }
        try {
            return listenSockets.get(listenerName).getLocalAddress();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Builds the request handlers, the metrics and the Kafka server; serves the bound socket; returns its address. */
    private Map<String, InetSocketAddress> startListener(int nodeId, ForwardingMetadataWriter writer, Path dataDir,
                                                         Map<String, String> brokerConfigs,
                                                         ServingBrokerWait brokerWait)
            throws IOException, InterruptedException {
        Map<String, AdvertisedEndpoints.HostPort> own = new LinkedHashMap<>();
        listenSockets.keySet().forEach(name -> own.put(name, advertised(name)));
        AdvertisedEndpoints endpoints = new AdvertisedEndpoints(nodeId, config.listeners().interBroker().name(), own);
        ClientQuotas quotas = new ClientQuotas(controller::current, time,
                () -> config.getInt(CairnConfig.NUM_PARTITIONS));
        // Metrics are kept only when they are served: the registry (a timer per API, JVM and process binders)
        // costs a few hundred ms of start-up and some work per request.
        RequestObserver metrics = RequestObserver.NONE;
        int metricsPort = config.getInt(CairnConfig.METRICS_PORT);
        PrometheusMeterRegistry meterRegistry = null;
        if (metricsPort >= 0) {
            meterRegistry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            meterRegistry.config().commonTags("node", Integer.toString(nodeId));
            metrics = new BrokerMetrics(meterRegistry, replicas);
            auditor.bindTo(meterRegistry);
            quotas.bindTo(meterRegistry);
            Gauge.builder("cairn.metadata.raft.leaderless.seconds", metadataLog, l -> l.leaderlessMillis() / 1000.0)
                    .description("How long this node's metadata Raft member has known no leader (0 while it knows one)")
                    .register(meterRegistry);
            ClusterMetrics.bind(meterRegistry, controller::current, () -> controller.activeTerm().isPresent(),
                    metadataLog::committedIndex, metadataLog::appliedIndex);
            GroupLagMetrics groupLag = new GroupLagMetrics(meterRegistry, groupCoordinator, replicas);
            NodeHealth health = new NodeHealth(nodeId, controller::current, servingGate::isOpen, metadataLog::stuck,
                    auditor::violations);
            metricsServer = new MetricsHttpServer(config.listener().host(), metricsPort, meterRegistry,
                    groupLag::refresh, health);
            log.info("{}Prometheus metrics at http://{}:{}/metrics, health probes at /health/live and /health/ready",
                    logPrefix, config.listener().host(), metricsServer.port());
            // DescribeConfigs answers the port it listens on, also when it was chosen by the system (0):
            // cairn audit finds each node's own audit there.
            brokerConfigs.put(CairnConfig.METRICS_PORT, Integer.toString(metricsServer.port()));
        }
        BrokerApis apis = new BrokerApis(nodeId, controller::current, writer, replicas, dataDir,
                config.getBoolean(CairnConfig.AUTO_CREATE_TOPICS_ENABLE), brokerConfigs, CairnConfig.defaults(),
                groupCoordinator, txnCoordinator, txnMarkers, producerIds, txnVerifier, quorumView(), brokerWait,
                endpoints, quotas, AuthorizerSettings.authorizer(config, controller::current));
        RequestDispatcher dispatcher = new RequestDispatcher(apis.registry(), requestThreads, logPrefix, metrics,
                servingGate, time);
        server = new KafkaServer(new NetworkConfig(config.listener().host(), config.listener().port(),
                config.getInt(CairnConfig.SOCKET_REQUEST_MAX_BYTES), config.getLong(CairnConfig.CONNECTIONS_MAX_IDLE_MS),
                config.getInt(CairnConfig.NUM_NETWORK_THREADS), config.getInt(CairnConfig.MAX_CONNECTIONS),
                config.getInt(CairnConfig.MAX_CONNECTIONS_PER_IP), config.perIpOverrides(),
                config.getLong(CairnConfig.QUEUED_MAX_REQUEST_BYTES),
                DynamicConnectionLimits.creationRates(config, Map.of()), config.listeners().interBroker().name()),
                dispatcher, time, logPrefix,
                quotas.connections());
        if (meterRegistry != null) {
            // Kafka's MemoryPoolAvailable and MemoryPoolUsed (available is huge when queued.max.request.bytes is unset)
            Gauge.builder("cairn.request.memory.pool.available.bytes", server.memoryPool(),
                            pool -> pool.availableBytes())
                    .description("What is left of queued.max.request.bytes for requests to be read").baseUnit("bytes")
                    .register(meterRegistry);
            Gauge.builder("cairn.request.memory.pool.used.bytes", server.memoryPool(), pool -> pool.usedBytes())
                    .description("The bytes of requests read and not yet released (parsed, or a produce's records "
                            + "appended)").baseUnit("bytes").register(meterRegistry);
        }
        List<ServedListener> served = new ArrayList<>();
        listenSockets.forEach((name, socket) -> {
            served.add(new ServedListener(name, socket, Optional.ofNullable(tlsFactories.get(name)),
                    Optional.ofNullable(saslListeners.get(name)), listenerPrincipals.get(name)));
        });
        Map<String, InetSocketAddress> bound = server.start(served);
        listenSockets.clear(); // the server owns them now
        return bound;
    }

    /**
     * The delegation tokens SCRAM logins may use (docs/adr/0034): those of the committed image, with HMACs of this
     * node's delegation.token.secret.key; none when it is unset.
     */
    private io.cairn.broker.security.ScramCallbackHandler.Tokens delegationTokens() {
        String secret = ControllerSettings.fromBrokerConfigs(config.getInt(CairnConfig.NODE_ID), config.allAsStrings())
                .delegationTokenSecretKey();
        if (secret == null) {
            return io.cairn.broker.security.ScramCallbackHandler.Tokens.NONE;
        }
        return new io.cairn.broker.security.DelegationTokenCredentials(() -> {
            Controller current = controller;
            return current == null ? io.cairn.metadata.MetadataImage.EMPTY : current.current();
        }, new io.cairn.metadata.DelegationTokens(secret), time);
    }

    /** A user's SCRAM credential for a mechanism, from the committed metadata image (none before it is loaded). */
    private Optional<org.apache.kafka.common.security.scram.ScramCredential> scramCredential(String user,
            org.apache.kafka.common.security.scram.internals.ScramMechanism mechanism) {
        Controller current = controller;
        return current == null ? Optional.empty() : current.current().scramCredential(user, mechanism.mechanismName())
                .map(c -> new org.apache.kafka.common.security.scram.ScramCredential(c.salt(), c.storedKey(),
                        c.serverKey(), c.iterations()));
    }

    /**
     * A SCRAM login of a user this node's image does not know, while the node has not caught up with the metadata
     * log (the serving gate is shut): it waits for the gate, at most SCRAM_LOGIN_WAIT_MS, and is decided then. The user may
     * have been created while this node was down, or in the part of the log not replayed yet; a Java client does not
     * retry a refused login. A known user, or any login once the gate is open, is decided at once.
     */
    private Optional<java.util.concurrent.CompletionStage<?>> scramLoginWait(String mechanism, String user) {
        ServingGate gate = servingGate;
        if (gate == null || gate.isOpen()) {
            return Optional.empty();
        }
        org.apache.kafka.common.security.scram.internals.ScramMechanism scram =
                org.apache.kafka.common.security.scram.internals.ScramMechanism.forMechanismName(mechanism);
        if (scram != null && scramCredential(user, scram).isPresent()) {
            return Optional.empty();
        }
        return Optional.of(gate.whenOpen(SCRAM_LOGIN_WAIT_MS));
    }

    /** Waits until this broker is registered and unfenced in the local image; returns its broker epoch. */
    public long awaitRegistered(Duration timeout) throws Exception {
        return lifecycle.ready().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** This broker's epoch from its committed registration, or -1 before that. */
    private long brokerEpoch() {
        BrokerLifecycle current = lifecycle;
        return current == null ? -1 : current.registered().getNow(-1L);
    }

    /** Completes exceptionally if the node stopped itself after start (its data belongs to another cluster). */
    public CompletableFuture<Void> failure() {
        return failure;
    }

    /** The periodic invariant audit; a failure of the audit itself is logged and the next round runs. */
    private void audit() {
        try {
            auditor.checkNow();
        } catch (RuntimeException e) {
            log.error("{}invariant audit failed", logPrefix, e);
        }
    }

    /** The audit every {@code intervalMs} after the previous one ended (a fixed delay: a slow audit never queues). */
    private void scheduleAudit(long intervalMs) {
        timers.scheduleOnce("invariant-audit", () -> {
            audit();
            scheduleAudit(intervalMs);
        }, intervalMs);
    }

    private QuorumView quorumView() {
        return new QuorumView() {
            @Override
            public int leaderId() {
                return metadataLog.leaderId().orElse(-1);
            }

            @Override
            public Status status() {
                QuorumStatus s = metadataLog.quorumStatus();
                return new Status(s.leaderId(), s.term(), s.highWatermark(), s.voters().stream()
                        .map(v -> new QuorumView.Voter(v.id(), v.logEndOffset())).toList());
            }
        };
    }

    /**
     * Writes the cluster id to meta.properties the first time the image has one, and refuses data of another
     * cluster: at start (when meta.properties names a cluster) and whenever the image's id differs.
     */
    private final class ClusterIdGuard implements io.cairn.metadata.MetadataListener {
        private final Path dataDir;
        private final int nodeId;
        private volatile Optional<String> stored;
        private final CompletableFuture<String> firstSeen = new CompletableFuture<>();

        ClusterIdGuard(Path dataDir, int nodeId, Optional<String> stored) {
            this.dataDir = dataDir;
            this.nodeId = nodeId;
            this.stored = stored;
        }

        @Override
        public void onImage(MetadataImage previous, MetadataImage next) {
            String clusterId = next.clusterId();
            if (clusterId == null || clusterId.equals(previous.clusterId()) && stored.isPresent()) {
                return;
            }
            firstSeen.complete(clusterId);
            if (stored.isEmpty()) {
                try {
                    new MetaProperties(nodeId, Optional.of(clusterId)).write(dataDir);
                    stored = Optional.of(clusterId);
                } catch (IOException e) {
                    log.error("{}cannot write {} in {}", logPrefix, MetaProperties.FILE_NAME, dataDir, e);
                }
            } else if (!stored.get().equals(clusterId)) {
                String message = mismatch(clusterId);
                log.error("{}{}; stopping", logPrefix, message);
                failure.completeExceptionally(new IllegalStateException(message));
                new Thread(CairnNode.this::close, "cairn-stop-" + nodeId).start();
            }
        }

        /** At start, when meta.properties names a cluster: wait (bounded) for the log's id and compare. */
        void awaitFirstCheck(Duration timeout) throws Exception {
            if (stored.isEmpty()) {
                return;
            }
            String seen;
            try {
                seen = firstSeen.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                log.info("{}metadata log has no cluster id yet; checking it against {} when it arrives", logPrefix,
                        stored.get());
                return;
            }
            if (!stored.get().equals(seen)) {
                throw new IllegalStateException(mismatch(seen));
            }
        }

        private String mismatch(String clusterId) {
            return "The data directory " + dataDir + " belongs to cluster " + stored.orElse("?") + " ("
                    + MetaProperties.FILE_NAME + "), but the metadata log is of cluster " + clusterId
                    + ": refusing to start. Point log.dirs at this cluster's data, or at an empty directory";
        }
    }

    /** The port the inter-broker listener is bound to (the only one of a node with one listener). */
    public int port() {
        return port(config.listeners().interBroker().name());
    }

    /** The TLS engine of a listener, by its name: jdk or openssl (cairn.ssl.engine); empty without TLS. */
    public Optional<String> tlsEngine(String listenerName) {
        return Optional.ofNullable(tlsFactories.get(listenerName.toUpperCase(java.util.Locale.ROOT)))
                .map(ListenerTls.Engines::engine);
    }

    /** The port a listener is bound to, by its name (PLAINTEXT, SSL, ...). */
    public int port(String listenerName) {
        return boundAddresses.get(listenerName.toUpperCase(java.util.Locale.ROOT)).getPort();
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port();
    }

    /** The port of the Prometheus endpoint, or -1 when it is disabled. */
    public int metricsPort() {
        return metricsServer == null ? -1 : metricsServer.port();
    }

    public TransactionCoordinator txnCoordinator() {
        return txnCoordinator;
    }

    public GroupCoordinatorRuntime groupCoordinator() {
        return groupCoordinator;
    }

    /** queued.max.request.bytes: the bytes of requests the Kafka listener's connections hold. */
    public RequestMemoryPool requestMemoryPool() {
        return server.memoryPool();
    }

    public ReplicaManager replicas() {
        return replicas;
    }

    /** This node's live invariant audit (its violations now, what it has detected). */
    public InvariantAuditor auditor() {
        return auditor;
    }

    public Controller controller() {
        return controller;
    }

    public RatisMetadataLog metadataLog() {
        return metadataLog;
    }

    public int nodeId() {
        return config.nodeId();
    }

    public CairnConfig config() {
        return config;
    }

    /** Stops serving, then closes the logs cleanly so the next start needs no recovery. */
    @Override
    public void close() {
        close(true);
    }

    /** Stops at once, without asking the controller to move leadership away first (tests: a crash). */
    public void closeAbruptly() {
        close(false);
    }

    private synchronized void close(boolean controlled) {
        if (closed) {
            return;
        }
        closed = true;
        if (lifecycle != null && controlled) {
            lifecycle.shutdown(config.getLong(CairnConfig.CONTROLLED_SHUTDOWN_TIMEOUT_MS));
        }
        closeQuietly(server);
        listenSockets.values().forEach(this::closeQuietly); // when start failed before a server took them over
        tlsFactories.values().forEach(this::closeQuietly);
        closeQuietly(metricsServer);
        if (replicas != null) {
            replicas.shutdown();
        }
        closeQuietly(controllerChannel);
        closeQuietly(leaderClient);
        shutdown(requestThreads);
        closeQuietly(txnVerifier);
        closeQuietly(txnCoordinator);
        closeQuietly(groupCoordinator);
        shutdown(timers);
        closeQuietly(metadataLog);
        shutdown(controllerLoop);
        closeQuietly(logManager);
        log.info("{}Cairn stopped", logPrefix);
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

    /**
     * Stops the timers: tasks not yet due are dropped, a running one is waited for, but not longer than the
     * executors' shutdown below (the scheduler's threads are daemons).
     */
    private void shutdown(KafkaScheduler scheduler) {
        if (scheduler == null) {
            return;
        }
        Thread stopper = new Thread(() -> {
            try {
                scheduler.shutdown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "cairn-timers-stop-" + config.nodeId());
        stopper.setDaemon(true);
        stopper.start();
        try {
            stopper.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (stopper.isAlive()) {
            log.warn("{}A timer task still runs 5 s after the timers were stopped", logPrefix);
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
