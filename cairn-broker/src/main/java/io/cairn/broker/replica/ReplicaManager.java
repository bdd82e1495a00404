package io.cairn.broker.replica;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import io.cairn.broker.Schedulers;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.MetadataListener;
import io.cairn.metadata.OffsetWaiters;
import io.cairn.metadata.PartitionImage;
import io.cairn.metadata.TopicImage;
import io.cairn.metadata.config.DynamicBrokerConfigs;
import io.cairn.metadata.config.TopicConfigs;
import io.cairn.storage.LogConfig;
import io.cairn.storage.LogManager;
import io.cairn.storage.PartitionLog;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.server.util.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The partitions this node hosts, kept in line with the committed metadata: a partition appears when an
 * image assigns it a replica here (at creation, or when a reassignment adds this node: it then follows the
 * leader until it is in sync), takes the role the image gives it, follows config changes, and is deleted
 * when its topic goes away or a reassignment removes this node from its replicas. Handlers find partitions here and never decide leadership.
 *
 * <p>Thread-safe: {@link #onImage} runs on the metadata thread; lookups run anywhere.
 */
public final class ReplicaManager implements MetadataListener {

    private static final Logger log = LoggerFactory.getLogger(ReplicaManager.class);

    /**
     * How the broker turns a topic's config overrides into log settings, given the dynamic broker configs that
     * apply to this broker (the cluster-wide defaults overlaid with this broker's own, from the metadata image).
     */
    public interface TopicSettings {
        LogConfig logConfig(Map<String, String> dynamicBrokerConfigs, Map<String, String> topicOverrides);

        int minInsyncReplicas(Map<String, String> dynamicBrokerConfigs, Map<String, String> topicOverrides);

        /** A topic's log settings and min.insync.replicas: its overrides over the dynamic and static broker configs. */
        static TopicSettings fromBrokerConfigs(Map<String, String> brokerConfigs) {
            return new TopicSettings() {
                @Override
                public LogConfig logConfig(Map<String, String> dynamicBrokerConfigs,
                                           Map<String, String> topicOverrides) {
                    return TopicConfigs.logConfig(brokerConfigs, dynamicBrokerConfigs, topicOverrides);
                }

                @Override
                public int minInsyncReplicas(Map<String, String> dynamicBrokerConfigs,
                                             Map<String, String> topicOverrides) {
                    return (Integer) TopicConfigs.effective(brokerConfigs, dynamicBrokerConfigs, topicOverrides)
                            .get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG);
                }
            };
        }
    }

    private final int nodeId;
    private final LogManager logManager;
    private final TopicSettings settings;
    private final DelayedOperations<TopicPartition> fetchWaiters;
    private final DelayedOperations<TopicPartition> produceWaiters;
    private final String logPrefix;
    private final Partition.Settings partitionSettings;
    /** The scheduler's threads as an executor: waiters are woken there, never in the caller's thread. */
    private final java.util.concurrent.Executor workers;
    private final ReplicaFetcherManager fetchers;
    private final java.util.Map<TopicPartition, Long> checkpointedHighWatermarks;
    private final ConcurrentHashMap<TopicPartition, Partition> partitions = new ConcurrentHashMap<>();
    /** Client bytes and records per topic, for metrics. */
    private final TopicTraffic traffic = new TopicTraffic();
    /** Committed ISR changes of partitions this node led at the same leader epoch (Kafka's IsrShrinks/Expands). */
    private final AtomicLong isrShrinks = new AtomicLong();
    private final AtomicLong isrExpands = new AtomicLong();
    /** The offsets of the images this node has acted on (created the logs of, taken the roles of). */
    private final OffsetWaiters actedOn = new OffsetWaiters(MetadataImage.EMPTY.offset());
    private final Scheduler scheduler;

    public ReplicaManager(int nodeId, LogManager logManager, TopicSettings settings,
                          Scheduler scheduler, Partition.Settings partitionSettings,
                          LeaderClient leaderClient, java.util.function.LongSupplier brokerEpoch) {
        this.nodeId = nodeId;
        this.partitionSettings = partitionSettings;
        this.logManager = logManager;
        this.settings = settings;
        this.scheduler = scheduler;
        this.workers = Schedulers.executor(scheduler, "replica-manager");
        this.fetchWaiters = new DelayedOperations<>(scheduler);
        this.produceWaiters = new DelayedOperations<>(scheduler);
        this.fetchers = new ReplicaFetcherManager(nodeId, leaderClient, scheduler, brokerEpoch);
        this.fetchers.bind(this);
        this.checkpointedHighWatermarks = new ConcurrentHashMap<>(logManager.readHighWatermarks());
        logManager.setHighWatermarkCheckpointSource(this::highWatermarks);
        this.logPrefix = "[node " + nodeId + "] ";
    }

    public Optional<Partition> partition(TopicPartition topicPartition) {
        return Optional.ofNullable(partitions.get(topicPartition));
    }

    /**
     * The hosted partition, for a request about it.
     *
     * @param notHosted the error when this node does not host it
     * @throws KafkaStorageException its log is offline (could not be loaded): KAFKA_STORAGE_ERROR, as Kafka
     *                               answers for a partition in an offline log directory
     */
    public Partition partitionOrThrow(TopicPartition topicPartition, Supplier<? extends RuntimeException> notHosted) {
        Partition partition = partitions.get(topicPartition);
        if (partition != null) {
            return partition;
        }
        Optional<KafkaStorageException> offline = logManager.offline(topicPartition);
        if (offline.isPresent()) {
            throw new KafkaStorageException("The log of " + topicPartition + " on this node is offline");
        }
        throw notHosted.get();
    }

    public Collection<Partition> partitions() {
        return partitions.values();
    }

    /** The offset of the last image this node has acted on (roles taken, logs created): -1 before any. */
    public long actedOnOffset() {
        return actedOn.reached();
    }

    /** Client traffic per topic hosted here. */
    public TopicTraffic traffic() {
        return traffic;
    }

    /**
     * How many times the committed ISR of a partition this node leads got smaller while its leader epoch stayed
     * (this leader's proposal or the controller's, e.g. removing a fenced follower).
     */
    public long isrShrinks() {
        return isrShrinks.get();
    }

    /** How many times the committed ISR of a partition this node leads got larger while its leader epoch stayed. */
    public long isrExpands() {
        return isrExpands.get();
    }

    public DelayedOperations<TopicPartition> fetchWaiters() {
        return fetchWaiters;
    }

    /** acks=all produce requests waiting for their batches to be replicated. */
    public DelayedOperations<TopicPartition> produceWaiters() {
        return produceWaiters;
    }

    /**
     * Deletes logs on disk that the committed metadata no longer assigns to this node (a topic deleted while
     * this node was down). Call once the metadata log has been replayed, never during replay.
     */
    public void deleteStrayLogs(MetadataImage image) {
        for (TopicPartition tp : logManager.offlinePartitions()) {
            boolean assigned = image.topic(tp.topic())
                    .map(topic -> topic.partitions().get(tp.partition()))
                    .filter(partition -> partition.replicas().contains(nodeId))
                    .isPresent();
            if (!assigned) {
                log.info("{}Deleting stray offline log {}: the metadata no longer assigns it here", logPrefix, tp);
                logManager.delete(tp);
            }
        }
        for (PartitionLog partitionLog : logManager.all()) {
            TopicPartition tp = partitionLog.topicPartition();
            boolean assigned = image.topic(tp.topic())
                    .filter(topic -> topic.id().equals(partitionLog.topicId()))
                    .map(topic -> topic.partitions().get(tp.partition()))
                    .filter(partition -> partition != null && partition.replicas().contains(nodeId))
                    .isPresent();
            if (!assigned) {
                log.info("{}Deleting stray log {} ({}): the metadata no longer assigns it here", logPrefix, tp,
                        partitionLog.topicId());
                partitions.remove(tp);
                logManager.delete(tp);
            }
        }
    }

    /** The high watermark of a hosted partition, for retention: nothing at or above it is deleted. */
    public long highWatermark(TopicPartition topicPartition) {
        Partition partition = partitions.get(topicPartition);
        return partition == null ? 0L : partition.highWatermark();
    }

    /** Every hosted partition's high watermark, for the checkpoint file. */
    public java.util.Map<TopicPartition, Long> highWatermarks() {
        // The checkpoint read at start for the partitions not hosted yet (the node acts on images only from its
        // registration on): rewriting the file without them would lose them to a second crash meanwhile.
        java.util.Map<TopicPartition, Long> result = new java.util.HashMap<>(checkpointedHighWatermarks);
        partitions.forEach((tp, p) -> result.put(tp, p.highWatermark()));
        return result;
    }

    /** Stops fetching from leaders. */
    public void shutdown() {
        fetchers.close();
    }

    /** Drops followers that stopped keeping up from the ISRs of the partitions led here. Periodic. */
    public void maybeShrinkIsrs() {
        partitions.values().forEach(Partition::maybeShrinkIsr);
    }

    /** New data in a partition led here: wakes the followers' (and consumers') fetches parked on it. */
    public void onAppended(TopicPartition topicPartition) {
        fetchWaiters.checkAndComplete(topicPartition);
    }

    /**
     * Serves a request for {@code partitions} once this node leads them, when {@code image} (what the request
     * was read against) makes this node the leader of one it has not taken over yet: its log is being created
     * (a new topic) or its role is changing right now, and the request is better answered a few milliseconds
     * later than refused with NOT_LEADER_OR_FOLLOWER, which clients retry only after their backoff. Waits at
     * most {@code maxWaitMs} (then serves anyway); serves at once in every other case.
     *
     * @param partitions computed only when this node has not acted on {@code image} yet
     */
    public <T> CompletableFuture<T> whenLeading(MetadataImage image, Supplier<Collection<TopicPartition>> partitions,
                                                long maxWaitMs, Supplier<CompletableFuture<T>> serve) {
        if (maxWaitMs <= 0 || actedOn.reached() >= image.offset()
                || partitions.get().stream().noneMatch(tp -> becomingLeader(image, tp))) {
            return serve.get();
        }
        return Schedulers.completeOnTimeout(scheduler, "leadership-wait", actedOn.when(image.offset()), null, maxWaitMs)
                .thenComposeAsync(v -> serve.get(), workers);
    }

    /** Whether {@code image} makes this node the leader of the partition and this node has not taken over. */
    private boolean becomingLeader(MetadataImage image, TopicPartition topicPartition) {
        PartitionImage assigned = image.topic(topicPartition.topic())
                .map(t -> t.partitions().get(topicPartition.partition()))
                .orElse(null);
        if (assigned == null || assigned.leader() != nodeId) {
            return false;
        }
        Partition hosted = partitions.get(topicPartition);
        return hosted == null || !(hosted.role() instanceof ReplicaRole.Leader leader)
                || leader.leaderEpoch() < assigned.leaderEpoch();
    }

    /** Wakes fetches waiting on this partition: its high watermark may have moved. */
    public void onHighWatermarkMaybeAdvanced(TopicPartition topicPartition) {
        fetchWaiters.checkAndComplete(topicPartition);
        produceWaiters.checkAndComplete(topicPartition);
    }

    @Override
    public void onImage(MetadataImage previous, MetadataImage next) {
        try {
            Map<String, String> dynamic = DynamicBrokerConfigs.forBroker(next, nodeId);
            // A changed dynamic broker config (log.retention.ms, min.insync.replicas...) applies to every log now.
            boolean brokerConfigsChanged = !dynamic.equals(DynamicBrokerConfigs.forBroker(previous, nodeId));
            for (TopicImage topic : next.topicsByName().values()) {
                Optional<TopicImage> before = previous.topic(topic.id());
                if (before.isPresent() && before.get().equals(topic)) {
                    if (brokerConfigsChanged) {
                        reconfigure(topic, settings.logConfig(dynamic, topic.configs()),
                                settings.minInsyncReplicas(dynamic, topic.configs()));
                    }
                    continue;
                }
                LogConfig logConfig = settings.logConfig(dynamic, topic.configs());
                int minIsr = settings.minInsyncReplicas(dynamic, topic.configs());
                for (PartitionImage partition : topic.partitions().values()) {
                    if (partition.replicas().contains(nodeId)) {
                        try {
                            applyPartition(topic, partition, logConfig, minIsr);
                        } catch (KafkaStorageException e) {
                            // Its log is offline (LogManager said why): the node's other partitions go on.
                            log.debug("{}Not hosting {}-{}: {}", logPrefix, topic.name(), partition.partition(),
                                    e.getMessage());
                        }
                    } else if (before.isPresent()) {
                        PartitionImage was = before.get().partitions().get(partition.partition());
                        if (was != null && was.replicas().contains(nodeId)) {
                            removeReplica(topic, partition);
                        }
                    }
                }
            }
            for (TopicImage topic : previous.topicsByName().values()) {
                if (next.topic(topic.id()).isEmpty()) {
                    removeTopic(topic);
                }
            }
        } finally {
            // Even when acting on the image failed (logged by the publisher): requests waiting for it then
            // get the answer the partitions' state gives, instead of waiting for their timeout.
            actedOn.advanceTo(next.offset());
        }
    }

    /** New log settings and min ISR for the hosted partitions of a topic whose own metadata did not change. */
    private void reconfigure(TopicImage topic, LogConfig logConfig, int minIsr) {
        for (PartitionImage image : topic.partitions().values()) {
            Partition existing = partitions.get(new TopicPartition(topic.name(), image.partition()));
            if (existing != null && existing.topicId().equals(topic.id())) {
                if (!existing.log().config().equals(logConfig)) {
                    existing.log().updateConfig(logConfig);
                }
                existing.setMinInsyncReplicas(minIsr);
            }
        }
    }

    private void applyPartition(TopicImage topic, PartitionImage image, LogConfig logConfig, int minIsr) {
        TopicPartition tp = new TopicPartition(topic.name(), image.partition());
        ReplicaRole role = image.leader() == nodeId
                ? new ReplicaRole.Leader(image.leaderEpoch(), image.partitionEpoch(), image.isr(), image.replicas())
                : new ReplicaRole.Follower(image.leaderEpoch(), image.leader());
        Partition existing = partitions.get(tp);
        Partition partition;
        if (existing != null && existing.topicId().equals(topic.id())) {
            if (!existing.log().config().equals(logConfig)) {
                existing.log().updateConfig(logConfig);
            }
            countIsrChange(existing.role(), role);
            existing.becomeRole(role, minIsr);
            partition = existing;
        } else {
            PartitionLog partitionLog = logManager.getOrCreate(tp, topic.id(), logConfig);
            long checkpointed = image.isr().equals(java.util.List.of(nodeId)) && image.leader() == nodeId
                    ? partitionLog.logEndOffset()
                    : checkpointedHighWatermarks.getOrDefault(tp, -1L);
            // Waiters are woken on another thread: a fetch that advances the high watermark while being
            // read must not re-enter the waiters (a follower's fetch would wake the other follower's, and so on).
            partition = new Partition(tp, topic.id(), partitionLog, role, minIsr, partitionSettings, checkpointed,
                    () -> workers.execute(() -> onHighWatermarkMaybeAdvanced(tp)));
            partitions.put(tp, partition);
            log.debug("{}Hosting {} as {}", logPrefix, tp, role);
        }
        if (role instanceof ReplicaRole.Follower follower) {
            fetchers.follow(partition, follower.leaderId(), follower.leaderEpoch());
        } else {
            fetchers.unfollow(tp);
        }
        onHighWatermarkMaybeAdvanced(tp);
    }

    /** Counts a committed ISR change of a partition led here at one leader epoch. */
    private void countIsrChange(ReplicaRole before, ReplicaRole after) {
        if (before instanceof ReplicaRole.Leader was && after instanceof ReplicaRole.Leader now
                && was.leaderEpoch() == now.leaderEpoch()) {
            if (now.isr().size() < was.isr().size()) {
                isrShrinks.incrementAndGet();
            } else if (now.isr().size() > was.isr().size()) {
                isrExpands.incrementAndGet();
            }
        }
    }

    /** Drops the topic's traffic counters once this node hosts none of its partitions. */
    private void maybeForgetTopic(String topic) {
        if (partitions.keySet().stream().noneMatch(tp -> tp.topic().equals(topic))) {
            traffic.remove(topic);
        }
    }

    /** A reassignment moved this partition off this node: stop following it and delete its log. */
    private void removeReplica(TopicImage topic, PartitionImage image) {
        TopicPartition tp = new TopicPartition(topic.name(), image.partition());
        Partition removed = partitions.get(tp);
        if (removed == null || !removed.topicId().equals(topic.id())) {
            return;
        }
        fetchers.unfollow(tp);
        partitions.remove(tp);
        checkpointedHighWatermarks.remove(tp);
        logManager.delete(tp);
        onHighWatermarkMaybeAdvanced(tp);
        maybeForgetTopic(tp.topic());
        log.info("{}Deleted the log of {} ({}): reassigned to replicas {}", logPrefix, tp, topic.id(),
                image.replicas());
    }

    private void removeTopic(TopicImage topic) {
        for (Integer index : topic.partitions().keySet()) {
            TopicPartition tp = new TopicPartition(topic.name(), index);
            Partition removed = partitions.get(tp);
            if (removed != null && removed.topicId().equals(topic.id())) {
                fetchers.unfollow(tp);
                partitions.remove(tp);
                logManager.delete(tp);
                onHighWatermarkMaybeAdvanced(tp);
            }
        }
        maybeForgetTopic(topic.name());
        log.info("{}Deleted the logs of topic {} ({})", logPrefix, topic.name(), topic.id());
    }
}
