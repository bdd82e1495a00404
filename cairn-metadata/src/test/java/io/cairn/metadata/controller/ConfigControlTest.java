package io.cairn.metadata.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import io.cairn.metadata.Fixtures;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.record.ConfigRecord;
import io.cairn.metadata.record.TopicRecord;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

class ConfigControlTest {

    private final ControllerSettings settings = ControllerSettings.defaults(1);
    private final MetadataImage image = Fixtures.applyAll(Fixtures.withBrokers(1), List.of(
            new TopicRecord("t", Uuid.randomUuid()),
            new ConfigRecord(ConfigRecord.ResourceType.TOPIC, "t", "retention.ms", "1000")));

    private static AlterableConfig op(String name, String value, int op) {
        return new AlterableConfig().setName(name).setValue(value).setConfigOperation((byte) op);
    }

    private static IncrementalAlterConfigsRequestData incremental(ConfigResource.Type type, String name,
                                                                  AlterableConfig... ops) {
        AlterConfigsResource resource = new AlterConfigsResource().setResourceType(type.id()).setResourceName(name);
        for (AlterableConfig op : ops) {
            resource.configs().add(op);
        }
        IncrementalAlterConfigsRequestData request = new IncrementalAlterConfigsRequestData();
        request.resources().add(resource);
        return request;
    }

    private ControllerResult<IncrementalAlterConfigsResponseData> run(IncrementalAlterConfigsRequestData request) {
        return ConfigControl.incrementalAlterConfigs(image, settings, request);
    }

    private static Errors error(ControllerResult<IncrementalAlterConfigsResponseData> r) {
        return Errors.forCode(r.response().responses().get(0).errorCode());
    }

    @Test
    void aConsumerGroupsConfigsAreSetCheckedAgainstTheBrokersBoundsAndDeleted() {
        // a group's session timeout within Kafka's bounds (45 s to 60 s by default), before the group exists
        ControllerResult<IncrementalAlterConfigsResponseData> set = run(incremental(ConfigResource.Type.GROUP,
                "g", op("consumer.session.timeout.ms", "50000", 0)));
        assertThat(error(set)).isEqualTo(Errors.NONE);
        MetadataImage withGroup = Fixtures.applyAll(image, set.records());
        assertThat(withGroup.groupConfigs("g")).containsExactly(Map.entry("consumer.session.timeout.ms", "50000"));

        // out of bounds, unknown or on no group: Kafka's errors, nothing written
        ControllerResult<IncrementalAlterConfigsResponseData> low = run(incremental(ConfigResource.Type.GROUP,
                "g", op("consumer.session.timeout.ms", "1000", 0)));
        assertThat(error(low)).isEqualTo(Errors.INVALID_CONFIG);
        assertThat(low.response().responses().get(0).errorMessage())
                .isEqualTo("consumer.session.timeout.ms must be greater than or equal to "
                        + "group.consumer.min.session.timeout.ms");
        assertThat(low.records()).isEmpty();
        ControllerResult<IncrementalAlterConfigsResponseData> unknown = run(incremental(ConfigResource.Type.GROUP,
                "g", op("session.timeout.ms", "50000", 0)));
        assertThat(error(unknown)).isEqualTo(Errors.INVALID_CONFIG);
        assertThat(unknown.response().responses().get(0).errorMessage())
                .isEqualTo("Unknown group config name: session.timeout.ms");
        assertThat(error(run(incremental(ConfigResource.Type.GROUP, "", op("consumer.session.timeout.ms", "50000",
                0))))).isEqualTo(Errors.INVALID_REQUEST);

        // deleting the override removes the group's entry
        ControllerResult<IncrementalAlterConfigsResponseData> deleted = ConfigControl.incrementalAlterConfigs(
                withGroup, settings, incremental(ConfigResource.Type.GROUP, "g",
                        op("consumer.session.timeout.ms", null, 1)));
        assertThat(Fixtures.applyAll(withGroup, deleted.records()).groupConfigs()).isEmpty();
    }

    @Test
    void setAndDeleteTopicConfigs() {
        // when
        ControllerResult<IncrementalAlterConfigsResponseData> r = run(incremental(ConfigResource.Type.TOPIC, "t",
                op("segment.bytes", "1048576", 0), op("retention.ms", null, 1)));
        // then
        assertThat(error(r)).isEqualTo(Errors.NONE);
        assertThat(Fixtures.applyAll(image, r.records()).topic("t").orElseThrow().configs())
                .containsExactly(Map.entry("segment.bytes", "1048576"));
    }

    @Test
    void appendAndSubtractWorkOnLists() {
        // when
        ControllerResult<IncrementalAlterConfigsResponseData> appended = run(incremental(ConfigResource.Type.TOPIC,
                "t", op("cleanup.policy", "compact", 2)));
        MetadataImage next = Fixtures.applyAll(image, appended.records());
        ControllerResult<IncrementalAlterConfigsResponseData> subtracted = ConfigControl.incrementalAlterConfigs(
                next, settings, incremental(ConfigResource.Type.TOPIC, "t", op("cleanup.policy", "delete", 3)));
        ControllerResult<IncrementalAlterConfigsResponseData> notList = run(incremental(ConfigResource.Type.TOPIC,
                "t", op("retention.ms", "5", 2)));
        // then
        assertThat(next.topic("t").orElseThrow().configs()).containsEntry("cleanup.policy", "delete,compact");
        assertThat(Fixtures.applyAll(next, subtracted.records()).topic("t").orElseThrow().configs())
                .containsEntry("cleanup.policy", "compact");
        assertThat(error(notList)).isEqualTo(Errors.INVALID_CONFIG);
    }

    @Test
    void errorsForUnknownTopicBadValueAndUnknownName() {
        // then
        assertThat(error(run(incremental(ConfigResource.Type.TOPIC, "nope", op("retention.ms", "1", 0)))))
                .isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
        ControllerResult<IncrementalAlterConfigsResponseData> bad = run(incremental(ConfigResource.Type.TOPIC, "t",
                op("retention.ms", "x", 0)));
        assertThat(error(bad)).isEqualTo(Errors.INVALID_CONFIG);
        assertThat(bad.response().responses().get(0).errorMessage()).contains("retention.ms");
        assertThat(error(run(incremental(ConfigResource.Type.TOPIC, "t", op("bogus", "1", 0)))))
                .isEqualTo(Errors.INVALID_CONFIG);
        assertThat(bad.records()).isEmpty();
    }

    @Test
    void validateOnlyWritesNothing() {
        // when
        ControllerResult<IncrementalAlterConfigsResponseData> r = run(incremental(ConfigResource.Type.TOPIC, "t",
                op("retention.ms", "5", 0)).setValidateOnly(true));
        // then
        assertThat(error(r)).isEqualTo(Errors.NONE);
        assertThat(r.records()).isEmpty();
    }

    private static String message(ControllerResult<IncrementalAlterConfigsResponseData> r) {
        return r.response().responses().get(0).errorMessage();
    }

    @Test
    void aDynamicBrokerConfigIsAcceptedPerBrokerAndClusterWide() {
        // when
        ControllerResult<IncrementalAlterConfigsResponseData> perBroker = run(incremental(ConfigResource.Type.BROKER,
                "1", op("sasl.kerberos.min.time.before.relogin", "61000", 0), op("num.io.threads", "4", 0)));
        ControllerResult<IncrementalAlterConfigsResponseData> clusterWide = run(incremental(
                ConfigResource.Type.BROKER, "", op("log.cleaner.threads", "2", 0), op("log.retention.ms", "5000", 0)));
        // then
        assertThat(error(perBroker)).isEqualTo(Errors.NONE);
        assertThat(error(clusterWide)).isEqualTo(Errors.NONE);
        MetadataImage after = Fixtures.applyAll(Fixtures.applyAll(image, perBroker.records()), clusterWide.records());
        assertThat(after.brokerConfigs("1")).containsOnly(Map.entry("sasl.kerberos.min.time.before.relogin", "61000"),
                Map.entry("num.io.threads", "4"));
        assertThat(after.brokerConfigs("")).containsOnly(Map.entry("log.cleaner.threads", "2"),
                Map.entry("log.retention.ms", "5000"));
    }

    @Test
    void aListenerSaslConfigIsPerBrokerOnlyAsInKafka() {
        // when
        ControllerResult<IncrementalAlterConfigsResponseData> r = run(incremental(ConfigResource.Type.BROKER, "",
                op("sasl.kerberos.min.time.before.relogin", "62000", 0)));
        // then
        assertThat(error(r)).isEqualTo(Errors.INVALID_REQUEST);
        assertThat(message(r)).isEqualTo("Cannot update these configs at default cluster level, broker id must be "
                + "specified: [sasl.kerberos.min.time.before.relogin]");
    }

    @Test
    void aConfigKafkaNeverChangesDynamicallyIsRefusedWithKafkasError() {
        // when
        ControllerResult<IncrementalAlterConfigsResponseData> brokerId = run(incremental(ConfigResource.Type.BROKER,
                "1", op("broker.id", "2", 0)));
        ControllerResult<IncrementalAlterConfigsResponseData> hours = run(incremental(ConfigResource.Type.BROKER,
                "", op("log.retention.hours", "5", 0), op("log.dirs", "/x", 0)));
        // then
        assertThat(error(brokerId)).isEqualTo(Errors.INVALID_REQUEST);
        assertThat(message(brokerId)).isEqualTo("Cannot update these configs dynamically: [broker.id]");
        assertThat(message(hours)).isEqualTo("Cannot update these configs dynamically: [log.dirs, log.retention.hours]");
        assertThat(brokerId.records()).isEmpty();
    }

    @Test
    void aValueOfTheWrongTypeIsRefusedWithKafkasError() {
        // when
        ControllerResult<IncrementalAlterConfigsResponseData> r = run(incremental(ConfigResource.Type.BROKER, "1",
                op("sasl.kerberos.min.time.before.relogin", "soon", 0)));
        ControllerResult<IncrementalAlterConfigsResponseData> range = run(incremental(ConfigResource.Type.BROKER, "",
                op("log.segment.bytes", "1000", 0)));
        // then
        assertThat(error(r)).isEqualTo(Errors.INVALID_REQUEST);
        assertThat(message(r)).isEqualTo("Invalid value soon for configuration sasl.kerberos.min.time.before.relogin: "
                + "Not a number of type LONG");
        assertThat(error(range)).isEqualTo(Errors.INVALID_REQUEST);
        assertThat(message(range)).startsWith("Invalid value 1000 for configuration log.segment.bytes");
    }

    @Test
    void listenerConfigsArePerBrokerAndSecurityOnesNeedTheListenerPrefix() {
        // when
        ControllerResult<IncrementalAlterConfigsResponseData> prefixed = run(incremental(ConfigResource.Type.BROKER,
                "1", op("listener.name.external.ssl.keystore.location", "/ks.jks", 0),
                op("listener.name.external.ssl.keystore.password", "secret", 0)));
        ControllerResult<IncrementalAlterConfigsResponseData> atDefault = run(incremental(ConfigResource.Type.BROKER,
                "", op("listener.name.external.ssl.keystore.location", "/ks.jks", 0)));
        ControllerResult<IncrementalAlterConfigsResponseData> unprefixed = run(incremental(
                ConfigResource.Type.BROKER, "1", op("ssl.keystore.location", "/ks.jks", 0)));
        ControllerResult<IncrementalAlterConfigsResponseData> clusterLevelListener = run(incremental(
                ConfigResource.Type.BROKER, "", op("listener.name.external.max.connections", "10", 0)));
        ControllerResult<IncrementalAlterConfigsResponseData> badType = run(incremental(ConfigResource.Type.BROKER,
                "1", op("listener.name.external.max.connections", "many", 0)));
        // then
        assertThat(error(prefixed)).isEqualTo(Errors.NONE);
        assertThat(message(atDefault)).isEqualTo("Cannot update these configs at default cluster level, broker id "
                + "must be specified: [listener.name.external.ssl.keystore.location]");
        assertThat(message(unprefixed)).isEqualTo("These security configs can be dynamically updated only "
                + "per-listener using the listener prefix: [ssl.keystore.location]");
        assertThat(error(clusterLevelListener)).isEqualTo(Errors.NONE);
        assertThat(message(badType)).isEqualTo("Invalid value many for configuration max.connections: "
                + "Not a number of type INT");
    }

    @Test
    void appendAndSubtractFollowKafkaOnBrokerResources() {
        // when
        ControllerResult<IncrementalAlterConfigsResponseData> append = run(incremental(ConfigResource.Type.BROKER,
                "1", op("sasl.enabled.mechanisms", "PLAIN", 2)));
        ControllerResult<IncrementalAlterConfigsResponseData> notList = run(incremental(ConfigResource.Type.BROKER,
                "1", op("num.io.threads", "4", 2)));
        ControllerResult<IncrementalAlterConfigsResponseData> unknown = run(incremental(ConfigResource.Type.BROKER,
                "1", op("no.such.config", "a", 3)));
        ControllerResult<IncrementalAlterConfigsResponseData> custom = run(incremental(ConfigResource.Type.BROKER,
                "", op("my.plugin.setting", "a", 0)));
        // then
        assertThat(Fixtures.applyAll(image, append.records()).brokerConfigs("1"))
                .containsEntry("sasl.enabled.mechanisms", "GSSAPI,PLAIN");
        assertThat(error(notList)).isEqualTo(Errors.INVALID_CONFIG);
        assertThat(message(notList)).isEqualTo("Config value append is not allowed for config key: num.io.threads");
        assertThat(error(unknown)).isEqualTo(Errors.INVALID_CONFIG);
        assertThat(message(unknown)).isEqualTo("Unknown config name: no.such.config");
        // Kafka keeps a name it does not know as a custom config (for plugins).
        assertThat(error(custom)).isEqualTo(Errors.NONE);
    }

    @Test
    void brokerIdsMustBeIntegersOfRegisteredBrokers() {
        // when
        ControllerResult<IncrementalAlterConfigsResponseData> notInteger = run(incremental(ConfigResource.Type.BROKER,
                "x", op("log.retention.ms", "5000", 0)));
        ControllerResult<IncrementalAlterConfigsResponseData> unknown = run(incremental(ConfigResource.Type.BROKER,
                "7", op("log.retention.ms", "5000", 0)));
        // then
        assertThat(error(notInteger)).isEqualTo(Errors.INVALID_REQUEST);
        assertThat(message(notInteger)).isEqualTo("Node id must be an integer, but it is: x");
        assertThat(error(unknown)).isEqualTo(Errors.BROKER_ID_NOT_REGISTERED);
        assertThat(message(unknown)).isEqualTo("No node with id 7 found.");
    }

    @Test
    void legacyAlterConfigsOnABrokerReplacesItsConfigsUnderKafkasRules() {
        // given
        MetadataImage withConfigs = Fixtures.applyAll(image, List.of(
                new ConfigRecord(ConfigRecord.ResourceType.BROKER, "1", "num.io.threads", "4")));
        AlterConfigsRequestData.AlterConfigsResource resource = new AlterConfigsRequestData.AlterConfigsResource()
                .setResourceType(ConfigResource.Type.BROKER.id()).setResourceName("1");
        resource.configs().add(new AlterConfigsRequestData.AlterableConfig()
                .setName("sasl.kerberos.min.time.before.relogin").setValue("61000"));
        AlterConfigsRequestData request = new AlterConfigsRequestData();
        request.resources().add(resource);
        AlterConfigsRequestData refused = request.duplicate();
        refused.resources().iterator().next().configs().add(new AlterConfigsRequestData.AlterableConfig()
                .setName("log.dirs").setValue("/x"));
        // when
        ControllerResult<AlterConfigsResponseData> r = ConfigControl.alterConfigs(withConfigs, settings, request);
        ControllerResult<AlterConfigsResponseData> no = ConfigControl.alterConfigs(withConfigs, settings, refused);
        // then
        assertThat(r.response().responses().get(0).errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(Fixtures.applyAll(withConfigs, r.records()).brokerConfigs("1"))
                .containsOnly(Map.entry("sasl.kerberos.min.time.before.relogin", "61000"));
        assertThat(no.response().responses().get(0).errorMessage())
                .isEqualTo("Cannot update these configs dynamically: [log.dirs]");
    }

    @Test
    void legacyAlterConfigsReplacesAllOverrides() {
        // given
        AlterConfigsRequestData.AlterConfigsResource resource = new AlterConfigsRequestData.AlterConfigsResource()
                .setResourceType(ConfigResource.Type.TOPIC.id()).setResourceName("t");
        resource.configs().add(new AlterConfigsRequestData.AlterableConfig().setName("segment.ms").setValue("100"));
        AlterConfigsRequestData request = new AlterConfigsRequestData();
        request.resources().add(resource);
        // when
        ControllerResult<AlterConfigsResponseData> r = ConfigControl.alterConfigs(image, settings, request);
        // then
        assertThat(r.response().responses().get(0).errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(Fixtures.applyAll(image, r.records()).topic("t").orElseThrow().configs())
                .containsExactly(Map.entry("segment.ms", "100"));
    }
}
