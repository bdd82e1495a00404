package io.cairn.broker.group;

import java.util.Map;

/**
 * The group coordinator's settings, with Apache Kafka's broker config names and defaults.
 *
 * @param offsetsTopicPartitions        offsets.topic.num.partitions
 * @param offsetsTopicReplicationFactor offsets.topic.replication.factor (capped by the registered brokers)
 * @param offsetsTopicSegmentBytes      offsets.topic.segment.bytes
 * @param initialRebalanceDelayMs       group.initial.rebalance.delay.ms
 * @param minSessionTimeoutMs           group.min.session.timeout.ms
 * @param maxSessionTimeoutMs           group.max.session.timeout.ms
 * @param maxMetadataSize               offset.metadata.max.bytes
 * @param commitTimeoutMs               offsets.commit.timeout.ms: how long a write waits for the high watermark
 */
public record GroupConfig(int offsetsTopicPartitions, short offsetsTopicReplicationFactor, int offsetsTopicSegmentBytes,
                          int initialRebalanceDelayMs, int minSessionTimeoutMs, int maxSessionTimeoutMs,
                          int maxMetadataSize, long commitTimeoutMs) {

    public static final String OFFSETS_TOPIC = "__consumer_offsets";

    public static GroupConfig defaults() {
        return new GroupConfig(50, (short) 3, 100 * 1024 * 1024, 3000, 6000, 1_800_000, 4096, 5000);
    }

    /** Reads the settings from broker configs (Kafka names); missing ones keep Kafka's defaults. */
    public static GroupConfig fromBrokerConfigs(Map<String, ?> configs) {
        GroupConfig d = defaults();
        return new GroupConfig(
                (int) get(configs, "offsets.topic.num.partitions", d.offsetsTopicPartitions()),
                (short) get(configs, "offsets.topic.replication.factor", d.offsetsTopicReplicationFactor()),
                (int) get(configs, "offsets.topic.segment.bytes", d.offsetsTopicSegmentBytes()),
                (int) get(configs, "group.initial.rebalance.delay.ms", d.initialRebalanceDelayMs()),
                (int) get(configs, "group.min.session.timeout.ms", d.minSessionTimeoutMs()),
                (int) get(configs, "group.max.session.timeout.ms", d.maxSessionTimeoutMs()),
                (int) get(configs, "offset.metadata.max.bytes", d.maxMetadataSize()),
                get(configs, "offsets.commit.timeout.ms", d.commitTimeoutMs()));
    }

    private static long get(Map<String, ?> configs, String name, long defaultValue) {
        Object value = configs.get(name);
        return value == null ? defaultValue : Long.parseLong(value.toString().trim());
    }
}
