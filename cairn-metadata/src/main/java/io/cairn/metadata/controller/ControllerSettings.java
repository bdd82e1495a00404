package io.cairn.metadata.controller;

import java.util.Map;

/**
 * The controller's static settings. Immutable.
 *
 * @param nodeId                   this node's id
 * @param numPartitions            partitions of a topic created with -1 (num.partitions)
 * @param defaultReplicationFactor replication factor of a topic created with -1 (default.replication.factor)
 * @param producerIdBlockSize      producer ids handed out per AllocateProducerIds
 * @param brokerConfigs            the node's static broker settings (server.properties); topic defaults
 *                                 derive from them ({@link io.cairn.metadata.config.TopicConfigs})
 */
public record ControllerSettings(int nodeId, int numPartitions, short defaultReplicationFactor,
                                 int producerIdBlockSize, Map<String, String> brokerConfigs) {
    public ControllerSettings {
        brokerConfigs = Map.copyOf(brokerConfigs);
        if (numPartitions < 1 || defaultReplicationFactor < 1 || producerIdBlockSize < 1) {
            throw new IllegalArgumentException("numPartitions, defaultReplicationFactor and producerIdBlockSize "
                    + "must be positive");
        }
    }

    /**
     * Settings from the node's broker properties: {@code num.partitions} and {@code default.replication.factor}
     * when present, Kafka's defaults otherwise; all properties are kept as the source of topic defaults.
     */
    public static ControllerSettings fromBrokerConfigs(int nodeId, Map<String, String> brokerConfigs) {
        int partitions = Integer.parseInt(brokerConfigs.getOrDefault("num.partitions", "1").trim());
        short rf = Short.parseShort(brokerConfigs.getOrDefault("default.replication.factor", "1").trim());
        return new ControllerSettings(nodeId, partitions, rf, 1000, brokerConfigs);
    }

    /** Kafka's defaults: 1 partition, replication factor 1, blocks of 1000 producer ids, no broker settings. */
    public static ControllerSettings defaults(int nodeId) {
        return new ControllerSettings(nodeId, 1, (short) 1, 1000, Map.of());
    }
}
