package io.cairn.metadata.controller;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.LongConsumer;

import io.cairn.metadata.BrokerImage;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.MetadataListener;
import io.cairn.metadata.MetadataPublisher;
import io.cairn.metadata.MetadataWriter;
import io.cairn.metadata.ProducerIdBlock;
import io.cairn.metadata.log.MetadataLog;
import io.cairn.metadata.record.ChangeReason;
import io.cairn.metadata.record.ClusterIdRecord;
import io.cairn.metadata.record.DecisionRecord;
import io.cairn.metadata.record.FeatureLevelRecord;
import io.cairn.metadata.record.MetadataBatch;
import io.cairn.metadata.record.MetadataFormat;
import io.cairn.metadata.record.MetadataRecord;
import io.cairn.metadata.record.RegisterBrokerRecord;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.NotControllerException;
import org.apache.kafka.common.message.AlterClientQuotasRequestData;
import org.apache.kafka.common.message.AlterClientQuotasResponseData;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.AlterPartitionRequestData;
import org.apache.kafka.common.message.AlterPartitionResponseData;
import org.apache.kafka.common.message.AlterUserScramCredentialsRequestData;
import org.apache.kafka.common.message.AlterUserScramCredentialsResponseData;
import org.apache.kafka.common.message.BrokerHeartbeatRequestData;
import org.apache.kafka.common.message.BrokerHeartbeatResponseData;
import org.apache.kafka.common.message.BrokerRegistrationRequestData;
import org.apache.kafka.common.message.BrokerRegistrationResponseData;
import org.apache.kafka.common.message.CreateAclsRequestData;
import org.apache.kafka.common.message.CreateAclsResponseData;
import org.apache.kafka.common.message.CreateDelegationTokenRequestData;
import org.apache.kafka.common.message.CreateDelegationTokenResponseData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DeleteAclsRequestData;
import org.apache.kafka.common.message.DeleteAclsResponseData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.ElectLeadersResponseData;
import org.apache.kafka.common.message.ExpireDelegationTokenRequestData;
import org.apache.kafka.common.message.ExpireDelegationTokenResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.message.RenewDelegationTokenRequestData;
import org.apache.kafka.common.message.RenewDelegationTokenResponseData;
import org.apache.kafka.common.message.UpdateFeaturesRequestData;
import org.apache.kafka.common.message.UpdateFeaturesResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.server.util.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metadata controller of one node: the {@link MetadataWriter} request handlers call, and the listener of
 * the {@link MetadataLog}.
 *
 * <p>It is in one of two roles. {@link Standby}: it writes nothing; writes fail with the retriable
 * NOT_CONTROLLER (forwarding to the active controller is the caller's business), except registrations made
 * through the in-process {@link #registerBroker(int, String, int, String)}, which are parked and submitted on
 * activation. {@link Active}: created only when the log announces leadership of a term, after the whole
 * committed log is applied; it alone holds the write path, the broker leases (soft state: last heartbeat
 * time per broker) and the timers. Each write is decided by a pure decider against the Active role's working
 * image (the committed image plus its own appended, not-yet-applied batches), appended as one batch, and its
 * future completes once that batch has been applied to the published image. Losing leadership replaces the
 * Active object with a Standby one, discarding its state and cancelling its timers.
 *
 * <h2>Brokers: registration, lease, fencing</h2>
 * A broker registers (BrokerRegistration) and gets a new broker epoch; it starts <em>fenced</em> (it leads
 * nothing and joins no ISR), and what an earlier incarnation led moves away in the same batch. It then
 * heartbeats (BrokerHeartbeat) every {@code broker.heartbeat.interval.ms}; a heartbeat renews its lease and
 * writes nothing, unless the broker's state changes: it is unfenced once caught up ({@code
 * currentMetadataOffset} at or past its registration record), fenced when it asks ({@code wantFence}), and on
 * {@code wantShutDown} fenced with its leadership moved away, then told {@code shouldShutDown} once it has seen
 * that. A broker whose lease is older than {@code broker.session.timeout.ms} is fenced by one batch that also
 * removes it from every ISR and elects new leaders ({@link ReplicationControl}). A new Active controller gives
 * every registered broker a fresh lease, so a failover fences nobody.
 *
 * <p>A broker is fenced sooner only on evidence that it is gone (docs/adr/0020): the network layer reports that
 * the connection that carried its heartbeats closed ({@link #heartbeatConnectionClosed}; a killed process's
 * kernel closes its connections at once, a paused process's or a partitioned host's stay open), and if no
 * heartbeat of that broker follows within {@link ControllerSettings#connectionClosedGraceMs()} it is fenced
 * exactly as by lease expiry. Silence alone never fences a broker before its lease expires.
 *
 * <p>Every heartbeat of a Cairn broker also names the partitions whose logs it cannot serve
 * ({@link OfflinePartitionsField}). The Active role keeps the last report ({@link OfflineReports}; soft state: a new
 * controller learns it from the next heartbeat) and gives it to every leadership decision as
 * {@link OfflineReplicas}: the broker leaves the ISR of those partitions and leads none of them, by the fencing
 * rule limited to them; a report that changed writes one change per affected partition, a repeated one nothing.
 *
 * <h2>Metadata format</h2>
 * Every batch is written in the format the finalized level of {@value MetadataFormat#FEATURE_NAME} allows (the
 * working image's, before the batch), so every registered broker can read it; the level is raised only by
 * UpdateFeatures, when every registered broker supports the new level ({@link FeatureControl}, docs/adr/0028). A
 * new cluster starts at the newest level this node supports.
 *
 * <h2>Activation</h2>
 * The Active role first bootstraps an empty log, or raises a log of level 1 to level 2 (leases, which every
 * release since reads; a {@link FeatureLevelRecord}); then reconciles the whole image ({@link ReplicationControl#reconcile}):
 * partitions whose leader is not live and in the ISR get a new leader or are reported offline, with the
 * reason, at WARN once. Every {@code leader.imbalance.check.interval.seconds} it moves leadership back to
 * preferred replicas when {@code auto.leader.rebalance.enable} (only when some partition is imbalanced). With
 * {@code delegation.token.secret.key}, every {@code delegation.token.expiry.check.interval.ms} it removes the expired
 * delegation tokens ({@link DelegationTokenControl}, docs/adr/0034).
 *
 * <p>Threading: all decisions and role changes run on the injected event-loop executor, which must run tasks
 * one at a time in submission order. Public methods are thread-safe: they only post events. Log callbacks
 * arrive on the log's apply thread: committed batches are applied there by the {@link MetadataPublisher};
 * leadership changes are re-posted to the event loop, and so are timer tasks. Futures complete on the apply
 * thread (or the event loop when nothing was written). Time comes only from the injected {@link Time}, timers
 * only from the injected {@link Scheduler} (Kafka's; {@code KafkaScheduler} in production).
 */
public final class Controller implements MetadataWriter {

    private static final Logger LOG = LoggerFactory.getLogger(Controller.class);
    /**
     * The level a controller raises a log of level 1 to when it activates: 2, leases, which every release since
     * supports. Higher levels are raised by UpdateFeatures only ({@link MetadataFormat}).
     */
    public static final short METADATA_FORMAT_LEVEL = MetadataFormat.LEASES;
    /** How many offline partitions the activation warning names. */
    private static final int OFFLINE_NAMED = 20;

    private final ControllerSettings settings;
    private final MetadataLog log;
    private final Executor eventLoop;
    private final Time time;
    private final Random random;
    private final Scheduler scheduler;
    private final MetadataPublisher publisher;
    private final String logPrefix;
    /** Event loop only. */
    private ControllerRole role = new Standby();
    /** The term this node is active controller of, -1 when standby (for metrics and tests). */
    private volatile int activeTerm = -1;
    /**
     * Event loop only: the last node that closed this node's heartbeat connection to it while it was the
     * controller this node heartbeated, or null. Kept across roles: the evidence a next activation uses when that
     * node was the previous leader.
     */
    private ClosedConnection controllerClosed;

    /**
     * A controller without timers ({@link NoTimers}): no broker lease ever expires and leadership is never
     * rebalanced automatically. For the single-node setup, whose only broker is this node.
     */
    public Controller(ControllerSettings settings, MetadataLog log, Executor eventLoop, Time time, Random random) {
        this(settings, log, eventLoop, time, random, NoTimers.INSTANCE);
    }

    /**
     * @param scheduler the timers for broker lease expiry and leader rebalancing, started by the caller; fired
     *                  tasks are re-posted to {@code eventLoop}, so they may run on any of its threads
     */
    public Controller(ControllerSettings settings, MetadataLog log, Executor eventLoop, Time time, Random random,
                      Scheduler scheduler) {
        this.settings = settings;
        this.log = log;
        this.eventLoop = eventLoop;
        this.time = time;
        this.random = random;
        this.scheduler = scheduler;
        this.publisher = new MetadataPublisher(settings.nodeId());
        this.logPrefix = "[node " + settings.nodeId() + "] ";
    }

    /** Registers with the log and starts it: replay, then leadership. Returns at once. */
    public void start() {
        log.register(new LogListener());
        log.start();
    }

    /** The latest committed and applied image. Thread-safe. */
    public MetadataImage current() {
        return publisher.current();
    }

    public MetadataPublisher publisher() {
        return publisher;
    }

    public void addListener(MetadataListener listener) {
        publisher.addListener(listener);
    }

    /** Whether this node's controller is active now (for metrics and tests; never for routing). */
    public CompletableFuture<Boolean> isActive() {
        CompletableFuture<Boolean> f = new CompletableFuture<>();
        eventLoop.execute(() -> f.complete(role instanceof Active));
        return f;
    }

    /**
     * The term this node is the active controller of, as of the last role change on the event loop; empty when
     * standby. A volatile read, for metrics, the admin view and tests; never for routing.
     */
    public OptionalInt activeTerm() {
        int term = activeTerm;
        return term < 0 ? OptionalInt.empty() : OptionalInt.of(term);
    }

    /**
     * The partitions of the current image that have no leader, as "topic-partition" -> why (for the admin
     * view). Thread-safe.
     */
    private static String describeOffline(Map<String, String> offline) {
        StringBuilder named = new StringBuilder();
        offline.entrySet().stream().limit(OFFLINE_NAMED).forEach(e ->
                named.append("\n  ").append(e.getKey()).append(": ").append(e.getValue()));
        return named + (offline.size() > OFFLINE_NAMED ? "\n  ..." : "");
    }

    public Map<String, String> offlinePartitions() {
        return ReplicationControl.offlinePartitions(current());
    }

    /**
     * Registers (or re-registers) the broker that runs in this process and unfences it at once: it shares this
     * node's metadata, so it is caught up as soon as its registration is applied. While this node is Standby the
     * registration is parked and submitted when it becomes active. A controller with timers expects the broker
     * to heartbeat ({@link #brokerHeartbeat}) from then on, or it is fenced when its lease expires.
     *
     * @return the broker epoch, once the broker is registered and unfenced
     */
    public CompletableFuture<Long> registerBroker(int brokerId, String host, int port, String rack) {
        BrokerRegistrationRequestData request = new BrokerRegistrationRequestData().setBrokerId(brokerId)
                .setRack(rack).setIncarnationId(Uuid.ZERO_UUID);
        request.listeners().add(new BrokerRegistrationRequestData.Listener().setName("PLAINTEXT").setHost(host)
                .setPort(port));
        if (settings.registersMetadataVersions()) {
            MetadataFormat.Range supported = settings.supportedMetadataVersions();
            request.features().add(new BrokerRegistrationRequestData.Feature().setName(MetadataFormat.FEATURE_NAME)
                    .setMinSupportedVersion(supported.min()).setMaxSupportedVersion(supported.max()));
        }
        CompletableFuture<Long> future = new CompletableFuture<>();
        eventLoop.execute(() -> role.registerInProcess(new Registration(request, future)));
        return future;
    }

    /**
     * BrokerRegistration: a new broker epoch; the broker starts fenced and what its previous incarnation led
     * moves away in the same batch. Errors in the response: INCONSISTENT_CLUSTER_ID, DUPLICATE_BROKER_REGISTRATION
     * (another incarnation holds a live lease on this id), INVALID_REGISTRATION (no listener, a negative id, an
     * endpoint without a host or port), UNSUPPORTED_VERSION (the broker does not support the finalized
     * {@value MetadataFormat#FEATURE_NAME}; logged here at WARN with Kafka's message). A retry by the
     * same incarnation returns the same epoch and writes nothing.
     */
    @Override
    public CompletableFuture<BrokerRegistrationResponseData> registerBroker(BrokerRegistrationRequestData request) {
        CompletableFuture<BrokerRegistrationResponseData> future = new CompletableFuture<>();
        eventLoop.execute(() -> role.register(request, future));
        return future;
    }

    /**
     * BrokerHeartbeat: renews the broker's lease (writing nothing) and changes its state when it must: unfenced
     * once caught up, fenced on {@code wantFence}, fenced with its leadership moved away on {@code wantShutDown}
     * ({@code shouldShutDown} once its metadata offset has reached that change). A heartbeat that changes
     * nothing is answered at once (its {@code isFenced} from the committed image), one that changes the
     * broker's state once that change is applied. Errors in the response: BROKER_ID_NOT_REGISTERED,
     * STALE_BROKER_EPOCH (re-register).
     */
    @Override
    public CompletableFuture<BrokerHeartbeatResponseData> brokerHeartbeat(BrokerHeartbeatRequestData request) {
        CompletableFuture<BrokerHeartbeatResponseData> future = new CompletableFuture<>();
        eventLoop.execute(() -> role.heartbeat(request, future));
        return future;
    }

    /**
     * The network layer's report that the connection on which broker {@code brokerId}, of epoch {@code
     * brokerEpoch}, sent its heartbeats to this node has closed. While this controller is active and that
     * incarnation is unfenced, it is fenced if no heartbeat of it arrives (on any connection) within
     * {@link ControllerSettings#connectionClosedGraceMs()}; a heartbeat in that time cancels it. Ignored while
     * standby: a broker closes its connection to a controller it no longer heartbeats.
     */
    @Override
    public void heartbeatConnectionClosed(int brokerId, long brokerEpoch) {
        long now = time.milliseconds();
        eventLoop.execute(() -> {
            if (role instanceof Active active) {
                active.connectionClosed(brokerId, brokerEpoch, now);
            }
        });
    }

    /**
     * The report, from this node's own broker side, that node {@code nodeId} (broker epoch {@code brokerEpoch})
     * closed the connection on which this node heartbeated it as the active controller: evidence that the
     * process is gone. Should this node become the active controller with {@code nodeId} as the previous leader
     * within a session of this report, that broker is fenced at activation, instead of waiting for its lease
     * (docs/adr/0020, 0037).
     */
    public void controllerConnectionClosed(int nodeId, long brokerEpoch) {
        long now = time.milliseconds();
        eventLoop.execute(() -> controllerClosed = new ClosedConnection(nodeId, brokerEpoch, now));
    }

    @Override
    public CompletableFuture<AlterPartitionResponseData> alterPartition(AlterPartitionRequestData request) {
        return write("alterPartition", (image, offline) -> ReassignmentControl.thenComplete(image, offline,
                AlterPartitionControl.alterPartition(image, offline, request)));
    }

    /** AlterPartitionReassignments: see {@link ReassignmentControl}. */
    @Override
    public CompletableFuture<AlterPartitionReassignmentsResponseData> alterPartitionReassignments(
            AlterPartitionReassignmentsRequestData request) {
        return write("alterPartitionReassignments",
                (image, offline) -> ReassignmentControl.alterPartitionReassignments(image, offline, request));
    }

    @Override
    public CompletableFuture<ElectLeadersResponseData> electLeaders(ElectLeadersRequestData request) {
        return write("electLeaders",
                (image, offline) -> ElectLeadersControl.electLeaders(image, offline, request));
    }

    @Override
    public CompletableFuture<CreateTopicsResponseData> createTopics(CreateTopicsRequestData request) {
        return write("createTopics", image -> TopicControl.createTopics(image, settings, request, random));
    }

    @Override
    public CompletableFuture<DeleteTopicsResponseData> deleteTopics(DeleteTopicsRequestData request) {
        return write("deleteTopics", image -> TopicControl.deleteTopics(image, request));
    }

    @Override
    public CompletableFuture<CreatePartitionsResponseData> createPartitions(CreatePartitionsRequestData request) {
        return write("createPartitions", image -> PartitionControl.createPartitions(image, request, random));
    }

    @Override
    public CompletableFuture<IncrementalAlterConfigsResponseData> incrementalAlterConfigs(
            IncrementalAlterConfigsRequestData request) {
        return write("incrementalAlterConfigs",
                image -> ConfigControl.incrementalAlterConfigs(image, settings, request));
    }

    @Override
    public CompletableFuture<AlterConfigsResponseData> alterConfigs(AlterConfigsRequestData request) {
        return write("alterConfigs", image -> ConfigControl.alterConfigs(image, settings, request));
    }

    @Override
    public CompletableFuture<AlterUserScramCredentialsResponseData> alterUserScramCredentials(
            AlterUserScramCredentialsRequestData request) {
        return write("alterUserScramCredentials", image -> ScramControl.alterUserScramCredentials(image, request));
    }

    @Override
    public CompletableFuture<CreateDelegationTokenResponseData> createDelegationToken(
            KafkaPrincipal requester, CreateDelegationTokenRequestData request) {
        return write("createDelegationToken", image -> DelegationTokenControl.create(image, settings, requester,
                request, time.milliseconds(), random));
    }

    @Override
    public CompletableFuture<RenewDelegationTokenResponseData> renewDelegationToken(
            KafkaPrincipal requester, RenewDelegationTokenRequestData request) {
        return write("renewDelegationToken", image -> DelegationTokenControl.renew(image, settings, requester,
                request, time.milliseconds()));
    }

    @Override
    public CompletableFuture<ExpireDelegationTokenResponseData> expireDelegationToken(
            KafkaPrincipal requester, ExpireDelegationTokenRequestData request) {
        return write("expireDelegationToken", image -> DelegationTokenControl.expire(image, settings, requester,
                request, time.milliseconds()));
    }

    @Override
    public CompletableFuture<AlterClientQuotasResponseData> alterClientQuotas(AlterClientQuotasRequestData request) {
        return write("alterClientQuotas", image -> ClientQuotaControl.alterClientQuotas(image, request));
    }

    @Override
    public CompletableFuture<CreateAclsResponseData> createAcls(CreateAclsRequestData request) {
        return write("createAcls", image -> AclControl.createAcls(image, request, random));
    }

    @Override
    public CompletableFuture<DeleteAclsResponseData> deleteAcls(DeleteAclsRequestData request) {
        return write("deleteAcls", image -> AclControl.deleteAcls(image, request));
    }

    /**
     * UpdateFeatures ({@code kafka-features.sh upgrade --feature cairn.metadata.version=3}): see
     * {@link FeatureControl}.
     */
    @Override
    public CompletableFuture<UpdateFeaturesResponseData> updateFeatures(UpdateFeaturesRequestData request) {
        return write("updateFeatures", image -> {
            ControllerResult<UpdateFeaturesResponseData> result = FeatureControl.updateFeatures(image,
                    settings.nodeId(), settings.supportedMetadataVersions(), request);
            if (result.response().errorCode() != Errors.NONE.code()) {
                LOG.info("{}UpdateFeatures refused: {}", logPrefix, result.response().errorMessage());
            } else if (!result.records().isEmpty()) {
                LOG.info("{}raising {} from {} to {}", logPrefix, MetadataFormat.FEATURE_NAME,
                        image.metadataFormatFeatureLevel(),
                        ((FeatureLevelRecord) result.records().get(0)).metadataFormatFeatureLevel());
            }
            return result;
        });
    }

    @Override
    public CompletableFuture<ProducerIdBlock> allocateProducerIds(int brokerId) {
        return write("allocateProducerIds",
                image -> ProducerIdControl.allocate(image, brokerId, settings.producerIdBlockSize()));
    }

    private <T> CompletableFuture<T> write(String name, Function<MetadataImage, ControllerResult<T>> decider) {
        return write(name, (image, offline) -> decider.apply(image));
    }

    /** A write whose decider also sees which replicas the brokers report offline (leadership decisions). */
    private <T> CompletableFuture<T> write(String name,
                                           BiFunction<MetadataImage, OfflineReplicas, ControllerResult<T>> decider) {
        CompletableFuture<T> future = new CompletableFuture<>();
        eventLoop.execute(() -> role.write(name, decider, future));
        return future;
    }

    /** A closed connection of broker {@code brokerId}'s incarnation {@code brokerEpoch}, at {@code closedAtMs}. */
    private record ClosedConnection(int brokerId, long brokerEpoch, long closedAtMs) {
    }

    /** An in-process registration waiting for the Active role. */
    private record Registration(BrokerRegistrationRequestData request, CompletableFuture<Long> future) {
    }

    /** The controller's role. Confined to the event loop. */
    private sealed interface ControllerRole permits Standby, Active {
        <T> void write(String name, BiFunction<MetadataImage, OfflineReplicas, ControllerResult<T>> decider,
                       CompletableFuture<T> f);

        void registerInProcess(Registration registration);

        void register(BrokerRegistrationRequestData request, CompletableFuture<BrokerRegistrationResponseData> f);

        void heartbeat(BrokerHeartbeatRequestData request, CompletableFuture<BrokerHeartbeatResponseData> f);
    }

    private NotControllerException notController() {
        return new NotControllerException("Node " + settings.nodeId() + " is not the active controller");
    }

    /** Not the controller: refuses writes with the retriable NOT_CONTROLLER; parks in-process registrations. */
    private final class Standby implements ControllerRole {
        private final List<Registration> parked = new ArrayList<>();

        @Override
        public <T> void write(String name, BiFunction<MetadataImage, OfflineReplicas, ControllerResult<T>> decider,
                              CompletableFuture<T> future) {
            future.completeExceptionally(notController());
        }

        @Override
        public void registerInProcess(Registration registration) {
            parked.removeIf(r -> {
                if (r.request().brokerId() == registration.request().brokerId()) {
                    registration.future().whenComplete((v, e) -> complete(r.future(), v, e));
                    return true;
                }
                return false;
            });
            parked.add(registration);
        }

        @Override
        public void register(BrokerRegistrationRequestData request,
                             CompletableFuture<BrokerRegistrationResponseData> future) {
            future.completeExceptionally(notController());
        }

        @Override
        public void heartbeat(BrokerHeartbeatRequestData request,
                              CompletableFuture<BrokerHeartbeatResponseData> future) {
            future.completeExceptionally(notController());
        }
    }

    /** A broker's lease and registration, as the Active controller knows it (soft state). Event loop only. */
    private static final class Lease {
        /** {@link #connectionClosedMs} when no closed heartbeat connection is held against the broker. */
        static final long OPEN = Long.MIN_VALUE;

        long lastContactMs;
        /** The incarnation that registered through this controller; null when unknown (before activation). */
        Uuid incarnationId;
        /** The offset of its registration batch; the broker is caught up once its metadata reaches it. */
        volatile long registrationOffset;
        /** The offset of the batch that fenced it for shutdown; MAX until known, -1 when none was written. */
        volatile long shutdownOffset = -1;
        /**
         * When the connection carrying its heartbeats was seen closed with no heartbeat since, or {@link #OPEN}:
         * the evidence that fences it a grace later (docs/adr/0020).
         */
        long connectionClosedMs = OPEN;
        /** The closed connection fences at once: the previous leader's, held at activation (docs/adr/0037). */
        boolean graceServed;

        Lease(long lastContactMs, Uuid incarnationId, long registrationOffset) {
            this.lastContactMs = lastContactMs;
            this.incarnationId = incarnationId;
            this.registrationOffset = registrationOffset;
        }
    }

    /**
     * The active controller of one term: the only holder of the write path, the leases and the timers. Its
     * working image is the committed image plus the batches it has appended and not yet seen applied, so
     * consecutive decisions see each other.
     */
    private final class Active implements ControllerRole {
        private final int term;
        private MetadataImage working;
        /** The newest append: writes that record nothing wait for it, so callers read their own writes. */
        private CompletableFuture<Long> lastAppend;
        private final Map<Integer, Lease> leases = new HashMap<>();
        private final OfflineReports offlineReports = new OfflineReports(logPrefix);
        /** The last registration refusal logged per broker id (a refused broker retries); bounded. */
        private final Map<Integer, String> refusalsLogged = new HashMap<>();
        private static final int MAX_REFUSALS_REMEMBERED = 1024;
        private ScheduledFuture<?> leaseCheck;
        private ScheduledFuture<?> rebalanceCheck;
        private ScheduledFuture<?> tokenExpiryCheck;

        /**
         * A new controller cannot know when the brokers last heartbeated (its predecessor kept that), so each
         * broker's lease starts now: a whole session to reach this controller. Except the previous leader's
         * broker: the voters had not heard from that node for at least an election timeout when this term
         * began, so its lease counts that silence (capped at half a session). When the previous controller's
         * node died, its partitions move that much sooner; when it handed over alive, its broker still has
         * most of a session for a heartbeat that comes every broker.heartbeat.interval.ms.
         */
        Active(int term, MetadataImage committed, OptionalInt previousLeader) {
            this.term = term;
            this.working = committed;
            this.lastAppend = CompletableFuture.completedFuture(committed.offset());
            long now = time.milliseconds();
            long silenceMs = Math.min(settings.electionTimeoutMs(), settings.sessionTimeoutMs() / 2);
            for (BrokerImage broker : committed.brokers().values()) {
                boolean previous = previousLeader.isPresent() && previousLeader.getAsInt() == broker.id();
                Lease lease = new Lease(previous ? now - silenceMs : now, null, committed.offset());
                ClosedConnection closed = controllerClosed;
                if (previous && closed != null && closed.brokerId() == broker.id()
                        && closed.brokerEpoch() == broker.epoch()
                        && now - closed.closedAtMs() < settings.sessionTimeoutMs()) {
                    // The previous leader closed this node's heartbeat connection to it (its kernel does so when
                    // it is killed) and, being the leader, had heartbeated nobody else: the same evidence as a
                    // closed heartbeat connection at the controller, with its grace already served. The grace is
                    // for a live broker to heartbeat again on a new connection; the previous leader could not
                    // heartbeat this controller before it was elected, and now that the survivors elect at once
                    // on that same close (docs/adr/0037) the activation comes well within the grace. So it is
                    // fenced at activation.
                    lease.connectionClosedMs = closed.closedAtMs();
                    lease.graceServed = true;
                }
                leases.put(broker.id(), lease);
            }
        }

        /** A connection that carried broker {@code id}'s heartbeats to this controller closed at {@code now}. */
        void connectionClosed(int id, long brokerEpoch, long now) {
            BrokerImage broker = working.brokers().get(id);
            Lease lease = leases.get(id);
            if (broker == null || broker.fenced() || broker.epoch() != brokerEpoch || lease == null) {
                return;
            }
            LOG.debug("{}the heartbeat connection of broker {} closed; fencing it unless it heartbeats within {} ms",
                    logPrefix, id, settings.connectionClosedGraceMs());
            lease.connectionClosedMs = now;
            lease.graceServed = false;
            checkLeases();
        }

        /** What the brokers' heartbeats to this controller report offline, as the deciders take it. */
        OfflineReplicas offlineReplicas() {
            return offlineReports.view(working);
        }

        @Override
        public <T> void write(String name, BiFunction<MetadataImage, OfflineReplicas, ControllerResult<T>> decider,
                              CompletableFuture<T> future) {
            ControllerResult<T> result;
            try {
                result = decider.apply(working, offlineReplicas());
            } catch (RuntimeException e) {
                LOG.debug("{}{} failed: {}", logPrefix, name, e.toString());
                future.completeExceptionally(e);
                return;
            } catch (Error e) {
                // A decision that exhausted the heap or the stack still gets an answer instead of hanging its
                // caller until the forwarding timeout; nothing was written.
                LOG.error("{}{} failed", logPrefix, name, e);
                future.completeExceptionally(e);
                return;
            }
            submit(name, result, future, offset -> {
            });
        }

        /**
         * Appends the result's records (if any) and completes {@code future} with its response once they are
         * applied; {@code onAppended} sees the batch offset first (on the thread completing the append).
         */
        private <T> void submit(String name, ControllerResult<T> result, CompletableFuture<T> future,
                                LongConsumer onAppended) {
            CompletableFuture<Long> appended = result.records().isEmpty() ? lastAppend : append(name, result);
            appended.thenApply(offset -> {
                if (!result.records().isEmpty()) {
                    onAppended.accept(offset);
                }
                return offset;
            }).thenCompose(publisher::whenApplied).whenComplete((v, e) -> complete(future, result.response(), e));
        }

        private <T> CompletableFuture<Long> append(String name, ControllerResult<T> result) {
            List<MetadataRecord> records = stamped(result.records(), time.milliseconds());
            // In the format the level before this batch allows: every registered broker reads it (docs/adr/0028).
            int format = MetadataFormat.batchFormat(working.metadataFormatFeatureLevel());
            working = working.apply(working.offset(), records);
            long startNs = time.nanoseconds();
            CompletableFuture<Long> appended = log.append(term, format, records);
            appended.whenComplete((offset, e) -> {
                if (e != null) {
                    eventLoop.execute(() -> renounce(this, name, e));
                } else {
                    LOG.debug("{}{} committed {} records at offset {} in {} us", logPrefix, name,
                            result.records().size(), offset, (time.nanoseconds() - startNs) / 1000);
                }
            });
            lastAppend = appended;
            return appended;
        }

        /** Writes records decided by the controller itself (timers, activation); failures are logged. */
        private void writeInternal(String name, List<MetadataRecord> records) {
            if (records.isEmpty()) {
                return;
            }
            CompletableFuture<Void> f = new CompletableFuture<>();
            submit(name, ControllerResult.of(records, null), f, offset -> {
            });
            f.whenComplete((v, e) -> {
                if (e != null && !(e instanceof NotControllerException)) {
                    LOG.warn("{}{} failed: {}", logPrefix, name, e.toString());
                }
            });
        }

        @Override
        public void registerInProcess(Registration r) {
            CompletableFuture<BrokerRegistrationResponseData> registered = new CompletableFuture<>();
            register(r.request(), registered);
            registered.whenComplete((response, e) -> {
                if (e != null || response.errorCode() != Errors.NONE.code()) {
                    complete(r.future(), null, e != null ? e : Errors.forCode(response.errorCode()).exception());
                    return;
                }
                BrokerHeartbeatRequestData heartbeat = new BrokerHeartbeatRequestData()
                        .setBrokerId(r.request().brokerId()).setBrokerEpoch(response.brokerEpoch())
                        .setCurrentMetadataOffset(publisher.current().offset());
                brokerHeartbeat(heartbeat).whenComplete((hb, he) -> complete(r.future(),
                        response.brokerEpoch(), he != null ? he : hb.errorCode() != Errors.NONE.code()
                                ? Errors.forCode(hb.errorCode()).exception() : null));
            });
        }

        @Override
        public void register(BrokerRegistrationRequestData request,
                             CompletableFuture<BrokerRegistrationResponseData> future) {
            BrokerRegistrationResponseData response = new BrokerRegistrationResponseData();
            int id = request.brokerId();
            long now = time.milliseconds();
            BrokerImage existing = working.brokers().get(id);
            Lease lease = leases.get(id);
            Uuid incarnation = request.incarnationId() == null || request.incarnationId().equals(Uuid.ZERO_UUID)
                    ? null : request.incarnationId();
            Errors error = Errors.NONE;
            if (request.clusterId() != null && !request.clusterId().isEmpty() && working.clusterId() != null
                    && !request.clusterId().equals(working.clusterId())) {
                error = Errors.INCONSISTENT_CLUSTER_ID;
            } else if (request.listeners().isEmpty() || !isPossible(id, request.listeners().iterator().next())) {
                error = Errors.INVALID_REGISTRATION;
            } else if (existing != null && lease != null && incarnation != null && lease.incarnationId != null) {
                if (incarnation.equals(lease.incarnationId)) {
                    future.complete(response.setBrokerEpoch(existing.epoch()));
                    return;
                }
                if (!existing.fenced() && now - lease.lastContactMs < settings.sessionTimeoutMs()) {
                    error = Errors.DUPLICATE_BROKER_REGISTRATION;
                }
            }
            String refusal = FeatureControl.registrationRefusal(working, supported(request));
            if (error == Errors.NONE && refusal != null) {
                // As Kafka's controller: after the identity checks, a broker that cannot read the log is refused.
                // The broker retries and says so at ERROR itself; here it is said once per broker and reason, at
                // INFO as Kafka's controller logs a refused request: anyone can send a registration, and bad
                // input must not raise WARNs nor grow this map without bound.
                if (refusalsLogged.size() >= MAX_REFUSALS_REMEMBERED && !refusalsLogged.containsKey(id)) {
                    refusalsLogged.clear();
                }
                if (!refusal.equals(refusalsLogged.put(id, refusal))) {
                    LOG.info("{}refusing the registration of broker {}: {}", logPrefix, id, refusal);
                }
                error = Errors.UNSUPPORTED_VERSION;
            }
            if (error != Errors.NONE) {
                future.complete(response.setErrorCode(error.code()));
                return;
            }
            long epoch = existing == null ? 1 : existing.epoch() + 1;
            BrokerRegistrationRequestData.Listener listener = request.listeners().iterator().next();
            String rack = request.rack() == null || request.rack().isEmpty() ? null : request.rack();
            // The first listener is the inter-broker one (the others dial it); clients are told the one they use.
            List<RegisterBrokerRecord.Endpoint> endpoints = new ArrayList<>();
            for (BrokerRegistrationRequestData.Listener l : request.listeners()) {
                if (l.name() != null && !l.name().isEmpty() && isPossible(id, l)) {
                    endpoints.add(new RegisterBrokerRecord.Endpoint(l.name().toUpperCase(Locale.ROOT), l.host(),
                            l.port()));
                }
            }
            RegisterBrokerRecord record = new RegisterBrokerRecord(id, listener.host(), listener.port(), rack, epoch,
                    true, ChangeReason.BROKER_REGISTERED, -1, endpoints, FeatureControl.registeredRange(request));
            List<MetadataRecord> records = new ArrayList<>();
            records.add(record);
            Lease fresh = new Lease(now, incarnation, Long.MAX_VALUE);
            leases.put(id, fresh);
            offlineReports.forget(id);
            records.addAll(ReplicationControl.afterRegistration(working.apply(working.offset(), record), settings,
                    offlineReplicas(), id));
            LOG.info("{}registering broker {} at epoch {} ({}:{}, rack {}, listeners {})", logPrefix, id, epoch,
                    listener.host(), listener.port(), rack, endpoints.stream().map(e -> e.listener() + "://"
                            + e.host() + ":" + e.port()).toList());
            submit("registerBroker", ControllerResult.of(records, response.setBrokerEpoch(epoch)), future,
                    offset -> fresh.registrationOffset = offset);
        }

        /** The levels the registering broker supports, named or those of the release before the feature. */
        private MetadataFormat.Range supported(BrokerRegistrationRequestData request) {
            MetadataFormat.Range named = FeatureControl.registeredRange(request);
            return named != null ? named : new MetadataFormat.Range(MetadataFormat.MIN,
                    MetadataFormat.PREVIOUS_RELEASE_MAX);
        }

        @Override
        public void heartbeat(BrokerHeartbeatRequestData request,
                              CompletableFuture<BrokerHeartbeatResponseData> future) {
            BrokerHeartbeatResponseData response = new BrokerHeartbeatResponseData();
            int id = request.brokerId();
            BrokerImage broker = working.brokers().get(id);
            if (broker == null) {
                future.complete(response.setErrorCode(Errors.BROKER_ID_NOT_REGISTERED.code()).setIsFenced(true));
                return;
            }
            if (broker.epoch() != request.brokerEpoch()) {
                future.complete(response.setErrorCode(Errors.STALE_BROKER_EPOCH.code()).setIsFenced(true));
                return;
            }
            long now = time.milliseconds();
            Lease lease = leases.computeIfAbsent(id, b -> new Lease(now, null, working.offset()));
            lease.lastContactMs = now;
            lease.connectionClosedMs = Lease.OPEN;
            lease.graceServed = false;
            boolean reportChanged = offlineReports.update(working, request);
            boolean caughtUp = request.currentMetadataOffset() >= lease.registrationOffset;
            response.setIsCaughtUp(caughtUp);
            List<MetadataRecord> records = List.of();
            LongConsumer onAppended = offset -> {
            };
            if (request.wantShutDown()) {
                if (!broker.fenced()) {
                    LOG.info("{}controlled shutdown of broker {}: moving its leadership away", logPrefix, id);
                    records = ReplicationControl.fenceBroker(working, settings, offlineReplicas(), id,
                            ChangeReason.CONTROLLED_SHUTDOWN);
                    lease.shutdownOffset = Long.MAX_VALUE;
                    onAppended = offset -> lease.shutdownOffset = offset;
                } else {
                    response.setShouldShutDown(request.currentMetadataOffset() >= lease.shutdownOffset);
                }
                response.setIsFenced(true);
            } else if (request.wantFence()) {
                if (!broker.fenced()) {
                    LOG.info("{}fencing broker {} at its request", logPrefix, id);
                    records = ReplicationControl.fenceBroker(working, settings, offlineReplicas(), id,
                            ChangeReason.FENCE_REQUESTED);
                }
                response.setIsFenced(true);
            } else if (broker.fenced() && caughtUp) {
                LOG.info("{}unfencing broker {} (epoch {}): caught up at offset {}", logPrefix, id, broker.epoch(),
                        request.currentMetadataOffset());
                records = ReplicationControl.unfenceBroker(working, settings, offlineReplicas(), id);
                response.setIsFenced(false);
            } else if (reportChanged && !broker.fenced()) {
                // What it reports offline changed (or this is its first heartbeat to this controller): it leaves
                // the ISR of, and stops leading, what it cannot serve, and may lead what it serves again.
                records = ReplicationControl.afterOfflineReport(working, settings, offlineReplicas(), id);
                if (!records.isEmpty()) {
                    LOG.info("{}{} partition changes after the offline report of broker {}", logPrefix,
                            records.size(), id);
                }
                response.setIsFenced(false);
            }
            if (records.isEmpty() && !request.wantShutDown() && !request.wantFence()) {
                // Nothing to write: answer at once, from the committed image. Waiting for unrelated writes still
                // in flight (a storm of ISR changes after a restart, a large CreateTopics) would hold back the
                // broker's next heartbeat and could expire the lease of every broker, this node's included.
                BrokerImage committed = publisher.current().brokers().get(id);
                future.complete(response.setIsFenced(committed == null || committed.fenced()));
                return;
            }
            submit("brokerHeartbeat", ControllerResult.of(records, response), future, onAppended);
        }

        /** Activation: raise a level-1 log to leases, reconcile the image, start the timers. */
        void start() {
            if (working.clusterId() != null && working.metadataFormatFeatureLevel() < METADATA_FORMAT_LEVEL) {
                LOG.info("{}upgrading the metadata format from level {} to {}", logPrefix,
                        working.metadataFormatFeatureLevel(), METADATA_FORMAT_LEVEL);
                writeInternal("upgradeFormat", List.of(new FeatureLevelRecord(METADATA_FORMAT_LEVEL)));
            }
            ReplicationControl.Reconciliation reconciliation = ReplicationControl.reconcile(working, settings,
                    offlineReplicas());
            if (!reconciliation.records().isEmpty()) {
                LOG.info("{}reconciling the image: {} partition changes", logPrefix,
                        reconciliation.records().size());
                writeInternal("reconcile", reconciliation.records());
            }
            List<MetadataRecord> completions = ReassignmentControl.completions(working, offlineReplicas());
            if (!completions.isEmpty()) {
                LOG.info("{}completing {} partition reassignments", logPrefix, completions.size());
                writeInternal("completeReassignments", completions);
            }
            if (!reconciliation.offline().isEmpty()) {
                // Normal during a restart (the brokers of their ISR have not re-registered yet): say so at INFO,
                // and warn only if they are still offline once those brokers had time to come back.
                LOG.info("{}{} partitions are offline (leader -1) until an ISR member is back{}", logPrefix,
                        reconciliation.offline().size(), describeOffline(reconciliation.offline()));
                scheduler.scheduleOnce("offline-partitions-warning", () -> eventLoop.execute(() -> {
                    Map<String, String> stillOffline = ReplicationControl.offlinePartitions(current());
                    if (role == this && !stillOffline.isEmpty()) {
                        LOG.warn("{}{} partitions are offline (leader -1){}", logPrefix, stillOffline.size(),
                                describeOffline(stillOffline));
                    }
                }), 2 * settings.sessionTimeoutMs());
            }
            checkLeases(); // fences nothing yet; arms the check for the earliest lease to expire
            if (settings.autoLeaderRebalanceEnable()) {
                scheduleRebalance();
            }
            if (settings.delegationTokenSecretKey() != null) {
                scheduleTokenExpiryCheck();
            }
        }

        void stop() {
            if (leaseCheck != null) {
                leaseCheck.cancel(false);
            }
            if (rebalanceCheck != null) {
                rebalanceCheck.cancel(false);
            }
            if (tokenExpiryCheck != null) {
                tokenExpiryCheck.cancel(false);
            }
        }

        /** Every delegation.token.expiry.check.interval.ms: removes the expired delegation tokens, as Kafka. */
        private void scheduleTokenExpiryCheck() {
            tokenExpiryCheck = scheduler.scheduleOnce("delegation-token-expiry", () -> eventLoop.execute(() -> {
                if (role == this) {
                    List<MetadataRecord> removals = DelegationTokenControl.removeExpired(working,
                            time.milliseconds());
                    if (!removals.isEmpty()) {
                        LOG.info("{}removing {} expired delegation tokens", logPrefix, removals.size());
                        writeInternal("removeExpiredDelegationTokens", removals);
                    }
                    scheduleTokenExpiryCheck();
                }
            }), settings.delegationTokenExpiryCheckIntervalMs());
        }

        private void scheduleLeaseCheck(long delayMs) {
            if (leaseCheck != null) {
                leaseCheck.cancel(false);
            }
            leaseCheck = scheduler.scheduleOnce("lease-check", () -> eventLoop.execute(() -> {
                if (role == this) {
                    checkLeases();
                }
            }), Math.max(0, delayMs));
        }

        /**
         * Fences every unfenced broker whose lease has expired, or whose heartbeat connection closed a grace ago
         * with no heartbeat since (one batch each); re-arms at the next such deadline.
         */
        private void checkLeases() {
            long now = time.milliseconds();
            long timeout = settings.sessionTimeoutMs();
            long grace = settings.connectionClosedGraceMs();
            long next = timeout;
            for (BrokerImage broker : List.copyOf(working.brokers().values())) {
                if (broker.fenced()) {
                    continue;
                }
                Lease lease = leases.computeIfAbsent(broker.id(), b -> new Lease(now, null, working.offset()));
                long age = now - lease.lastContactMs;
                long closedFor = lease.connectionClosedMs == Lease.OPEN ? -1 : now - lease.connectionClosedMs;
                ChangeReason reason;
                if (age >= timeout) {
                    reason = ChangeReason.LEASE_EXPIRED;
                    LOG.info("{}fencing broker {} (epoch {}): no heartbeat for {} ms", logPrefix, broker.id(),
                            broker.epoch(), age);
                } else if (closedFor >= grace || (closedFor >= 0 && lease.graceServed)) {
                    reason = ChangeReason.CONNECTION_CLOSED;
                    LOG.info("{}fencing broker {} (epoch {}): its heartbeat connection closed {} ms ago and no "
                            + "heartbeat came since (lease renewed {} ms ago)", logPrefix, broker.id(), broker.epoch(),
                            closedFor, age);
                } else {
                    next = Math.min(next, timeout - age);
                    if (closedFor >= 0) {
                        next = Math.min(next, grace - closedFor);
                    }
                    continue;
                }
                writeInternal("fenceBroker", ReplicationControl.fenceBroker(working, settings, offlineReplicas(),
                        broker.id(), reason));
            }
            scheduleLeaseCheck(Math.max(1, next));
        }

        private void scheduleRebalance() {
            rebalanceCheck = scheduler.scheduleOnce("leader-rebalance",
                    () -> eventLoop.execute(() -> {
                        if (role == this) {
                            List<MetadataRecord> moves = ReplicationControl.rebalance(working, offlineReplicas());
                            if (!moves.isEmpty()) {
                                LOG.info("{}moving leadership of {} partitions back to their preferred replicas",
                                        logPrefix, moves.size());
                                writeInternal("rebalance", moves);
                            }
                            scheduleRebalance();
                        }
                    }), settings.leaderImbalanceCheckIntervalMs());
        }
    }

    private static <T> void complete(CompletableFuture<T> future, T value, Throwable error) {
        if (error != null) {
            future.completeExceptionally(error instanceof java.util.concurrent.CompletionException
                    && error.getCause() != null ? error.getCause() : error);
        } else {
            future.complete(value);
        }
    }

    /** The records with every decision stamped with {@code nowMs}, the controller's clock when it appends them. */
    static List<MetadataRecord> stamped(List<MetadataRecord> records, long nowMs) {
        List<MetadataRecord> stamped = new ArrayList<>(records.size());
        for (MetadataRecord record : records) {
            stamped.add(record instanceof DecisionRecord d && d.reason() != null ? d.decidedAt(nowMs) : record);
        }
        return stamped;
    }

    /** Event loop: becomes Active for {@code term}; bootstraps an empty log; submits parked registrations. */
    private void activate(int term, OptionalInt previousLeader) {
        List<Registration> parked = role instanceof Standby s ? s.parked : List.of();
        if (role instanceof Active previous) {
            previous.stop();
        }
        Active active = new Active(term, publisher.current(), previousLeader);
        role = active;
        activeTerm = term;
        LOG.info("{}active controller for term {} at offset {}", logPrefix, term, active.working.offset());
        if (active.working.clusterId() == null) {
            String clusterId = newClusterId();
            LOG.info("{}bootstrapping new cluster {}", logPrefix, clusterId);
            List<MetadataRecord> bootstrap = new java.util.ArrayList<>();
            // A new cluster starts at the newest level this node supports (Kafka's bootstrap metadata.version).
            bootstrap.add(new ClusterIdRecord(clusterId, settings.supportedMetadataVersions().max()));
            bootstrap.addAll(settings.bootstrapCredentials());
            active.writeInternal("bootstrap", bootstrap);
        }
        active.start();
        parked.forEach(active::registerInProcess);
    }

    /** A random Uuid string that does not start with '-' (command-line tools would take it for an option). */
    private String newClusterId() {
        while (true) {
            Uuid id = new Uuid(random.nextLong(), random.nextLong());
            if (!id.toString().startsWith("-") && !id.equals(Uuid.ZERO_UUID)) {
                return id.toString();
            }
        }
    }

    /** Event loop: gives up the Active role of {@code term}. */
    private void resign(int term) {
        if (role instanceof Active active && active.term == term) {
            LOG.info("{}no longer the active controller (term {})", logPrefix, term);
            active.stop();
            role = new Standby();
            activeTerm = -1;
        }
    }

    /** Event loop: an append failed; the working image can no longer be trusted, so stop writing. */
    private void renounce(Active active, String name, Throwable error) {
        if (role == active) {
            if (error instanceof NotControllerException
                    || error.getCause() instanceof NotControllerException) {
                LOG.info("{}append of {} refused in term {}: no longer the leader", logPrefix, name, active.term);
            } else {
                LOG.error("{}append of {} failed in term {}; renouncing the controller role", logPrefix, name,
                        active.term, error);
            }
            active.stop();
            role = new Standby();
            activeTerm = -1;
        }
    }

    /** Log callbacks, on the log's apply thread. */
    private final class LogListener implements MetadataLog.Listener {
        @Override
        public void handleCommit(MetadataBatch batch) {
            publisher.publish(batch);
        }

        @Override
        public void onBecomeLeader(int term, OptionalInt previousLeader) {
            eventLoop.execute(() -> activate(term, previousLeader));
        }

        @Override
        public void onResign(int term) {
            eventLoop.execute(() -> resign(term));
        }
    }

    /**
     * A broker id no node can have (negative) or an endpoint no client can reach (no host, port 0) is refused:
     * such a registration can only come from a broken or hostile client, and replicas placed on it would never
     * be served.
     */
    private static boolean isPossible(int id, BrokerRegistrationRequestData.Listener listener) {
        return id >= 0 && listener.host() != null && !listener.host().isBlank() && listener.port() > 0;
    }
}
