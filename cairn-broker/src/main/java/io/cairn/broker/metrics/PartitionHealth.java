package io.cairn.broker.metrics;

import java.util.Collection;

import io.cairn.broker.replica.Partition;
import io.cairn.broker.replica.ReplicaRole;
import io.cairn.metadata.BrokerImage;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.PartitionImage;
import io.cairn.metadata.TopicImage;

/**
 * The counts operators alert on, as Kafka computes them: per leader, partitions whose committed ISR is smaller than
 * their replica set (UnderReplicatedPartitions) or than min.insync.replicas (UnderMinIsrPartitionCount); per
 * metadata image, partitions without a leader (OfflinePartitionsCount) and fenced brokers (FencedBrokerCount).
 *
 * <p>Pure functions; thread-safe.
 */
public final class PartitionHealth {

    private PartitionHealth() {
    }

    /** Whether this node leads the partition and its ISR lacks some assigned replica. */
    public static boolean underReplicated(ReplicaRole role) {
        return role instanceof ReplicaRole.Leader leader && leader.isr().size() < leader.replicas().size();
    }

    /** Whether this node leads the partition and its ISR has fewer members than {@code minInsyncReplicas}. */
    public static boolean underMinIsr(ReplicaRole role, int minInsyncReplicas) {
        return role instanceof ReplicaRole.Leader leader && leader.isr().size() < minInsyncReplicas;
    }

    public static long underReplicated(Collection<Partition> partitions) {
        return partitions.stream().filter(p -> underReplicated(p.role())).count();
    }

    public static long underMinIsr(Collection<Partition> partitions) {
        return partitions.stream().filter(p -> underMinIsr(p.role(), p.minInsyncReplicas())).count();
    }

    /** Partitions of the image without a leader. */
    public static long offline(MetadataImage image) {
        long offline = 0;
        for (TopicImage topic : image.topicsByName().values()) {
            for (PartitionImage p : topic.partitions().values()) {
                if (p.leader() == -1) {
                    offline++;
                }
            }
        }
        return offline;
    }

    /** Registered brokers the image shows fenced. */
    public static long fencedBrokers(MetadataImage image) {
        return image.brokers().values().stream().filter(BrokerImage::fenced).count();
    }
}
