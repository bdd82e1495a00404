package io.cairn.broker.cluster;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import io.cairn.broker.ProducerIdManager;
import io.cairn.broker.group.GroupConfig;
import io.cairn.broker.group.GroupCoordinatorRuntime;
import io.cairn.broker.handlers.ClusterApiHandlers;
import io.cairn.broker.handlers.FetchHandler;
import io.cairn.broker.handlers.FindCoordinatorHandler;
import io.cairn.broker.handlers.ForwardingHandlers;
import io.cairn.broker.handlers.HeartbeatConnections;
import io.cairn.broker.handlers.InitProducerIdHandler;
import io.cairn.broker.handlers.OffsetCommitHandler;
import io.cairn.broker.handlers.OffsetFetchHandler;
import io.cairn.broker.handlers.ProduceHandler;
import io.cairn.broker.handlers.TransactionHandlers;
import io.cairn.broker.replica.ControllerIsrChanger;
import io.cairn.broker.replica.Partition;
import io.cairn.broker.replica.ReplicaManager;
import io.cairn.broker.txn.TransactionConfig;
import io.cairn.broker.txn.TransactionCoordinator;
import io.cairn.broker.txn.TxnMarkerSender;
import io.cairn.broker.txn.TxnMarkerWriter;
import io.cairn.broker.txn.TxnVerifier;
import io.cairn.metadata.BrokerImage;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.MetadataWriter;
import io.cairn.metadata.PartitionImage;
import io.cairn.metadata.TopicImage;
import io.cairn.metadata.controller.Controller;
import io.cairn.metadata.controller.ControllerSettings;
import io.cairn.metadata.controller.SimQueue;
import io.cairn.metadata.controller.SimRaft;
import io.cairn.protocol.ApiRegistry;
import io.cairn.protocol.RequestContext;
import io.cairn.protocol.RequestDispatcher;
import io.cairn.protocol.RequestObserver;
import io.cairn.protocol.ServingGate;
import io.cairn.storage.LogManager;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.message.BrokerRegistrationRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * One incarnation of a simulated node, wired as {@code CairnNode} wires it: the real {@link Controller} over its
 * {@link SimRaft} log, the real {@link ForwardingMetadataWriter} over the simulated network, the real
 * {@link BrokerLifecycle} and {@link ControllerIsrChanger} on top of it; the real {@link ReplicaManager} over a real
 * {@link LogManager} in the node's data directory (which outlives the incarnation, as a kill -9 leaves the files: the
 * next one recovers its logs), fed every committed image, proposing its ISR changes through that
 * {@link ControllerIsrChanger} and fetching as a follower through {@link #fetchFromLeader} over the simulated
 * network; and the real handlers (CreateTopics, BrokerRegistration, BrokerHeartbeat with its
 * {@link HeartbeatConnections}, AlterPartition, Produce, Fetch) behind the real {@link RequestDispatcher} serving
 * clients and the other nodes; the group coordinator (FindCoordinator, OffsetCommit, OffsetFetch) and the transaction
 * coordinator (InitProducerId, AddPartitionsToTxn, EndTxn, WriteTxnMarkers, the transactional Produce's
 * verification). Everything runs on the node's {@link SimProcess} and the simulated clock. Not part of it: the
 * metrics and the invariant auditor's timer, failing disks. Not thread-safe.
 */
final class SimNode {

    static final long HEARTBEAT_INTERVAL_MS = 2000;
    /** Kafka's replica.lag.time.max.ms is 30 s; shorter, so that a seed of two minutes sees ISRs shrink. */
    static final long REPLICA_LAG_TIME_MAX_MS = 10_000;
    /**
     * How long a follower's fetch waits for its answer before the fetcher backs off and fetches again: a lost
     * message (the simulation's stand-in for a connection that breaks silently) costs this, as a request timeout on
     * a real connection does.
     */
    static final long FETCH_TIMEOUT_MS = 5_000;
    /**
     * The most a follower's fetch asks for of one partition (the fetcher's own limit is 1 MB): with the simulation's
     * small records, a follower that fell behind then catches up over several fetches, as one does behind a busy
     * leader, and meanwhile the leader's high watermark is past its log end.
     */
    static final int FETCH_PARTITION_MAX_BYTES = 1024;
    private static final long RETENTION_CHECK_MS = 300_000;

    final int id;
    final SimProcess process;
    final SimRaft.NodeLog log;
    final Controller controller;
    final ForwardingMetadataWriter writer;
    final BrokerLifecycle lifecycle;
    final ControllerIsrChanger isr;
    final LogManager logs;
    final ReplicaManager replicas;
    /** The group coordinator, over this node's replicas of __consumer_offsets, as in CairnNode. */
    final GroupCoordinatorRuntime groups;
    /**
     * The transaction coordinator, over this node's replicas of __transaction_state, as in CairnNode: its markers
     * and the produce path's KIP-890 verifications go to the other nodes over a channel of their own.
     */
    final TransactionCoordinator txns;
    /** Per partition, the leader epochs at which an image this incarnation applied named it the leader. */
    final Map<TopicPartition, Set<Integer>> ledAt = new HashMap<>();
    private final NodeChannel channel;
    private final SimQueue queue;
    /** The metadata Raft leader as this node knows it (it learns of a new one a little after the election). */
    int knownLeader = -1;
    /** Until when this node's disk is slow, and what each data-path operation then waits for it. */
    private long diskSlowUntilMs;
    private long diskLatencyMs;

    SimNode(int id, SimQueue queue, SimRaft raft, SimNetwork network, ControllerSettings settings, Random random,
            long requestTimeoutMs, Path dataDir) {
        this.id = id;
        this.queue = queue;
        this.process = new SimProcess(queue);
        this.log = raft.node(id);
        log.runningWhile(process::running);
        this.controller = new Controller(settings, log, process.executor(), queue.time, new Random(random.nextLong()),
                process);
        this.channel = network.channel(id, process);
        // As CairnNode: the controller this node heartbeats closed the connection, evidence for the next one.
        channel.onHeartbeatPeerClosed(address -> controller.current().brokers().values().stream()
                .filter(b -> b.port() == address.getPort() && b.host().equals(address.getHostString()))
                .findFirst().ifPresent(b -> controller.controllerConnectionClosed(b.id(), b.epoch())));
        this.writer = new ForwardingMetadataWriter(id, controller, () -> knownLeader,
                controller::current, channel, process, queue.time, requestTimeoutMs);
        this.isr = new ControllerIsrChanger(id, this::brokerEpoch, controller::current, writer);
        // One recovery thread: the logs found at start load on the calling thread, in the simulation's one.
        this.logs = new LogManager(dataDir, queue.time, process, RETENTION_CHECK_MS, 1);
        logs.startup();
        this.replicas = new ReplicaManager(id, logs, ReplicaManager.TopicSettings.fromBrokerConfigs(settings.brokerConfigs()), process,
                new Partition.Settings(id, queue.time, isr, REPLICA_LAG_TIME_MAX_MS, broker -> {
                    BrokerImage b = controller.current().brokers().get(broker);
                    return b != null && !b.fenced();
                }), this::fetchFromLeader, this::brokerEpoch);
        logs.setHighWatermarks(replicas::highWatermark);
        long lagCheckMs = REPLICA_LAG_TIME_MAX_MS / 2;
        process.schedule("isr-shrink", replicas::maybeShrinkIsrs, lagCheckMs, lagCheckMs);
        // As CairnNode: the replica manager and the coordinators act on the images from this incarnation's
        // registration on, never on the history its metadata log replays.
        CompletableFuture<Long> registered = new CompletableFuture<>();
        controller.addListener(new AfterOwnRegistration(replicas, registered));
        controller.addListener((previous, next) -> recordLeadership(next));
        GroupConfig groupConfig = GroupConfig.fromBrokerConfigs(settings.brokerConfigs());
        // after the replica manager, as in CairnNode: a shard loads from a partition this image made it lead
        this.groups = new GroupCoordinatorRuntime(id, queue.time, groupConfig, replicas, process, process.eventLoop(),
                new Random(random.nextLong()));
        controller.addListener(new AfterOwnRegistration(groups, registered));
        TransactionConfig txnConfig = TransactionConfig.fromBrokerConfigs(settings.brokerConfigs());
        ProducerIdManager producerIds = new ProducerIdManager(id, writer);
        TxnMarkerWriter markers = new TxnMarkerWriter(replicas, groups, groupConfig.commitTimeoutMs());
        NodeChannel txnChannel = network.channel(id, process);
        this.txns = new TransactionCoordinator(id, queue.time, txnConfig, producerIds, controller::current, replicas,
                process, process.eventLoop(), groupConfig.offsetsTopicPartitions(),
                new TxnMarkerSender(id, controller::current, markers, process, txnChannel));
        controller.addListener(new AfterOwnRegistration(txns, registered));
        TxnVerifier verifier = new TxnVerifier(id, controller::current, txns, process, queue.time, txnChannel);
        BrokerRegistrationRequestData.Listener listener = new BrokerRegistrationRequestData.Listener()
                .setName("PLAINTEXT").setHost(SimNetwork.address(id).getHostString())
                .setPort(SimNetwork.address(id).getPort()).setSecurityProtocol((short) 0);
        this.lifecycle = new BrokerLifecycle(id, writer, controller::current, logs::offlinePartitions, process,
                queue.time,
                HEARTBEAT_INTERVAL_MS, List.of(listener), Optional.empty(), settings.supportedMetadataVersions(),
                new Uuid(random.nextLong(), random.nextLong()));
        lifecycle.registered().thenAccept(registered::complete);
        writer.gateClientWritesOn(lifecycle.ready());
        Function<RequestContext, MetadataWriter> routed = ClusterApiHandlers.routing(writer);
        ApiRegistry registry = ApiRegistry.builder()
                .add(ForwardingHandlers.createTopics(routed))
                .add(ClusterApiHandlers.brokerRegistration(routed))
                .add(ClusterApiHandlers.brokerHeartbeat(routed, new HeartbeatConnections()))
                .add(ClusterApiHandlers.alterPartition(routed))
                .add(ClusterApiHandlers.allocateProducerIds(routed))
                .add(new ProduceHandler(controller::current, replicas, verifier))
                .add(new FetchHandler(controller::current, replicas))
                .add(new FindCoordinatorHandler(controller::current, writer, groupConfig, txnConfig))
                .add(new InitProducerIdHandler(producerIds, txns))
                .add(TransactionHandlers.addPartitionsToTxn(txns, controller::current))
                .add(TransactionHandlers.endTxn(txns))
                .add(TransactionHandlers.writeTxnMarkers(markers))
                .add(new OffsetCommitHandler(groups, controller::current))
                .add(new OffsetFetchHandler(groups))
                .build();
        RequestDispatcher dispatcher = new RequestDispatcher(registry, process.executor(), "[node " + id + "] ",
                RequestObserver.NONE, ServingGate.alwaysOpen(), queue.time);
        network.serve(id, new SimNetwork.Server(process, dispatcher,
                api -> api == ApiKeys.PRODUCE || api == ApiKeys.FETCH ? diskDelayMs() : 0));
    }

    /** Starts the process: the controller replays its log, the broker registers. */
    void start() {
        controller.start();
        lifecycle.start();
    }

    /**
     * kill -9: nothing of this incarnation runs again; its log stops being delivered. Its partition logs stay on
     * disk as they are, written but not closed (the files of a killed process keep everything it wrote).
     */
    void kill() {
        process.kill();
        log.close();
    }

    /**
     * The disk turns slow for {@code forMs}: until then every operation on the partition logs waits
     * {@code latencyMs} for it, the leader's serving of a produce or a fetch and the follower's append of what it
     * fetched. The node's heartbeats and metadata do not wait (in Cairn they touch no partition log), so it stays
     * registered and unfenced while its replicas fall behind.
     */
    void slowDisk(long forMs, long latencyMs) {
        diskSlowUntilMs = queue.now() + forMs;
        diskLatencyMs = latencyMs;
    }

    private long diskDelayMs() {
        return queue.now() < diskSlowUntilMs ? diskLatencyMs : 0;
    }

    /** After the seed: closes the files of this incarnation, killed or not (nothing runs any more). */
    void releaseFiles() {
        try {
            logs.close();
        } catch (RuntimeException e) {
            // a later incarnation owns the directory now; these handles only had to go
        }
    }

    /**
     * The follower fetch of {@code ChannelLeaderClient}: to the leader's listener in this node's image, over the
     * simulated network; failed when it does not answer within {@link #FETCH_TIMEOUT_MS}.
     */
    private CompletableFuture<FetchResponseData> fetchFromLeader(int leaderId, FetchRequestData request) {
        BrokerImage leader = controller.current().brokers().get(leaderId);
        request.topics().forEach(t -> t.partitions().forEach(p -> p.setPartitionMaxBytes(FETCH_PARTITION_MAX_BYTES)));
        if (leader == null) {
            return CompletableFuture.failedFuture(new TimeoutException("broker " + leaderId + " is not registered"));
        }
        CompletableFuture<FetchResponseData> answer = channel.send(
                new java.net.InetSocketAddress(leader.host(), leader.port()),
                new DataRequestBuilder(ApiKeys.FETCH, request)).thenApply(r -> (FetchResponseData) r.data());
        process.at(FETCH_TIMEOUT_MS, () -> answer.completeExceptionally(new TimeoutException("fetch timed out")));
        // the fetcher appends what it fetched to this node's logs: on a slow disk, that waits for it
        return answer.thenCompose(response -> {
            long delay = diskDelayMs();
            if (delay == 0) {
                return CompletableFuture.completedFuture(response);
            }
            CompletableFuture<FetchResponseData> appended = new CompletableFuture<>();
            process.at(delay, () -> appended.complete(response));
            return appended;
        });
    }

    /** Notes the partitions this committed image makes this node lead, at which leader epoch. */
    private void recordLeadership(MetadataImage image) {
        for (TopicImage topic : image.topicsByName().values()) {
            for (PartitionImage p : topic.partitions().values()) {
                if (p.leader() == id) {
                    ledAt.computeIfAbsent(new TopicPartition(topic.name(), p.partition()), tp -> new HashSet<>())
                            .add(p.leaderEpoch());
                }
            }
        }
    }

    long brokerEpoch() {
        return lifecycle.brokerEpoch();
    }

    MetadataImage image() {
        return controller.current();
    }
}
