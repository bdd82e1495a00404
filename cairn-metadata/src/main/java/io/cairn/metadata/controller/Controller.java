package io.cairn.metadata.controller;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;

import io.cairn.metadata.BrokerImage;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.MetadataListener;
import io.cairn.metadata.MetadataPublisher;
import io.cairn.metadata.MetadataWriter;
import io.cairn.metadata.ProducerIdBlock;
import io.cairn.metadata.log.MetadataLog;
import io.cairn.metadata.record.ClusterIdRecord;
import io.cairn.metadata.record.MetadataBatch;
import io.cairn.metadata.record.MetadataRecord;
import io.cairn.metadata.record.RegisterBrokerRecord;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.NotControllerException;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metadata controller of one node: the {@link MetadataWriter} request handlers call, and the listener of
 * the {@link MetadataLog}.
 *
 * <p>It is in one of two roles. {@link Standby}: it writes nothing; writes fail with the retriable
 * NOT_CONTROLLER (forwarding to the active controller is a later step), except broker registrations, which
 * are parked and submitted on activation. {@link Active}: created only when the log announces leadership of
 * a term, after the whole committed log is applied; it alone holds the write path. Each write is decided by a
 * pure decider against the Active role's working image (the committed image plus its own appended,
 * not-yet-applied batches), appended as one batch, and its future completes once that batch has been applied
 * to the published image. Losing leadership replaces the Active object with a Standby one, discarding its
 * state.
 *
 * <p>Threading: all decisions and role changes run on the injected event-loop executor, which must run tasks
 * one at a time in submission order. Public methods are thread-safe: they only post events. Log callbacks
 * arrive on the log's apply thread: committed batches are applied there by the {@link MetadataPublisher};
 * leadership changes are re-posted to the event loop. Futures complete on the apply thread (or the event loop
 * when nothing was written).
 */
public final class Controller implements MetadataWriter {

    private static final Logger LOG = LoggerFactory.getLogger(Controller.class);
    /** The metadata format this controller writes. */
    public static final short METADATA_FORMAT_LEVEL = 1;

    private final ControllerSettings settings;
    private final MetadataLog log;
    private final Executor eventLoop;
    private final Time time;
    private final Random random;
    private final MetadataPublisher publisher;
    private final String logPrefix;
    /** Event loop only. */
    private ControllerRole role = new Standby();

    public Controller(ControllerSettings settings, MetadataLog log, Executor eventLoop, Time time, Random random) {
        this.settings = settings;
        this.log = log;
        this.eventLoop = eventLoop;
        this.time = time;
        this.random = random;
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
     * Registers (or re-registers) a broker, unfenced, with a new broker epoch. While this node is Standby the
     * registration is parked and submitted when it becomes active.
     *
     * @return the broker epoch, once the registration is applied
     */
    public CompletableFuture<Long> registerBroker(int brokerId, String host, int port, String rack) {
        CompletableFuture<Long> future = new CompletableFuture<>();
        eventLoop.execute(() -> role.registerBroker(new Registration(brokerId, host, port, rack, future)));
        return future;
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
        return write("alterConfigs", image -> ConfigControl.alterConfigs(image, request));
    }

    @Override
    public CompletableFuture<ProducerIdBlock> allocateProducerIds(int brokerId) {
        return write("allocateProducerIds",
                image -> ProducerIdControl.allocate(image, brokerId, settings.producerIdBlockSize()));
    }

    private <T> CompletableFuture<T> write(String name, Function<MetadataImage, ControllerResult<T>> decider) {
        CompletableFuture<T> future = new CompletableFuture<>();
        eventLoop.execute(() -> role.write(name, decider, future));
        return future;
    }

    private record Registration(int brokerId, String host, int port, String rack, CompletableFuture<Long> future) {
    }

    /** The controller's role. Confined to the event loop. */
    private sealed interface ControllerRole permits Standby, Active {
        <T> void write(String name, Function<MetadataImage, ControllerResult<T>> decider, CompletableFuture<T> f);

        void registerBroker(Registration registration);
    }

    /** Not the controller: refuses writes with the retriable NOT_CONTROLLER; parks broker registrations. */
    private final class Standby implements ControllerRole {
        private final List<Registration> parked = new ArrayList<>();

        @Override
        public <T> void write(String name, Function<MetadataImage, ControllerResult<T>> decider,
                              CompletableFuture<T> future) {
            future.completeExceptionally(new NotControllerException("Node " + settings.nodeId()
                    + " is not the active controller"));
        }

        @Override
        public void registerBroker(Registration registration) {
            parked.removeIf(r -> {
                if (r.brokerId() == registration.brokerId()) {
                    registration.future().whenComplete((v, e) -> complete(r.future(), v, e));
                    return true;
                }
                return false;
            });
            parked.add(registration);
        }
    }

    /**
     * The active controller of one term: the only holder of the write path. Its working image is the committed
     * image plus the batches it has appended and not yet seen applied, so consecutive decisions see each other.
     */
    private final class Active implements ControllerRole {
        private final int term;
        private MetadataImage working;
        /** The newest append: writes that record nothing wait for it, so callers read their own writes. */
        private CompletableFuture<Long> lastAppend;

        Active(int term, MetadataImage committed) {
            this.term = term;
            this.working = committed;
            this.lastAppend = CompletableFuture.completedFuture(committed.offset());
        }

        @Override
        public <T> void write(String name, Function<MetadataImage, ControllerResult<T>> decider,
                              CompletableFuture<T> future) {
            ControllerResult<T> result;
            try {
                result = decider.apply(working);
            } catch (RuntimeException e) {
                LOG.debug("{}{} failed: {}", logPrefix, name, e.toString());
                future.completeExceptionally(e);
                return;
            }
            CompletableFuture<Long> appended = result.records().isEmpty() ? lastAppend : append(name, result);
            appended.thenCompose(publisher::whenApplied)
                    .whenComplete((v, e) -> complete(future, result.response(), e));
        }

        private <T> CompletableFuture<Long> append(String name, ControllerResult<T> result) {
            for (MetadataRecord record : result.records()) {
                working = working.apply(working.offset(), record);
            }
            long startNs = time.nanoseconds();
            CompletableFuture<Long> appended = log.append(term, result.records());
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

        @Override
        public void registerBroker(Registration r) {
            BrokerImage existing = working.brokers().get(r.brokerId());
            long epoch = existing == null ? 1 : existing.epoch() + 1;
            RegisterBrokerRecord record = new RegisterBrokerRecord(r.brokerId(), r.host(), r.port(), r.rack(),
                    epoch, false);
            CompletableFuture<Long> f = new CompletableFuture<>();
            write("registerBroker", image -> ControllerResult.of(List.of(record), epoch), f);
            f.whenComplete((v, e) -> complete(r.future(), v, e));
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

    /** Event loop: becomes Active for {@code term}; bootstraps an empty log; submits parked registrations. */
    private void activate(int term) {
        List<Registration> parked = role instanceof Standby s ? s.parked : List.of();
        Active active = new Active(term, publisher.current());
        role = active;
        LOG.info("{}active controller for term {} at offset {}", logPrefix, term, active.working.offset());
        if (active.working.clusterId() == null) {
            String clusterId = newClusterId();
            LOG.info("{}bootstrapping new cluster {}", logPrefix, clusterId);
            active.write("bootstrap", image -> ControllerResult.of(
                    List.of(new ClusterIdRecord(clusterId, METADATA_FORMAT_LEVEL)), null), new CompletableFuture<>());
        }
        parked.forEach(active::registerBroker);
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
            role = new Standby();
        }
    }

    /** Event loop: an append failed; the working image can no longer be trusted, so stop writing. */
    private void renounce(Active active, String name, Throwable error) {
        if (role == active) {
            LOG.error("{}append of {} failed in term {}; renouncing the controller role", logPrefix, name,
                    active.term, error);
            role = new Standby();
        }
    }

    /** Log callbacks, on the log's apply thread. */
    private final class LogListener implements MetadataLog.Listener {
        @Override
        public void handleCommit(MetadataBatch batch) {
            publisher.publish(batch);
        }

        @Override
        public void onBecomeLeader(int term) {
            eventLoop.execute(() -> activate(term));
        }

        @Override
        public void onResign(int term) {
            eventLoop.execute(() -> resign(term));
        }
    }
}
