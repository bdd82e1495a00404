package io.cairn.broker.replica;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.cairn.storage.LogConfig;
import io.cairn.storage.LogManager;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.server.util.Scheduler;

/**
 * A replica manager for node 1 alone, for tests of what sits on top of it (handlers, coordinators): default log
 * configs, min.insync.replicas 1, and ISR changes and follower fetches that never complete (no other node).
 */
public final class LoneReplicas {

    private LoneReplicas() {
    }

    /** @param replicaLagTimeMaxMs how long a follower may lag (matters only to tests that add followers) */
    public static ReplicaManager start(LogManager logManager, Scheduler scheduler,
                                       long replicaLagTimeMaxMs) {
        ReplicaManager.TopicSettings settings = new ReplicaManager.TopicSettings() {
            @Override
            public LogConfig logConfig(Map<String, String> dynamic, Map<String, String> topicOverrides) {
                return LogConfig.defaults();
            }

            @Override
            public int minInsyncReplicas(Map<String, String> dynamic, Map<String, String> topicOverrides) {
                return 1;
            }
        };
        return new ReplicaManager(1, logManager, settings, scheduler,
                new Partition.Settings(1, Time.SYSTEM, (topicId, tp, epoch, partitionEpoch, isr) ->
                        new CompletableFuture<>(), replicaLagTimeMaxMs, broker -> true),
                (leaderId, request) -> new CompletableFuture<>(), () -> 1L);
    }
}
