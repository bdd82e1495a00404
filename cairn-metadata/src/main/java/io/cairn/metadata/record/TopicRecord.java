package io.cairn.metadata.record;

import java.util.Objects;

import org.apache.kafka.common.Uuid;

/** A new topic. A no-op when the name or the id is already taken. Its partitions follow as PartitionRecords. */
public record TopicRecord(String name, Uuid topicId) implements MetadataRecord {
    public TopicRecord {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(topicId, "topicId");
    }
}
