package io.cairn.metadata.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongUnaryOperator;

import io.cairn.storage.LogConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidList;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.record.TimestampType;

/**
 * The topic-level configs Cairn supports, with Apache Kafka's names, types, defaults and validators; how
 * broker-level settings ({@code log.retention.hours}, {@code message.max.bytes}, ...) become topic defaults;
 * and the {@link LogConfig} a partition log runs with.
 *
 * <p>Precedence, lowest first: Kafka's default, the static broker setting, the dynamic cluster-wide broker
 * setting, the topic override.
 *
 * <p>Thread-safe (stateless).
 */
public final class TopicConfigs {

    /** Kafka 4's minimum of {@code segment.bytes} and {@code log.segment.bytes}: 1 MiB. */
    public static final int MIN_SEGMENT_BYTES = 1024 * 1024;

    /**
     * A static node property for tests only, Cairn's counterpart of Kafka's {@code internal.segment.bytes}: when
     * set, every partition log of the node rolls its segments at this size, below {@link #MIN_SEGMENT_BYTES}.
     * Unlike Kafka's, it is not a topic config: a client can set it neither on a topic (CreateTopics,
     * AlterConfigs answer "Unknown topic config name") nor as a dynamic broker config, so the bound holds for
     * everything a client sends.
     */
    public static final String INTERNAL_SEGMENT_BYTES = "cairn.internal.segment.bytes";

    /** The topic config definitions. */
    public static final ConfigDef DEF = define();

    private static final ConfigDef NODE_INTERNAL = new ConfigDef()
            .defineInternal(INTERNAL_SEGMENT_BYTES, Type.INT, ConfigDef.NO_DEFAULT_VALUE, Range.atLeast(1),
                    Importance.LOW, "Tests only: the segment size of every log of the node.");

    /** Topic config name -> the broker settings that give its default, highest priority first. */
    private static final Map<String, List<BrokerKey>> BROKER_KEYS = brokerKeys();

    private TopicConfigs() {
    }

    private static ConfigDef define() {
        long week = TimeUnit.DAYS.toMillis(7);
        return new ConfigDef()
                .define(TopicConfig.CLEANUP_POLICY_CONFIG, Type.LIST, TopicConfig.CLEANUP_POLICY_DELETE,
                        ValidList.in(false, TopicConfig.CLEANUP_POLICY_COMPACT, TopicConfig.CLEANUP_POLICY_DELETE),
                        Importance.MEDIUM, TopicConfig.CLEANUP_POLICY_DOC)
                .define(TopicConfig.RETENTION_MS_CONFIG, Type.LONG, week, Range.atLeast(-1), Importance.MEDIUM,
                        TopicConfig.RETENTION_MS_DOC)
                .define(TopicConfig.RETENTION_BYTES_CONFIG, Type.LONG, -1L, Importance.MEDIUM,
                        TopicConfig.RETENTION_BYTES_DOC)
                // Kafka 4's floor; tests that need small segments use the node-only INTERNAL_SEGMENT_BYTES.
                .define(TopicConfig.SEGMENT_BYTES_CONFIG, Type.INT, 1024 * 1024 * 1024,
                        Range.atLeast(MIN_SEGMENT_BYTES), Importance.MEDIUM, TopicConfig.SEGMENT_BYTES_DOC)
                .define(TopicConfig.SEGMENT_MS_CONFIG, Type.LONG, week, Range.atLeast(1), Importance.MEDIUM,
                        TopicConfig.SEGMENT_MS_DOC)
                .define(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Type.INT, 1024 * 1024 + 12, Range.atLeast(0),
                        Importance.MEDIUM, TopicConfig.MAX_MESSAGE_BYTES_DOC)
                .define(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Type.INT, 1, Range.atLeast(1), Importance.MEDIUM,
                        TopicConfig.MIN_IN_SYNC_REPLICAS_DOC)
                .define(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, Type.STRING, "CreateTime",
                        ValidString.in("CreateTime", "LogAppendTime"), Importance.MEDIUM,
                        TopicConfig.MESSAGE_TIMESTAMP_TYPE_DOC)
                .define(TopicConfig.INDEX_INTERVAL_BYTES_CONFIG, Type.INT, 4096, Range.atLeast(0), Importance.MEDIUM,
                        TopicConfig.INDEX_INTERVAL_BYTES_DOC)
                .define(TopicConfig.SEGMENT_INDEX_BYTES_CONFIG, Type.INT, 10 * 1024 * 1024, Range.atLeast(4),
                        Importance.MEDIUM, TopicConfig.SEGMENT_INDEX_BYTES_DOC)
                .define(TopicConfig.FLUSH_MESSAGES_INTERVAL_CONFIG, Type.LONG, Long.MAX_VALUE, Range.atLeast(1),
                        Importance.MEDIUM, TopicConfig.FLUSH_MESSAGES_INTERVAL_DOC)
                .define(TopicConfig.FLUSH_MS_CONFIG, Type.LONG, Long.MAX_VALUE, Range.atLeast(0), Importance.MEDIUM,
                        TopicConfig.FLUSH_MS_DOC)
                .define(TopicConfig.FILE_DELETE_DELAY_MS_CONFIG, Type.LONG, 60_000L, Range.atLeast(0),
                        Importance.MEDIUM, TopicConfig.FILE_DELETE_DELAY_MS_DOC)
                .define(TopicConfig.DELETE_RETENTION_MS_CONFIG, Type.LONG, TimeUnit.DAYS.toMillis(1),
                        Range.atLeast(0), Importance.MEDIUM, TopicConfig.DELETE_RETENTION_MS_DOC)
                .define(TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, Type.LONG, 0L, Range.atLeast(0),
                        Importance.MEDIUM, TopicConfig.MIN_COMPACTION_LAG_MS_DOC)
                .define(TopicConfig.MAX_COMPACTION_LAG_MS_CONFIG, Type.LONG, Long.MAX_VALUE, Range.atLeast(1),
                        Importance.MEDIUM, TopicConfig.MAX_COMPACTION_LAG_MS_DOC)
                .define(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG, Type.DOUBLE, 0.5, Range.between(0, 1),
                        Importance.MEDIUM, TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_DOC)
                .define(TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG, Type.BOOLEAN, false, Importance.MEDIUM,
                        TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_DOC)
                .define(TopicConfig.COMPRESSION_TYPE_CONFIG, Type.STRING, "producer",
                        ValidString.in("uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"),
                        Importance.MEDIUM, TopicConfig.COMPRESSION_TYPE_DOC)
                .define(TopicConfig.PREALLOCATE_CONFIG, Type.BOOLEAN, false, Importance.MEDIUM,
                        TopicConfig.PREALLOCATE_DOC)
                .define(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG, Type.LONG, Long.MAX_VALUE,
                        Range.atLeast(0), Importance.MEDIUM, TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_DOC)
                .define(TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG, Type.LONG, TimeUnit.HOURS.toMillis(1),
                        Range.atLeast(0), Importance.MEDIUM, TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_DOC);
    }

    /** A broker setting that gives a topic default, with the unit conversion into the topic config's unit. */
    private record BrokerKey(String name, LongUnaryOperator toTopicUnit) {
        static BrokerKey same(String name) {
            return new BrokerKey(name, null);
        }
    }

    private static Map<String, List<BrokerKey>> brokerKeys() {
        Map<String, List<BrokerKey>> m = new LinkedHashMap<>();
        m.put(TopicConfig.CLEANUP_POLICY_CONFIG, List.of(BrokerKey.same("log.cleanup.policy")));
        m.put(TopicConfig.RETENTION_MS_CONFIG, List.of(BrokerKey.same("log.retention.ms"),
                new BrokerKey("log.retention.minutes", TimeUnit.MINUTES::toMillis),
                new BrokerKey("log.retention.hours", TimeUnit.HOURS::toMillis)));
        m.put(TopicConfig.RETENTION_BYTES_CONFIG, List.of(BrokerKey.same("log.retention.bytes")));
        m.put(TopicConfig.SEGMENT_BYTES_CONFIG, List.of(BrokerKey.same("log.segment.bytes")));
        m.put(TopicConfig.SEGMENT_MS_CONFIG, List.of(BrokerKey.same("log.roll.ms"),
                new BrokerKey("log.roll.hours", TimeUnit.HOURS::toMillis)));
        m.put(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, List.of(BrokerKey.same("message.max.bytes")));
        m.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, List.of(BrokerKey.same("min.insync.replicas")));
        m.put(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, List.of(BrokerKey.same("log.message.timestamp.type")));
        m.put(TopicConfig.INDEX_INTERVAL_BYTES_CONFIG, List.of(BrokerKey.same("log.index.interval.bytes")));
        m.put(TopicConfig.SEGMENT_INDEX_BYTES_CONFIG, List.of(BrokerKey.same("log.index.size.max.bytes")));
        m.put(TopicConfig.FLUSH_MESSAGES_INTERVAL_CONFIG, List.of(BrokerKey.same("log.flush.interval.messages")));
        m.put(TopicConfig.FLUSH_MS_CONFIG, List.of(BrokerKey.same("log.flush.interval.ms")));
        m.put(TopicConfig.FILE_DELETE_DELAY_MS_CONFIG, List.of(BrokerKey.same("log.segment.delete.delay.ms")));
        m.put(TopicConfig.DELETE_RETENTION_MS_CONFIG, List.of(BrokerKey.same("log.cleaner.delete.retention.ms")));
        m.put(TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, List.of(BrokerKey.same("log.cleaner.min.compaction.lag.ms")));
        m.put(TopicConfig.MAX_COMPACTION_LAG_MS_CONFIG, List.of(BrokerKey.same("log.cleaner.max.compaction.lag.ms")));
        m.put(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG, List.of(BrokerKey.same("log.cleaner.min.cleanable.ratio")));
        m.put(TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG,
                List.of(BrokerKey.same("unclean.leader.election.enable")));
        m.put(TopicConfig.COMPRESSION_TYPE_CONFIG, List.of(BrokerKey.same("compression.type")));
        m.put(TopicConfig.PREALLOCATE_CONFIG, List.of(BrokerKey.same("log.preallocate")));
        m.put(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG,
                List.of(BrokerKey.same("log.message.timestamp.before.max.ms")));
        m.put(TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG,
                List.of(BrokerKey.same("log.message.timestamp.after.max.ms")));
        return m;
    }

    /** Whether {@code name} is a topic config Cairn knows. */
    public static boolean isTopicConfig(String name) {
        return DEF.configKeys().containsKey(name);
    }

    /** The topic config a broker setting gives the default of, if any ("log.retention.hours" -> "retention.ms"). */
    /** The broker-level properties that set this topic config's default, strongest first. */
    public static List<String> brokerKeysFor(String topicKey) {
        return BROKER_KEYS.getOrDefault(topicKey, List.of()).stream().map(BrokerKey::name).toList();
    }

    public static Optional<String> topicConfigForBrokerKey(String brokerKey) {
        for (Map.Entry<String, List<BrokerKey>> e : BROKER_KEYS.entrySet()) {
            for (BrokerKey k : e.getValue()) {
                if (k.name().equals(brokerKey)) {
                    return Optional.of(e.getKey());
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Validates topic config overrides: names must be known topic configs, values must parse and pass the
     * validators.
     *
     * @return an error message for INVALID_CONFIG, or empty when valid
     */
    public static Optional<String> validate(Map<String, String> overrides) {
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            if (!isTopicConfig(e.getKey())) {
                return Optional.of("Unknown topic config name: " + e.getKey());
            }
            if (e.getValue() == null) {
                return Optional.of("Null value not supported for topic config: " + e.getKey());
            }
        }
        try {
            DEF.parse(overrides);
            return Optional.empty();
        } catch (ConfigException e) {
            return Optional.of(e.getMessage());
        }
    }

    /**
     * Validates one broker-level setting that may be changed dynamically: only the topic-default settings
     * ({@code log.retention.ms}, ...) are; the value must be valid for the topic config it maps to.
     *
     * @return an error message for INVALID_CONFIG, or empty when valid
     */
    public static Optional<String> validateBrokerConfig(String brokerKey, String value) {
        Optional<String> topicKey = topicConfigForBrokerKey(brokerKey);
        if (topicKey.isEmpty()) {
            return Optional.of("Cannot update broker config " + brokerKey + " dynamically");
        }
        try {
            Map<String, String> single = Map.of(brokerKey, value);
            return validate(Map.of(topicKey.get(), brokerValue(single, topicKey.get()).orElseThrow()));
        } catch (RuntimeException e) {
            return Optional.of("Invalid value " + value + " for broker config " + brokerKey + ": " + e.getMessage());
        }
    }

    /**
     * Validates a node's static settings that give topic defaults ({@code log.segment.bytes}, ...) and
     * {@link #INTERNAL_SEGMENT_BYTES}, so that a bad value fails the node's start, named, as Kafka's does, rather
     * than the first log created with it.
     *
     * @throws ConfigException naming the first invalid property
     */
    public static void validateNodeSettings(Map<String, String> staticBroker) {
        for (Map.Entry<String, String> e : new TreeMap<>(staticBroker).entrySet()) {
            if (topicConfigForBrokerKey(e.getKey()).isPresent()) {
                Optional<String> error = validateBrokerConfig(e.getKey(), e.getValue());
                if (error.isPresent()) {
                    throw new ConfigException(e.getKey(), e.getValue(), error.get());
                }
            }
        }
        internalSegmentBytes(staticBroker);
    }

    /** The test-only segment size of the node's logs, if set. @throws ConfigException a value that is not >= 1 */
    private static Optional<Integer> internalSegmentBytes(Map<String, String> staticBroker) {
        String value = staticBroker.get(INTERNAL_SEGMENT_BYTES);
        if (value == null) {
            return Optional.empty();
        }
        return Optional.of((Integer) NODE_INTERNAL.parse(Map.of(INTERNAL_SEGMENT_BYTES, value))
                .get(INTERNAL_SEGMENT_BYTES));
    }

    /**
     * The topic defaults the broker settings give, as topic config name -> value, for the settings present.
     * {@code log.retention.ms} beats {@code log.retention.minutes} beats {@code log.retention.hours}.
     */
    public static Map<String, String> topicDefaultsFromBroker(Map<String, String> brokerConfigs) {
        Map<String, String> result = new TreeMap<>();
        for (String topicKey : BROKER_KEYS.keySet()) {
            brokerValue(brokerConfigs, topicKey).ifPresent(v -> result.put(topicKey, v));
        }
        return result;
    }

    private static Optional<String> brokerValue(Map<String, String> brokerConfigs, String topicKey) {
        for (BrokerKey k : BROKER_KEYS.get(topicKey)) {
            String v = brokerConfigs.get(k.name());
            if (v != null) {
                v = v.trim();
                return Optional.of(k.toTopicUnit() == null ? v
                        : Long.toString(k.toTopicUnit().applyAsLong(Long.parseLong(v))));
            }
        }
        return Optional.empty();
    }

    /**
     * The effective topic configs (every known config) with their sources.
     *
     * @param staticBroker         the node's static broker settings (server.properties)
     * @param dynamicBrokerDefault the cluster-wide dynamic broker settings (image broker configs for "")
     * @param topicOverrides       the topic's overrides
     */
    public static List<DescribedConfig> describe(Map<String, String> staticBroker,
                                                 Map<String, String> dynamicBrokerDefault,
                                                 Map<String, String> topicOverrides) {
        return describe(staticBroker, dynamicBrokerDefault, Map.of(), topicOverrides);
    }

    /**
     * The effective topic configs on one broker, whose own dynamic broker configs ({@code dynamicThisBroker})
     * beat the cluster-wide ones (source DYNAMIC_BROKER_CONFIG), as its logs use them.
     */
    public static List<DescribedConfig> describe(Map<String, String> staticBroker,
                                                 Map<String, String> dynamicBrokerDefault,
                                                 Map<String, String> dynamicThisBroker,
                                                 Map<String, String> topicOverrides) {
        Map<String, String> fromStatic = topicDefaultsFromBroker(staticBroker);
        Map<String, String> fromDynamic = topicDefaultsFromBroker(dynamicBrokerDefault);
        Map<String, String> fromThisBroker = topicDefaultsFromBroker(dynamicThisBroker);
        List<DescribedConfig> result = new ArrayList<>();
        for (ConfigDef.ConfigKey key : new TreeMap<>(DEF.configKeys()).values()) {
            String value;
            ConfigSource source;
            if (topicOverrides.containsKey(key.name)) {
                value = topicOverrides.get(key.name);
                source = ConfigSource.DYNAMIC_TOPIC_CONFIG;
            } else if (fromThisBroker.containsKey(key.name)) {
                value = fromThisBroker.get(key.name);
                source = ConfigSource.DYNAMIC_BROKER_CONFIG;
            } else if (fromDynamic.containsKey(key.name)) {
                value = fromDynamic.get(key.name);
                source = ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG;
            } else if (fromStatic.containsKey(key.name)) {
                value = fromStatic.get(key.name);
                source = ConfigSource.STATIC_BROKER_CONFIG;
            } else {
                value = ConfigDef.convertToString(key.defaultValue, key.type);
                source = ConfigSource.DEFAULT_CONFIG;
            }
            result.add(new DescribedConfig(key.name, value, source, key.type, false, false, key.documentation));
        }
        return result;
    }

    /** The effective values, parsed: Kafka defaults, then broker settings, then topic overrides. */
    public static Map<String, Object> effective(Map<String, String> staticBroker,
                                                Map<String, String> dynamicBrokerDefault,
                                                Map<String, String> topicOverrides) {
        Map<String, String> merged = new TreeMap<>(topicDefaultsFromBroker(staticBroker));
        merged.putAll(topicDefaultsFromBroker(dynamicBrokerDefault));
        merged.putAll(topicOverrides);
        return DEF.parse(merged);
    }

    /**
     * The partition-log settings for a topic; {@link #INTERNAL_SEGMENT_BYTES} in the node's static settings
     * replaces its segment size. Invalid broker settings throw ConfigException.
     */
    public static LogConfig logConfig(Map<String, String> staticBroker, Map<String, String> dynamicBrokerDefault,
                                      Map<String, String> topicOverrides) {
        Map<String, Object> v = effective(staticBroker, dynamicBrokerDefault, topicOverrides);
        @SuppressWarnings("unchecked")
        List<String> policy = (List<String>) v.get(TopicConfig.CLEANUP_POLICY_CONFIG);
        return new LogConfig(
                internalSegmentBytes(staticBroker).orElse((Integer) v.get(TopicConfig.SEGMENT_BYTES_CONFIG)),
                (Long) v.get(TopicConfig.SEGMENT_MS_CONFIG),
                (Long) v.get(TopicConfig.RETENTION_MS_CONFIG),
                (Long) v.get(TopicConfig.RETENTION_BYTES_CONFIG),
                (Integer) v.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG),
                (Integer) v.get(TopicConfig.INDEX_INTERVAL_BYTES_CONFIG),
                (Integer) v.get(TopicConfig.SEGMENT_INDEX_BYTES_CONFIG),
                (Long) v.get(TopicConfig.FLUSH_MESSAGES_INTERVAL_CONFIG),
                (Long) v.get(TopicConfig.FLUSH_MS_CONFIG),
                policy.contains(TopicConfig.CLEANUP_POLICY_COMPACT),
                policy.contains(TopicConfig.CLEANUP_POLICY_DELETE),
                "LogAppendTime".equals(v.get(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG))
                        ? TimestampType.LOG_APPEND_TIME : TimestampType.CREATE_TIME,
                (Long) v.get(TopicConfig.FILE_DELETE_DELAY_MS_CONFIG),
                (Long) v.get(TopicConfig.DELETE_RETENTION_MS_CONFIG),
                (Double) v.get(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG),
                (Long) v.get(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG),
                (Long) v.get(TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG));
    }

    /** The config's type, or empty when it is not a topic config. */
    public static Optional<Type> type(String name) {
        ConfigDef.ConfigKey key = DEF.configKeys().get(name);
        return key == null ? Optional.empty() : Optional.of(key.type);
    }
}
