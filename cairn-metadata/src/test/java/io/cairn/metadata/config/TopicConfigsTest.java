package io.cairn.metadata.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import io.cairn.storage.LogConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class TopicConfigsTest {

    @Test
    void validOverridesPass() {
        // given
        Map<String, String> overrides = Map.of("cleanup.policy", "compact,delete", "retention.ms", "-1",
                "min.insync.replicas", "2", "compression.type", "zstd", "min.cleanable.dirty.ratio", "0.1");
        // then
        assertThat(TopicConfigs.validate(overrides)).isEmpty();
    }

    @Test
    void unknownNameIsRejected() {
        // then
        assertThat(TopicConfigs.validate(Map.of("retention.msec", "1"))).get().asString()
                .contains("Unknown topic config name: retention.msec");
    }

    @Test
    void badValuesAreRejectedWithAMessage() {
        // then
        assertThat(TopicConfigs.validate(Map.of("retention.ms", "abc"))).get().asString().contains("retention.ms");
        assertThat(TopicConfigs.validate(Map.of("min.insync.replicas", "0"))).isPresent();
        assertThat(TopicConfigs.validate(Map.of("cleanup.policy", "forever"))).isPresent();
        assertThat(TopicConfigs.validate(Map.of("message.timestamp.type", "Whenever"))).isPresent();
        assertThat(TopicConfigs.validate(Map.of("min.cleanable.dirty.ratio", "1.5"))).isPresent();
    }

    @Test
    void brokerSettingsMapOntoTopicDefaultsWithKafkaPrecedence() {
        // given
        Map<String, String> broker = Map.of("log.retention.hours", "1", "log.retention.minutes", "2",
                "log.roll.hours", "3", "log.segment.bytes", "1048576", "message.max.bytes", "2000",
                "log.cleanup.policy", "compact", "min.insync.replicas", "2", "log.flush.interval.messages", "10",
                "num.io.threads", "8");
        // when
        Map<String, String> defaults = TopicConfigs.topicDefaultsFromBroker(broker);
        // then
        assertThat(defaults).containsEntry("retention.ms", "120000")
                .containsEntry("segment.ms", "10800000")
                .containsEntry("segment.bytes", "1048576")
                .containsEntry("max.message.bytes", "2000")
                .containsEntry("cleanup.policy", "compact")
                .containsEntry("min.insync.replicas", "2")
                .containsEntry("flush.messages", "10")
                .hasSize(7);
        assertThat(TopicConfigs.topicDefaultsFromBroker(Map.of("log.retention.ms", "5", "log.retention.hours", "1")))
                .containsEntry("retention.ms", "5");
    }

    @Test
    void segmentBytesBelowKafkasMinimumIsRefusedWithKafkasMessage() {
        // then
        assertThat(TopicConfigs.validate(Map.of("segment.bytes", "1048575"))).get().asString()
                .isEqualTo("Invalid value 1048575 for configuration segment.bytes: Value must be at least 1048576");
        assertThat(TopicConfigs.validate(Map.of("segment.bytes", "14"))).isPresent();
        assertThat(TopicConfigs.validate(Map.of("segment.bytes", "1048576"))).isEmpty();
        assertThat(TopicConfigs.validateBrokerConfig("log.segment.bytes", "4096")).get().asString()
                .contains("Value must be at least 1048576");
        assertThatThrownBy(() -> TopicConfigs.validateNodeSettings(Map.of("log.segment.bytes", "4096")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("log.segment.bytes")
                .hasMessageContaining("Value must be at least 1048576");
    }

    @Test
    void onlyTheNodesOwnSettingsCanMakeSegmentsSmallerThanTheMinimum() {
        // given
        Map<String, String> node = Map.of(TopicConfigs.INTERNAL_SEGMENT_BYTES, "2048");
        // when
        TopicConfigs.validateNodeSettings(node);
        LogConfig config = TopicConfigs.logConfig(node, Map.of(), Map.of("segment.bytes", "2097152"));
        // then
        assertThat(config.segmentBytes()).isEqualTo(2048);
        assertThat(TopicConfigs.validate(Map.of(TopicConfigs.INTERNAL_SEGMENT_BYTES, "2048"))).get().asString()
                .contains("Unknown topic config name");
        assertThat(TopicConfigs.validateBrokerConfig(TopicConfigs.INTERNAL_SEGMENT_BYTES, "2048")).isPresent();
        assertThatThrownBy(() -> TopicConfigs.validateNodeSettings(Map.of(TopicConfigs.INTERNAL_SEGMENT_BYTES, "0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining(TopicConfigs.INTERNAL_SEGMENT_BYTES);
    }

    @Test
    void logConfigDefaultsEqualKafkasAndStorages() {
        // then
        assertThat(TopicConfigs.logConfig(Map.of(), Map.of(), Map.of())).isEqualTo(LogConfig.defaults());
    }

    @Test
    void logConfigLayersBrokerDynamicAndTopicOverrides() {
        // when
        LogConfig config = TopicConfigs.logConfig(Map.of("log.retention.hours", "1", "log.segment.bytes", "2097152"),
                Map.of("log.segment.bytes", "4194304"),
                Map.of("cleanup.policy", "compact", "message.timestamp.type", "LogAppendTime"));
        // then
        assertThat(config.retentionMs()).isEqualTo(3_600_000L);
        assertThat(config.segmentBytes()).isEqualTo(4_194_304);
        assertThat(config.compact()).isTrue();
        assertThat(config.delete()).isFalse();
        assertThat(config.timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
    }

    @Test
    void describeGivesEveryConfigWithItsSource() {
        // when
        List<DescribedConfig> described = TopicConfigs.describe(Map.of("log.retention.hours", "1"),
                Map.of("message.max.bytes", "5000"), Map.of("segment.bytes", "100000"));
        // then
        assertThat(described).hasSize(TopicConfigs.DEF.configKeys().size());
        assertThat(described).filteredOn(c -> c.name().equals("segment.bytes")).singleElement()
                .satisfies(c -> {
                    assertThat(c.value()).isEqualTo("100000");
                    assertThat(c.source()).isEqualTo(ConfigSource.DYNAMIC_TOPIC_CONFIG);
                    assertThat(c.type()).isEqualTo(ConfigDef.Type.INT);
                    assertThat(c.readOnly()).isFalse();
                    assertThat(c.documentation()).isNotBlank();
                });
        assertThat(described).filteredOn(c -> c.name().equals("retention.ms")).singleElement()
                .satisfies(c -> assertThat(c.source()).isEqualTo(ConfigSource.STATIC_BROKER_CONFIG))
                .satisfies(c -> assertThat(c.value()).isEqualTo("3600000"));
        assertThat(described).filteredOn(c -> c.name().equals("max.message.bytes")).singleElement()
                .satisfies(c -> assertThat(c.source()).isEqualTo(ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG));
        assertThat(described).filteredOn(c -> c.name().equals("cleanup.policy")).singleElement()
                .satisfies(c -> assertThat(c.source()).isEqualTo(ConfigSource.DEFAULT_CONFIG))
                .satisfies(c -> assertThat(c.value()).isEqualTo("delete"));
    }

    @Test
    void onlyTopicDefaultBrokerSettingsAreDynamic() {
        // then
        assertThat(TopicConfigs.validateBrokerConfig("log.retention.ms", "1000")).isEmpty();
        assertThat(TopicConfigs.validateBrokerConfig("log.retention.ms", "x")).isPresent();
        assertThat(TopicConfigs.validateBrokerConfig("num.io.threads", "8")).get().asString()
                .contains("dynamically");
    }

    @Test
    void timestampBoundsReachTheLogConfigWithKafkasDefaults() {
        LogConfig defaults = TopicConfigs.logConfig(Map.of(), Map.of(), Map.of());
        LogConfig overridden = TopicConfigs.logConfig(Map.of("log.message.timestamp.before.max.ms", "86400000"),
                Map.of(), Map.of("message.timestamp.after.max.ms", "60000"));
        assertThat(defaults.timestampBeforeMaxMs()).isEqualTo(Long.MAX_VALUE);
        assertThat(defaults.timestampAfterMaxMs()).isEqualTo(3_600_000L);
        assertThat(overridden.timestampBeforeMaxMs()).isEqualTo(86_400_000L);
        assertThat(overridden.timestampAfterMaxMs()).isEqualTo(60_000L);
    }
}
