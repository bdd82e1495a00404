package io.cairn.metadata.controller;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.cairn.metadata.record.MetadataFormat;
import io.cairn.metadata.record.MetadataRecordSerde;
import io.cairn.metadata.record.UserScramCredentialRecord;

/**
 * The controller's static settings. Immutable.
 *
 * @param nodeId                   this node's id
 * @param numPartitions            partitions of a topic created with -1 (num.partitions)
 * @param defaultReplicationFactor replication factor of a topic created with -1 (default.replication.factor)
 * @param producerIdBlockSize      producer ids handed out per AllocateProducerIds
 * @param brokerConfigs            the node's static broker settings (server.properties); topic defaults
 *                                 derive from them ({@link io.cairn.metadata.config.TopicConfigs}), and so
 *                                 do the controller's timers ({@link #sessionTimeoutMs()},
 *                                 {@link #leaderImbalanceCheckIntervalMs()}, {@link #autoLeaderRebalanceEnable()})
 * @param bootstrapCredentials     SCRAM credentials a new cluster starts with (Kafka's {@code kafka-storage format
 *                                 --add-scram}): written with the cluster id, by the controller that bootstraps an
 *                                 empty log, and never again
 */
public record ControllerSettings(int nodeId, int numPartitions, short defaultReplicationFactor,
                                 int producerIdBlockSize, Map<String, String> brokerConfigs,
                                 List<UserScramCredentialRecord> bootstrapCredentials) {

    /**
     * Testing only: the newest metadata batch format this node reads (default {@link MetadataRecordSerde#FORMAT_VERSION}).
     * At 1 the node reads, supports and registers as a node of the release before format 2 does (docs/adr/0028).
     */
    public static final String METADATA_FORMAT_MAX = "cairn.testing.metadata.format.max";

    /** Settings of a cluster that starts without credentials. */
    public ControllerSettings(int nodeId, int numPartitions, short defaultReplicationFactor, int producerIdBlockSize,
                              Map<String, String> brokerConfigs) {
        this(nodeId, numPartitions, defaultReplicationFactor, producerIdBlockSize, brokerConfigs, List.of());
    }

    public ControllerSettings {
        brokerConfigs = Map.copyOf(brokerConfigs);
        bootstrapCredentials = List.copyOf(bootstrapCredentials);
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

    /** {@code broker.session.timeout.ms}: a broker that has not heartbeated for this long is fenced (9000). */
    public long sessionTimeoutMs() {
        return longSetting("broker.session.timeout.ms", 9000L);
    }

    /** {@code broker.heartbeat.interval.ms}: how often brokers heartbeat (2000, Kafka's default). */
    public long heartbeatIntervalMs() {
        return longSetting("broker.heartbeat.interval.ms", 2000L);
    }

    /**
     * How long the controller waits for a broker's next heartbeat once the connection that carried its heartbeats
     * has closed, before it fences it: two heartbeat intervals, at most half a session. A live broker whose
     * connection merely dropped sends its next heartbeat, on a new connection, within one interval of the drop
     * (sooner when one was in flight: it is retried at once); the second interval is slack for a loaded host.
     */
    public long connectionClosedGraceMs() {
        return Math.min(2 * heartbeatIntervalMs(), sessionTimeoutMs() / 2);
    }

    /**
     * {@code controller.quorum.election.timeout.ms}: how long voters wait without hearing from the metadata
     * leader before they elect another (1000).
     */
    public long electionTimeoutMs() {
        return longSetting("controller.quorum.election.timeout.ms", 1000L);
    }

    /** {@code leader.imbalance.check.interval.seconds} in ms: how often leadership balance is checked (300 s). */
    public long leaderImbalanceCheckIntervalMs() {
        return longSetting("leader.imbalance.check.interval.seconds", 300L) * 1000L;
    }

    /** {@code auto.leader.rebalance.enable}: move leadership back to preferred replicas periodically (true). */
    public boolean autoLeaderRebalanceEnable() {
        return Boolean.parseBoolean(brokerConfigs.getOrDefault("auto.leader.rebalance.enable", "true").trim());
    }

    /**
     * {@code delegation.token.secret.key}, else its old name {@code delegation.token.master.key}: the key of the
     * delegation tokens' HMACs; null (tokens disabled) when neither is set or the value is empty, as Kafka.
     */
    public String delegationTokenSecretKey() {
        String key = brokerConfigs.get("delegation.token.secret.key");
        if (key == null || key.isEmpty()) {
            key = brokerConfigs.get("delegation.token.master.key");
        }
        return key == null || key.isEmpty() ? null : key;
    }

    /** {@code delegation.token.max.lifetime.ms}: no renewal takes a token past this age (7 days). */
    public long delegationTokenMaxLifetimeMs() {
        return longSetting("delegation.token.max.lifetime.ms", 7 * 24 * 3600 * 1000L);
    }

    /** {@code delegation.token.expiry.time.ms}: how long a token lives between renewals (1 day). */
    public long delegationTokenExpiryTimeMs() {
        return longSetting("delegation.token.expiry.time.ms", 24 * 3600 * 1000L);
    }

    /** {@code delegation.token.expiry.check.interval.ms}: how often the controller removes expired tokens (1 h). */
    public long delegationTokenExpiryCheckIntervalMs() {
        return longSetting("delegation.token.expiry.check.interval.ms", 3600 * 1000L);
    }

    /** The newest metadata batch format this node reads ({@link #METADATA_FORMAT_MAX}). */
    public int maxBatchFormat() {
        return (int) longSetting(METADATA_FORMAT_MAX, MetadataRecordSerde.FORMAT_VERSION);
    }

    /** The levels of {@value MetadataFormat#FEATURE_NAME} this node supports: up to what it reads. */
    public MetadataFormat.Range supportedMetadataVersions() {
        return new MetadataFormat.Range(MetadataFormat.MIN, MetadataFormat.maxLevelReading(maxBatchFormat()));
    }

    /**
     * Whether this node registers the levels it supports: not when it plays a node of the release before the feature
     * ({@link #METADATA_FORMAT_MAX} 1), which registered none.
     */
    public boolean registersMetadataVersions() {
        return maxBatchFormat() >= 2;
    }

    /** These settings with one broker setting added or replaced (tests, and tools deriving settings). */
    public ControllerSettings withBrokerConfig(String key, String value) {
        Map<String, String> configs = new HashMap<>(brokerConfigs);
        configs.put(key, value);
        return new ControllerSettings(nodeId, numPartitions, defaultReplicationFactor, producerIdBlockSize, configs,
                bootstrapCredentials);
    }

    private long longSetting(String key, long defaultValue) {
        String value = brokerConfigs.get(key);
        return value == null ? defaultValue : Long.parseLong(value.trim());
    }

    /** Kafka's defaults: 1 partition, replication factor 1, blocks of 1000 producer ids, no broker settings. */
    public static ControllerSettings defaults(int nodeId) {
        return new ControllerSettings(nodeId, 1, (short) 1, 1000, Map.of());
    }
}
