package io.cairn.metadata.record;

import java.util.Objects;

import org.apache.kafka.common.Uuid;

/** Deletes a topic with its partitions and config overrides. A no-op when the topic id is unknown. */
public record RemoveTopicRecord(Uuid topicId) implements MetadataRecord {
    public RemoveTopicRecord {
        Objects.requireNonNull(topicId, "topicId");
    }
}
