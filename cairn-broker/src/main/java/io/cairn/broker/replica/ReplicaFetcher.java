package io.cairn.broker.replica;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import io.cairn.broker.Schedulers;
import io.cairn.protocol.SerialExecutor;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.server.util.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows one leader broker: fetches every partition this node follows from it in one Fetch request (the
 * replica id set, topic ids, the last fetched epoch), appends what comes back, and takes the leader's high
 * watermark. A diverging epoch in the answer truncates the log to where it agrees with the leader; an
 * offset below the leader's log start restarts the log there.
 *
 * <p>Thread-safe: partitions are added and removed from the metadata thread; responses are processed one
 * at a time on a serial executor; a response for a partition whose role changed meanwhile is dropped.
 */
final class ReplicaFetcher {

    private static final Logger log = LoggerFactory.getLogger(ReplicaFetcher.class);
    static final int MAX_WAIT_MS = 500;
    static final int MAX_BYTES = 10 * 1024 * 1024;
    static final int PARTITION_MAX_BYTES = 1024 * 1024;
    static final long BACKOFF_MS = 1_000;

    /** A followed partition at the leader epoch it was assigned. */
    private record Followed(Partition partition, int leaderEpoch) {
    }

    private final int nodeId;
    private final int leaderId;
    private final LeaderClient client;
    private final Scheduler scheduler;
    private final SerialExecutor serial;
    private final LongSupplier brokerEpoch;
    private final ReplicaManager replicas;
    private final Map<TopicPartition, Followed> followed = new ConcurrentHashMap<>();
    private boolean fetching;
    private boolean closed;

    ReplicaFetcher(int nodeId, int leaderId, LeaderClient client, Scheduler scheduler,
                   LongSupplier brokerEpoch, ReplicaManager replicas) {
        this.nodeId = nodeId;
        this.leaderId = leaderId;
        this.client = client;
        this.scheduler = scheduler;
        this.serial = new SerialExecutor(Schedulers.executor(scheduler, "replica-fetcher-" + leaderId));
        this.brokerEpoch = brokerEpoch;
        this.replicas = replicas;
    }

    void follow(Partition partition, int leaderEpoch) {
        followed.put(partition.topicPartition(), new Followed(partition, leaderEpoch));
        serial.execute(this::maybeFetch);
    }

    void unfollow(TopicPartition topicPartition) {
        followed.remove(topicPartition);
    }

    boolean isIdle() {
        return followed.isEmpty();
    }

    void close() {
        serial.execute(() -> closed = true);
    }

    /**
     * Serial executor only. The request is sent at the newest Fetch version (topic ids, replica state), so
     * fields of older versions (topic names, replica id) must stay unset.
     */
    private void maybeFetch() {
        if (fetching || closed || followed.isEmpty()) {
            return;
        }
        List<Followed> batch = new ArrayList<>(followed.values());
        FetchRequestData request = buildRequest(batch);
        fetching = true;
        client.fetch(leaderId, request).whenCompleteAsync((response, error) -> {
            fetching = false;
            long delay = 0;
            if (error != null) {
                log.debug("[node {}] fetch from leader {} failed: {}", nodeId, leaderId, error.toString());
                delay = BACKOFF_MS;
            } else if (response.errorCode() != Errors.NONE.code()) {
                log.debug("[node {}] fetch from leader {} answered {}", nodeId, leaderId,
                        Errors.forCode(response.errorCode()));
                delay = BACKOFF_MS;
            } else {
                delay = process(batch, response);
            }
            if (delay == 0) {
                maybeFetch();
            } else {
                Schedulers.once(scheduler, "replica-fetch-backoff", () -> serial.execute(this::maybeFetch), delay);
            }
        }, serial);
    }

    private FetchRequestData buildRequest(List<Followed> batch) {
        FetchRequestData request = new FetchRequestData()
                .setReplicaState(new FetchRequestData.ReplicaState().setReplicaId(nodeId)
                        .setReplicaEpoch(brokerEpoch.getAsLong()))
                .setMaxWaitMs(MAX_WAIT_MS)
                .setMinBytes(1)
                .setMaxBytes(MAX_BYTES)
                .setSessionId(0)
                .setSessionEpoch(-1);
        Map<Uuid, FetchRequestData.FetchTopic> topics = new java.util.LinkedHashMap<>();
        for (Followed f : batch) {
            Partition partition = f.partition();
            FetchRequestData.FetchTopic topic = topics.computeIfAbsent(partition.topicId(),
                    id -> new FetchRequestData.FetchTopic().setTopicId(id));
            topic.partitions().add(new FetchRequestData.FetchPartition()
                    .setPartition(partition.topicPartition().partition())
                    .setCurrentLeaderEpoch(f.leaderEpoch())
                    .setFetchOffset(partition.log().logEndOffset())
                    .setLastFetchedEpoch(partition.log().latestEpoch().orElse(-1))
                    .setLogStartOffset(partition.log().logStartOffset())
                    .setPartitionMaxBytes(PARTITION_MAX_BYTES));
        }
        request.setTopics(new ArrayList<>(topics.values()));
        return request;
    }

    /** Applies one response; returns how long to wait before the next fetch. */
    private long process(List<Followed> batch, FetchResponseData response) {
        Map<Uuid, Map<Integer, FetchResponseData.PartitionData>> byTopic = new java.util.HashMap<>();
        for (FetchResponseData.FetchableTopicResponse topic : response.responses()) {
            Map<Integer, FetchResponseData.PartitionData> partitions = byTopic.computeIfAbsent(topic.topicId(),
                    id -> new java.util.HashMap<>());
            topic.partitions().forEach(p -> partitions.put(p.partitionIndex(), p));
        }
        long delay = 0;
        for (Followed f : batch) {
            if (followed.get(f.partition().topicPartition()) != f) {
                continue; // unfollowed or re-assigned at another epoch while the fetch was in flight
            }
            FetchResponseData.PartitionData data = byTopic.getOrDefault(f.partition().topicId(), Map.of())
                    .get(f.partition().topicPartition().partition());
            if (data != null && !apply(f, data)) {
                delay = BACKOFF_MS;
            }
        }
        return delay;
    }

    /** Returns false when the partition should back off. */
    private boolean apply(Followed f, FetchResponseData.PartitionData data) {
        Partition partition = f.partition();
        Errors error = Errors.forCode(data.errorCode());
        try {
            switch (error) {
                case NONE -> {
                    if (data.divergingEpoch().epoch() >= 0 || data.divergingEpoch().endOffset() >= 0) {
                        partition.truncateToDivergence(f.leaderEpoch(), data.divergingEpoch().epoch(),
                                data.divergingEpoch().endOffset());
                        return true;
                    }
                    if (data.records() instanceof MemoryRecords records && records.sizeInBytes() > 0) {
                        partition.appendAsFollower(f.leaderEpoch(), records);
                        replicas.traffic().replicationBytesIn(records.sizeInBytes());
                    }
                    partition.updateFollowerHighWatermark(data.highWatermark());
                    replicas.onHighWatermarkMaybeAdvanced(partition.topicPartition());
                    return true;
                }
                case OFFSET_OUT_OF_RANGE -> {
                    if (data.logStartOffset() > partition.log().logEndOffset()) {
                        partition.restartAsFollowerAt(f.leaderEpoch(), data.logStartOffset());
                    } else {
                        // Ahead of the leader: everything below its high watermark is committed there.
                        partition.truncateAsFollower(f.leaderEpoch(), Math.max(0, data.highWatermark()));
                    }
                    return true;
                }
                default -> {
                    log.debug("[node {}] fetching {} from leader {}: {}", nodeId, partition.topicPartition(),
                            leaderId, error);
                    return false;
                }
            }
        } catch (RuntimeException e) {
            log.warn("[node {}] cannot apply fetched data of {} from leader {}", nodeId, partition.topicPartition(),
                    leaderId, e);
            return false;
        }
    }
}
