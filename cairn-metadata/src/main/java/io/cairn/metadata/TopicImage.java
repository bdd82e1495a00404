package io.cairn.metadata;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import org.apache.kafka.common.Uuid;

/**
 * One topic as the committed metadata describes it. Immutable.
 *
 * @param partitions by partition index, ascending
 * @param configs    the topic's config overrides only (not broker defaults)
 */
public record TopicImage(Uuid id, String name, SortedMap<Integer, PartitionImage> partitions,
                         Map<String, String> configs) {
    public TopicImage {
        partitions = Collections.unmodifiableSortedMap(new TreeMap<>(partitions));
        configs = Map.copyOf(configs);
    }
}
