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

    @Test
    void brokerDefaultsAreDynamicOthersAreNot() {
        // when
        ControllerResult<IncrementalAlterConfigsResponseData> ok = run(incremental(ConfigResource.Type.BROKER, "",
                op("log.retention.ms", "5000", 0)));
        ControllerResult<IncrementalAlterConfigsResponseData> notDynamic = run(incremental(
                ConfigResource.Type.BROKER, "1", op("num.io.threads", "4", 0)));
        ControllerResult<IncrementalAlterConfigsResponseData> badId = run(incremental(ConfigResource.Type.BROKER,
                "x", op("log.retention.ms", "5000", 0)));
        // then
        assertThat(Fixtures.applyAll(image, ok.records()).brokerConfigs("")).containsEntry("log.retention.ms", "5000");
        assertThat(error(notDynamic)).isEqualTo(Errors.INVALID_CONFIG);
        assertThat(error(badId)).isEqualTo(Errors.INVALID_REQUEST);
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
        ControllerResult<AlterConfigsResponseData> r = ConfigControl.alterConfigs(image, request);
        // then
        assertThat(r.response().responses().get(0).errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(Fixtures.applyAll(image, r.records()).topic("t").orElseThrow().configs())
                .containsExactly(Map.entry("segment.ms", "100"));
    }
}
