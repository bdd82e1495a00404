package io.cairn.broker.replica;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.server.util.Scheduler;

/**
 * Keeps one {@link ReplicaFetcher} per leader broker this node follows partitions from, moving partitions
 * between fetchers as leadership changes in the committed metadata.
 *
 * <p>Thread-safe (synchronized; called from the metadata thread).
 */
final class ReplicaFetcherManager {

    private final int nodeId;
    private final LeaderClient client;
    private final Scheduler scheduler;
    private final LongSupplier brokerEpoch;
    private final Map<Integer, ReplicaFetcher> fetchers = new HashMap<>();
    private final Map<TopicPartition, Integer> leaderOf = new HashMap<>();
    private ReplicaManager replicas;

    ReplicaFetcherManager(int nodeId, LeaderClient client, Scheduler scheduler,
                          LongSupplier brokerEpoch) {
        this.nodeId = nodeId;
        this.client = client;
        this.scheduler = scheduler;
        this.brokerEpoch = brokerEpoch;
    }

    void bind(ReplicaManager replicaManager) {
        this.replicas = replicaManager;
    }

    /** Follows the partition from {@code leaderId} at {@code leaderEpoch}, or stops following when -1. */
    synchronized void follow(Partition partition, int leaderId, int leaderEpoch) {
        TopicPartition tp = partition.topicPartition();
        Integer previous = leaderOf.remove(tp);
        if (previous != null && previous != leaderId) {
            unfollowFrom(previous, tp);
        }
        if (leaderId < 0 || leaderId == nodeId) {
            return;
        }
        leaderOf.put(tp, leaderId);
        fetchers.computeIfAbsent(leaderId, id -> new ReplicaFetcher(nodeId, id, client, scheduler, brokerEpoch, replicas))
                .follow(partition, leaderEpoch);
    }

    synchronized void unfollow(TopicPartition tp) {
        Integer previous = leaderOf.remove(tp);
        if (previous != null) {
            unfollowFrom(previous, tp);
        }
    }

    private void unfollowFrom(int leaderId, TopicPartition tp) {
        ReplicaFetcher fetcher = fetchers.get(leaderId);
        if (fetcher != null) {
            fetcher.unfollow(tp);
            if (fetcher.isIdle()) {
                fetcher.close();
                fetchers.remove(leaderId);
            }
        }
    }

    synchronized void close() {
        fetchers.values().forEach(ReplicaFetcher::close);
        fetchers.clear();
        leaderOf.clear();
    }
}
