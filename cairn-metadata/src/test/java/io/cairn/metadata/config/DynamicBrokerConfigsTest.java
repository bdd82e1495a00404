package io.cairn.metadata.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import io.cairn.metadata.Fixtures;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.record.ConfigRecord;
import org.junit.jupiter.api.Test;

class DynamicBrokerConfigsTest {

    private static ConfigRecord broker(String name, String key, String value) {
        return new ConfigRecord(ConfigRecord.ResourceType.BROKER, name, key, value);
    }

    @Test
    void aBrokersOwnConfigsBeatTheClusterDefaultsAndStoredOnesKafkaIgnoresAreLeftOut() {
        // given: log.retention.hours was accepted dynamically by an older Cairn; Kafka never reads it back
        MetadataImage image = Fixtures.applyAll(Fixtures.withBrokers(2), List.of(
                broker("", "message.max.bytes", "2000"),
                broker("", "log.retention.hours", "1"),
                broker("", "sasl.kerberos.min.time.before.relogin", "1000"),
                broker("", "log.retention.ms", "soon"),
                broker("1", "message.max.bytes", "3000"),
                broker("2", "message.max.bytes", "4000")));

        // when
        Map<String, String> forBroker1 = DynamicBrokerConfigs.forBroker(image, 1);

        // then
        assertThat(forBroker1).containsOnly(Map.entry("message.max.bytes", "3000"));
        assertThat(DynamicBrokerConfigs.clusterDefaults(image)).containsOnly(Map.entry("message.max.bytes", "2000"));
    }
}
