package io.cairn.metadata.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

class BrokerConfigDescriptionsTest {

    private static Map<String, DescribedConfig> byName(List<DescribedConfig> configs) {
        return configs.stream().collect(Collectors.toMap(DescribedConfig::name, Function.identity()));
    }

    @Test
    void aBrokerIdShowsEveryLevelWithKafkasSourcesAndSynonymOrder() {
        // given
        Map<String, String> node = Map.of("log.retention.ms", "1000", "broker.id", "1");
        Map<String, String> clusterWide = Map.of("log.retention.ms", "2000", "log.cleaner.threads", "2");
        Map<String, String> thisBroker = Map.of("log.retention.ms", "3000",
                "sasl.kerberos.min.time.before.relogin", "61000");
        // when
        Map<String, DescribedConfig> configs = byName(BrokerConfigDescriptions.describe("1", node,
                Map.of("num.partitions", "1"), clusterWide, thisBroker));
        // then
        DescribedConfig retention = configs.get("log.retention.ms");
        assertThat(retention.value()).isEqualTo("3000");
        assertThat(retention.source()).isEqualTo(ConfigSource.DYNAMIC_BROKER_CONFIG);
        assertThat(retention.synonyms()).containsExactly(
                new DescribedConfig.Synonym("log.retention.ms", "3000", ConfigSource.DYNAMIC_BROKER_CONFIG),
                new DescribedConfig.Synonym("log.retention.ms", "2000", ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG),
                new DescribedConfig.Synonym("log.retention.ms", "1000", ConfigSource.STATIC_BROKER_CONFIG));
        assertThat(configs.get("log.cleaner.threads").source()).isEqualTo(ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
        assertThat(configs.get("sasl.kerberos.min.time.before.relogin").source())
                .isEqualTo(ConfigSource.DYNAMIC_BROKER_CONFIG);
        assertThat(configs.get("broker.id").source()).isEqualTo(ConfigSource.STATIC_BROKER_CONFIG);
        assertThat(configs.get("broker.id").readOnly()).isTrue();
        assertThat(configs.get("num.io.threads").source()).isEqualTo(ConfigSource.DEFAULT_CONFIG);
        assertThat(configs.get("num.io.threads").value()).isEqualTo("8");
        assertThat(configs.get("num.io.threads").readOnly()).isFalse();
        assertThat(configs.get("num.partitions").source()).isEqualTo(ConfigSource.DEFAULT_CONFIG);
        assertThat(configs.get("num.partitions").value()).isEqualTo("1");
        assertThat(configs.get("num.partitions").readOnly()).isTrue();
    }

    @Test
    void theClusterDefaultResourceShowsOnlyTheStoredDefaults() {
        // when
        List<DescribedConfig> configs = BrokerConfigDescriptions.describe("", Map.of("log.retention.ms", "1000"),
                Map.of(), Map.of("log.retention.ms", "2000"), Map.of("log.retention.ms", "3000"));
        // then
        assertThat(configs).singleElement().satisfies(c -> {
            assertThat(c.value()).isEqualTo("2000");
            assertThat(c.source()).isEqualTo(ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
            assertThat(c.synonyms()).containsExactly(new DescribedConfig.Synonym("log.retention.ms", "2000",
                    ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG));
        });
    }

    @Test
    void passwordsAndCustomConfigsAreSensitive() {
        // when
        Map<String, DescribedConfig> configs = byName(BrokerConfigDescriptions.describe("1", Map.of(), Map.of(), Map.of(),
                Map.of("listener.name.external.ssl.keystore.password", "secret", "my.plugin.key", "x",
                        "listener.name.external.sasl.kerberos.service.name", "kafka")));
        // then
        DescribedConfig password = configs.get("listener.name.external.ssl.keystore.password");
        assertThat(password.sensitive()).isTrue();
        assertThat(password.value()).isNull();
        assertThat(password.synonyms()).allSatisfy(s -> assertThat(s.value()).isNull());
        assertThat(configs.get("my.plugin.key").sensitive()).isTrue();
        assertThat(configs.get("my.plugin.key").value()).isNull();
        DescribedConfig serviceName = configs.get("listener.name.external.sasl.kerberos.service.name");
        assertThat(serviceName.sensitive()).isFalse();
        assertThat(serviceName.value()).isEqualTo("kafka");
    }

    @Test
    void aBaseConfigDoesNotListItsListenerOverrides() {
        // when
        Map<String, DescribedConfig> configs = byName(BrokerConfigDescriptions.describe("1",
                Map.of("sasl.kerberos.service.name", "base"), Map.of(), Map.of(),
                Map.of("listener.name.external.sasl.kerberos.service.name", "kafka")));
        // then
        assertThat(configs.get("listener.name.external.sasl.kerberos.service.name").synonyms()).containsExactly(
                new DescribedConfig.Synonym("listener.name.external.sasl.kerberos.service.name", "kafka",
                        ConfigSource.DYNAMIC_BROKER_CONFIG),
                new DescribedConfig.Synonym("sasl.kerberos.service.name", "base", ConfigSource.STATIC_BROKER_CONFIG));
        assertThat(configs.get("sasl.kerberos.service.name").synonyms()).containsExactly(
                new DescribedConfig.Synonym("sasl.kerberos.service.name", "base", ConfigSource.STATIC_BROKER_CONFIG));
    }
}
