package io.cairn.metadata;

import org.apache.kafka.common.Uuid;

/** One partition of one topic, by topic id (a topic deleted and re-created under its name is another one). */
public record PartitionId(Uuid topicId, int partition) {

    @Override
    public String toString() {
        return topicId + ":" + partition;
    }
}
