package io.cairn.broker.cluster;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.cairn.metadata.BrokerImage;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.MetadataWriter;
import io.cairn.metadata.PartitionId;
import io.cairn.metadata.controller.OfflinePartitionsField;
import io.cairn.metadata.record.MetadataFormat;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.BrokerHeartbeatRequestData;
import org.apache.kafka.common.message.BrokerHeartbeatResponseData;
import org.apache.kafka.common.message.BrokerRegistrationRequestData;
import org.apache.kafka.common.message.BrokerRegistrationResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.server.util.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's life as a broker of the cluster: it registers itself through the metadata write path
 * (forwarded to the controller; retried until committed, never blocking the listener), then heartbeats
 * every interval with the metadata offset it has applied, and on a graceful stop asks to shut down and
 * waits (bounded) for the controller's consent. Every heartbeat names the partitions whose logs this node
 * cannot serve ({@link OfflinePartitionsField}), so that the controller moves their leadership and ISR
 * membership elsewhere; sent every time, the report reaches a new controller within one interval.
 *
 * <p>A controller that does not implement heartbeats yet answers UNSUPPORTED_VERSION: tolerated quietly.
 *
 * <p>Thread-safe; its work runs on the injected scheduler (any of its threads), its time is the injected
 * {@link Time}.
 */
public final class BrokerLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(BrokerLifecycle.class);
    private static final long RETRY_MS = 500;

    private final int nodeId;
    private final String logPrefix;
    private final MetadataWriter writer;
    private final Supplier<MetadataImage> image;
    private final Supplier<Set<TopicPartition>> offlineLogs;
    private final Scheduler scheduler;
    private final Time time;
    private final long heartbeatIntervalMs;
    private final List<BrokerRegistrationRequestData.Listener> listeners;
    private final Optional<String> rack;
    private final Uuid incarnationId;
    private static final long FENCED_HEARTBEAT_MS = 100;
    private final CompletableFuture<Long> registered = new CompletableFuture<>();
    /** Completes once the committed image shows this broker registered and unfenced: it can lead and serve. */
    private final CompletableFuture<Long> ready = new CompletableFuture<>();
    private volatile long brokerEpoch = -1;
    private volatile boolean wantShutDown;
    private volatile boolean stopped;
    private volatile boolean unsupportedLogged;
    private final MetadataFormat.Range metadataVersions;
    private volatile boolean refusalLogged;
    private final CompletableFuture<Void> shutdownGranted = new CompletableFuture<>();

    /**
     * @param offlineLogs the partitions whose logs this node cannot serve (could not be loaded or created)
     * @param listeners   the advertised listeners to register, the inter-broker one first (the other brokers dial
     *                    it; clients are told the one they connect through)
     */
    public BrokerLifecycle(int nodeId, MetadataWriter writer, Supplier<MetadataImage> image,
                           Supplier<Set<TopicPartition>> offlineLogs, Scheduler scheduler, Time time,
                           long heartbeatIntervalMs, List<BrokerRegistrationRequestData.Listener> listeners,
                           Optional<String> rack) {
        this(nodeId, writer, image, offlineLogs, scheduler, time, heartbeatIntervalMs, listeners, rack, null);
    }

    /**
     * @param metadataVersions the levels of {@value MetadataFormat#FEATURE_NAME} this node supports, registered as
     *                         a feature (docs/adr/0028); null registers none, as the release before the feature did
     */
    public BrokerLifecycle(int nodeId, MetadataWriter writer, Supplier<MetadataImage> image,
                           Supplier<Set<TopicPartition>> offlineLogs, Scheduler scheduler, Time time,
                           long heartbeatIntervalMs, List<BrokerRegistrationRequestData.Listener> listeners,
                           Optional<String> rack, MetadataFormat.Range metadataVersions) {
        this(nodeId, writer, image, offlineLogs, scheduler, time, heartbeatIntervalMs, listeners, rack,
                metadataVersions, Uuid.randomUuid());
    }

    /**
     * @param incarnationId this process's incarnation, random in production; a simulation draws it from its seed,
     *                      so that a seed replays the same metadata log
     */
    public BrokerLifecycle(int nodeId, MetadataWriter writer, Supplier<MetadataImage> image,
                           Supplier<Set<TopicPartition>> offlineLogs, Scheduler scheduler, Time time,
                           long heartbeatIntervalMs, List<BrokerRegistrationRequestData.Listener> listeners,
                           Optional<String> rack, MetadataFormat.Range metadataVersions, Uuid incarnationId) {
        this.incarnationId = incarnationId;
        this.metadataVersions = metadataVersions;
        if (listeners.isEmpty()) {
            throw new IllegalArgumentException("a broker registers at least its inter-broker listener");
        }
        this.nodeId = nodeId;
        this.logPrefix = "[node " + nodeId + "] ";
        this.writer = writer;
        this.image = image;
        this.offlineLogs = offlineLogs;
        this.scheduler = scheduler;
        this.time = time;
        this.heartbeatIntervalMs = heartbeatIntervalMs;
        this.listeners = listeners.stream().map(BrokerRegistrationRequestData.Listener::duplicate).toList();
        this.rack = rack;
    }

    /** Starts registering; returns at once. */
    public void start() {
        schedule(this::register, 0);
    }

    /** Completes with the broker epoch once the registration is committed and applied on this node. */
    public CompletableFuture<Long> registered() {
        return registered;
    }

    /** Completes with the broker epoch once this broker is registered and unfenced in the local image. */
    public CompletableFuture<Long> ready() {
        return ready;
    }

    public long brokerEpoch() {
        return brokerEpoch;
    }

    private void register() {
        if (stopped) {
            return;
        }
        BrokerRegistrationRequestData request = new BrokerRegistrationRequestData()
                .setBrokerId(nodeId)
                .setClusterId(image.get().clusterId() == null ? "" : image.get().clusterId())
                .setIncarnationId(incarnationId)
                .setRack(rack.orElse(null));
        listeners.forEach(listener -> request.listeners().add(listener.duplicate()));
        if (metadataVersions != null) {
            request.features().add(new BrokerRegistrationRequestData.Feature().setName(MetadataFormat.FEATURE_NAME)
                    .setMinSupportedVersion(metadataVersions.min()).setMaxSupportedVersion(metadataVersions.max()));
        }
        writer.registerBroker(request).whenComplete((response, error) -> {
            Throwable cause = unwrap(error);
            if (cause == null && response.errorCode() == Errors.NONE.code()) {
                onRegistered(response);
            } else if (cause == null && response.errorCode() == Errors.UNSUPPORTED_VERSION.code()) {
                // Kafka's broker keeps retrying too: the operator replaces this node's release (docs/adr/0028).
                if (!refusalLogged) {
                    refusalLogged = true;
                    LOG.error("{}the controller refused to register this broker (UNSUPPORTED_VERSION): the cluster's "
                            + "finalized {} is {}, which this node does not support (it supports {}); run a release "
                            + "that supports it. Retrying.", logPrefix, MetadataFormat.FEATURE_NAME,
                            image.get().metadataFormatFeatureLevel(), metadataVersions == null
                                    ? MetadataFormat.MIN + "-" + MetadataFormat.PREVIOUS_RELEASE_MAX : metadataVersions);
                }
                schedule(this::register, RETRY_MS);
            } else {
                String problem = cause != null ? cause.toString() : Errors.forCode(response.errorCode()).name();
                LOG.debug("{}registration not committed yet ({}); retrying", logPrefix, problem);
                schedule(this::register, RETRY_MS);
            }
        });
    }

    private void onRegistered(BrokerRegistrationResponseData response) {
        brokerEpoch = response.brokerEpoch();
        BrokerImage self = image.get().brokers().get(nodeId);
        LOG.info("{}registered as broker {} with epoch {}{}", logPrefix, nodeId, brokerEpoch,
                self == null ? "" : self.fenced() ? " (fenced until caught up)" : "");
        registered.complete(brokerEpoch);
        schedule(this::heartbeat, 0);
    }

    private void heartbeat() {
        if (stopped) {
            return;
        }
        sendHeartbeat().whenComplete((response, error) -> {
            BrokerImage self = image.get().brokers().get(nodeId);
            if (self != null && self.epoch() == brokerEpoch && !self.fenced()) {
                ready.complete(brokerEpoch);
            }
            if (!wantShutDown) {
                // While fenced, report progress often so that the broker is unfenced as soon as it caught up.
                schedule(this::heartbeat, ready.isDone() ? heartbeatIntervalMs : FENCED_HEARTBEAT_MS);
            }
        });
    }

    private CompletableFuture<BrokerHeartbeatResponseData> sendHeartbeat() {
        BrokerHeartbeatRequestData request = new BrokerHeartbeatRequestData()
                .setBrokerId(nodeId)
                .setBrokerEpoch(brokerEpoch)
                .setCurrentMetadataOffset(image.get().offset())
                .setWantFence(false)
                .setWantShutDown(wantShutDown);
        OfflinePartitionsField.write(request, offlinePartitions());
        return writer.brokerHeartbeat(request).whenComplete((response, error) -> {
            Throwable cause = unwrap(error);
            if (cause == null && response.errorCode() == Errors.UNSUPPORTED_VERSION.code()) {
                cause = new UnsupportedVersionException("BrokerHeartbeat");
            }
            if (cause instanceof UnsupportedVersionException) {
                if (!unsupportedLogged) {
                    unsupportedLogged = true;
                    LOG.debug("{}the controller does not implement broker heartbeats yet", logPrefix);
                }
                if (wantShutDown) {
                    shutdownGranted.complete(null);
                }
            } else if (cause != null) {
                LOG.debug("{}heartbeat failed: {}", logPrefix, cause.toString());
            } else if (response.errorCode() == Errors.STALE_BROKER_EPOCH.code()
                    || response.errorCode() == Errors.BROKER_ID_NOT_REGISTERED.code()) {
                LOG.info("{}controller answered {} to a heartbeat; registering again", logPrefix,
                        Errors.forCode(response.errorCode()));
                schedule(this::register, 0);
            } else if (response.errorCode() == Errors.NONE.code() && response.shouldShutDown()) {
                shutdownGranted.complete(null);
            }
        });
    }

    /** The offline logs by topic id, from the current image (a topic it does not know is left out). */
    private Set<PartitionId> offlinePartitions() {
        Set<TopicPartition> offline = offlineLogs.get();
        if (offline.isEmpty()) {
            return Set.of();
        }
        MetadataImage current = image.get();
        Set<PartitionId> ids = new HashSet<>();
        for (TopicPartition tp : offline) {
            current.topic(tp.topic()).ifPresent(t -> ids.add(new PartitionId(t.id(), tp.partition())));
        }
        return ids;
    }

    /**
     * Graceful stop: heartbeats with wantShutDown until the controller says shouldShutDown (it has moved
     * leadership away), or {@code timeoutMs} passes. Then stops heartbeating.
     */
    public void shutdown(long timeoutMs) {
        if (stopped) {
            return;
        }
        if (brokerEpoch >= 0) {
            wantShutDown = true;
            long deadline = time.nanoseconds() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            while (!shutdownGranted.isDone() && time.nanoseconds() < deadline) {
                try {
                    sendHeartbeat().get(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - time.nanoseconds())),
                            TimeUnit.MILLISECONDS);
                    if (!shutdownGranted.isDone()) {
                        time.sleep(Math.min(200, heartbeatIntervalMs));
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                } catch (Exception e) {
                    LOG.debug("{}shutdown heartbeat failed: {}", logPrefix, e.toString());
                }
            }
        }
        stopped = true;
    }

    private void schedule(Runnable task, long delayMs) {
        if (stopped) {
            return;
        }
        // A stopped scheduler ignores the task (KafkaScheduler says so at INFO): the node is closing.
        scheduler.scheduleOnce("broker-lifecycle", task, delayMs);
    }

    private static Throwable unwrap(Throwable error) {
        while (error instanceof CompletionException && error.getCause() != null) {
            error = error.getCause();
        }
        return error;
    }
}
