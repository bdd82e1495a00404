package io.cairn.broker.group;

import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

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
 * @param consumer                      the settings of consumer groups (KIP-848)
 */
public record GroupConfig(int offsetsTopicPartitions, short offsetsTopicReplicationFactor, int offsetsTopicSegmentBytes,
                          int initialRebalanceDelayMs, int minSessionTimeoutMs, int maxSessionTimeoutMs,
                          int maxMetadataSize, long commitTimeoutMs, ConsumerGroupConfig consumer) {

    public static final String OFFSETS_TOPIC = "__consumer_offsets";

    /**
     * The settings of consumer groups, Kafka's group.consumer.* configs.
     *
     * @param enabled             whether group.coordinator.rebalance.protocols includes "consumer"
     * @param sessionTimeoutMs    group.consumer.session.timeout.ms
     * @param heartbeatIntervalMs group.consumer.heartbeat.interval.ms
     * @param maxSize             group.consumer.max.size
     * @param assignors           group.consumer.assignors, the default first
     */
    public record ConsumerGroupConfig(boolean enabled, int sessionTimeoutMs, int heartbeatIntervalMs, int maxSize,
                                      List<String> assignors) {

        public static ConsumerGroupConfig defaults() {
            return new ConsumerGroupConfig(true, 45_000, 5_000, Integer.MAX_VALUE, List.of("uniform", "range"));
        }
    }

    /** Classic settings as given, consumer groups with Kafka's defaults. */
    public GroupConfig(int offsetsTopicPartitions, short offsetsTopicReplicationFactor, int offsetsTopicSegmentBytes,
                       int initialRebalanceDelayMs, int minSessionTimeoutMs, int maxSessionTimeoutMs,
                       int maxMetadataSize, long commitTimeoutMs) {
        this(offsetsTopicPartitions, offsetsTopicReplicationFactor, offsetsTopicSegmentBytes, initialRebalanceDelayMs,
                minSessionTimeoutMs, maxSessionTimeoutMs, maxMetadataSize, commitTimeoutMs,
                ConsumerGroupConfig.defaults());
    }

    public GroupConfig withConsumer(ConsumerGroupConfig newConsumer) {
        return new GroupConfig(offsetsTopicPartitions, offsetsTopicReplicationFactor, offsetsTopicSegmentBytes,
                initialRebalanceDelayMs, minSessionTimeoutMs, maxSessionTimeoutMs, maxMetadataSize, commitTimeoutMs,
                newConsumer);
    }

    public static GroupConfig defaults() {
        return new GroupConfig(50, (short) 3, 100 * 1024 * 1024, 3000, 6000, 1_800_000, 4096, 5000);
    }

    /** The settings as broker configs: types, Kafka's defaults, bounds and documentation. */
    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define("offsets.topic.num.partitions", Type.INT, 50, Range.between(1, 10_000), Importance.HIGH,
                    "Partitions of __consumer_offsets, created on first use (not changeable afterwards).")
            .define("offsets.topic.replication.factor", Type.SHORT, (short) 3, Range.atLeast(1), Importance.HIGH,
                    "Replication factor of __consumer_offsets, capped by the brokers registered when it is created.")
            .define("offsets.topic.segment.bytes", Type.INT, 100 * 1024 * 1024, Range.atLeast(1024 * 1024),
                    Importance.LOW, "segment.bytes of __consumer_offsets.")
            .define("group.initial.rebalance.delay.ms", Type.INT, 3000, Range.atLeast(0), Importance.MEDIUM,
                    "How long a new group waits for more members before its first rebalance.")
            .define("group.min.session.timeout.ms", Type.INT, 6000, Range.atLeast(1), Importance.MEDIUM,
                    "The smallest session.timeout.ms a member may ask for.")
            .define("group.max.session.timeout.ms", Type.INT, 1_800_000, Range.atLeast(1), Importance.MEDIUM,
                    "The largest session.timeout.ms a member may ask for.")
            .define("offset.metadata.max.bytes", Type.INT, 4096, Range.atLeast(0), Importance.LOW,
                    "The largest metadata string of a committed offset.")
            .define("offsets.commit.timeout.ms", Type.LONG, 5000L, Range.atLeast(1), Importance.LOW,
                    "How long a group coordinator write (offsets, group state) or a transaction marker waits for "
                            + "its replicas before failing with a retriable error.")
            .define("group.coordinator.rebalance.protocols", Type.LIST, "classic,consumer,streams",
                    ConfigDef.ValidList.in("classic", "consumer", "streams"), Importance.MEDIUM,
                    "The group protocols served: classic (JoinGroup/SyncGroup) is always on; consumer is KIP-848's "
                            + "ConsumerGroupHeartbeat. Cairn does not serve streams groups (KIP-1071) yet.")
            .define("group.consumer.session.timeout.ms", Type.INT, 45_000, Range.atLeast(1), Importance.MEDIUM,
                    "How long a consumer group member may go without a heartbeat before it is removed.")
            .define("group.consumer.heartbeat.interval.ms", Type.INT, 5_000, Range.atLeast(1), Importance.MEDIUM,
                    "How often consumer group members are told to heartbeat.")
            .define("group.consumer.max.size", Type.INT, Integer.MAX_VALUE, Range.atLeast(1), Importance.MEDIUM,
                    "The most members a consumer group may have.")
            .define("group.consumer.assignors", Type.LIST, "uniform,range", Importance.MEDIUM,
                    "The server-side assignors of consumer groups, the default first: uniform, range, or class "
                            + "names of org.apache.kafka.coordinator.group.api.assignor.ConsumerGroupPartitionAssignor.")
            .define("group.consumer.migration.policy", Type.STRING, "bidirectional",
                    ConfigDef.CaseInsensitiveValidString.in("disabled", "upgrade", "downgrade", "bidirectional"),
                    Importance.MEDIUM, "Kafka's conversion between classic and consumer groups. Cairn converts an "
                            + "empty group either way, and not yet a group with members (docs/adr/0103).");

    /**
     * Reads the settings from broker configs (Kafka names); missing ones keep Kafka's defaults.
     *
     * @throws org.apache.kafka.common.config.ConfigException a value of the wrong type or out of bounds, or an unknown
     *                                                        assignor, naming it
     */
    public static GroupConfig fromBrokerConfigs(Map<String, ?> configs) {
        Map<String, Object> v = CONFIG_DEF.parse(configs);
        GroupConfig config = new GroupConfig((int) v.get("offsets.topic.num.partitions"),
                (short) v.get("offsets.topic.replication.factor"), (int) v.get("offsets.topic.segment.bytes"),
                (int) v.get("group.initial.rebalance.delay.ms"), (int) v.get("group.min.session.timeout.ms"),
                (int) v.get("group.max.session.timeout.ms"), (int) v.get("offset.metadata.max.bytes"),
                (long) v.get("offsets.commit.timeout.ms"), new ConsumerGroupConfig(
                        ((List<?>) v.get("group.coordinator.rebalance.protocols")).contains("consumer"),
                        (int) v.get("group.consumer.session.timeout.ms"),
                        (int) v.get("group.consumer.heartbeat.interval.ms"), (int) v.get("group.consumer.max.size"),
                        ((List<?>) v.get("group.consumer.assignors")).stream().map(String::valueOf).toList()));
        ServerAssignors.of(config.consumer().assignors());
        return config;
    }
}
