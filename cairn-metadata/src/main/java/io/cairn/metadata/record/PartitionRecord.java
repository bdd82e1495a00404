package io.cairn.metadata.record;

import java.util.List;
import java.util.Objects;

import org.apache.kafka.common.Uuid;

/** A new partition of an existing topic. A no-op when the topic is unknown or the partition exists. */
public record PartitionRecord(Uuid topicId, int partition, List<Integer> replicas, List<Integer> isr, int leader,
                              int leaderEpoch, int partitionEpoch) implements MetadataRecord {
    public PartitionRecord {
        Objects.requireNonNull(topicId, "topicId");
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
    }
}
