package io.cairn.broker.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.record.BrokerFencingChange;
import io.cairn.metadata.record.ChangeReason;
import io.cairn.metadata.record.ClusterIdRecord;
import io.cairn.metadata.record.MetadataBatch;
import io.cairn.metadata.record.MetadataRecordSerde;
import io.cairn.metadata.record.PartitionChangeRecord;
import io.cairn.metadata.record.PartitionRecord;
import io.cairn.metadata.record.RegisterBrokerRecord;
import io.cairn.metadata.record.TopicRecord;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsRequestData.DescribeConfigsResource;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeConfigsRequest;
import org.junit.jupiter.api.Test;

/** The decision history through DescribeConfigs, and only when asked for by its key. */
class DecisionHistoryConfigsTest {

    private static final Uuid T = new Uuid(3, 3);
    private static final MetadataImage IMAGE = MetadataImage.EMPTY
            .apply(new MetadataBatch(0, 1, 1, List.of(new ClusterIdRecord("c", (short) 2),
                    new RegisterBrokerRecord(1, "h1", 9092, null, 1, false, ChangeReason.BROKER_REGISTERED, 10),
                    new RegisterBrokerRecord(2, "h2", 9092, null, 1, false, ChangeReason.BROKER_REGISTERED, 10),
                    new TopicRecord("t", T),
                    new PartitionRecord(T, 0, List.of(1, 2), List.of(1, 2), 1, 0, 0, List.of(), List.of(),
                            ChangeReason.CREATED, 20),
                    new PartitionRecord(T, 1, List.of(2, 1), List.of(2, 1), 2, 0, 0, List.of(), List.of(),
                            ChangeReason.CREATED, 20))))
            .apply(new MetadataBatch(1, 2, 3, List.of(
                    new BrokerFencingChange(1, 1, true, ChangeReason.LEASE_EXPIRED, 30),
                    new PartitionChangeRecord(T, 0, 0, 2, List.of(2), null, ChangeReason.LEASE_EXPIRED, 30),
                    new PartitionChangeRecord(T, 1, 0, PartitionChangeRecord.NO_CHANGE, List.of(2), null,
                            ChangeReason.LEASE_EXPIRED, 30))));

    private static DescribeConfigsResult describe(ConfigResource.Type type, String name, String... keys) {
        DescribeConfigsRequestData data = new DescribeConfigsRequestData();
        data.resources().add(new DescribeConfigsResource().setResourceType(type.id()).setResourceName(name)
                .setConfigurationKeys(keys.length == 0 ? null : new ArrayList<>(List.of(keys))));
        DescribeConfigsHandler handler = new DescribeConfigsHandler(2, () -> IMAGE, Map.of(), Map.of());
        DescribeConfigsResponseData response = (DescribeConfigsResponseData) handler.handle(null,
                new DescribeConfigsRequest.Builder(data).build(ApiKeys.DESCRIBE_CONFIGS.latestVersion())).join();
        return response.results().get(0);
    }

    private static List<Object> steps(DescribeConfigsResult result) {
        return result.configs().stream().map(c -> (Object) MetadataRecordSerde.deserializeRecord(
                c.value().getBytes(StandardCharsets.UTF_8))).toList();
    }

    @Test
    void aTopicsHistoryComesAsItsRecordsOnePartitionOrAll() {
        // when
        DescribeConfigsResult all = describe(ConfigResource.Type.TOPIC, "t", DecisionHistoryConfigs.KEY);
        DescribeConfigsResult one = describe(ConfigResource.Type.TOPIC, "t", DecisionHistoryConfigs.KEY + ".0");
        // then
        assertThat(all.errorCode()).isZero();
        assertThat(steps(all)).hasSize(4);
        assertThat(steps(one)).containsExactlyElementsOf(IMAGE.history().partition(T, 0));
        assertThat(one.configs()).allSatisfy(c -> assertThat(c.readOnly()).isTrue());
    }

    @Test
    void aBrokersHistoryIsAnsweredForAnyRegisteredBroker() {
        // when: node 2 is asked about broker 1
        DescribeConfigsResult broker = describe(ConfigResource.Type.BROKER, "1", DecisionHistoryConfigs.KEY);
        // then
        assertThat(broker.errorCode()).isZero();
        assertThat(steps(broker)).containsExactlyElementsOf(IMAGE.history().broker(1));
    }

    @Test
    void anOrdinaryDescribeNeverShowsTheHistory() {
        // when
        DescribeConfigsResult configs = describe(ConfigResource.Type.TOPIC, "t");
        // then
        assertThat(configs.errorCode()).isZero();
        assertThat(configs.configs()).extracting(DescribeConfigsResourceResult::name).isNotEmpty()
                .noneMatch(name -> name.startsWith(DecisionHistoryConfigs.KEY));
    }

    @Test
    void unknownTopicsPartitionsAndBrokersAreErrors() {
        assertThat(describe(ConfigResource.Type.TOPIC, "nope", DecisionHistoryConfigs.KEY).errorCode())
                .isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        assertThat(describe(ConfigResource.Type.TOPIC, "t", DecisionHistoryConfigs.KEY + ".5").errorMessage())
                .isEqualTo("Topic t has no partition 5 (it has 2)");
        assertThat(describe(ConfigResource.Type.TOPIC, "t", DecisionHistoryConfigs.KEY + ".x").errorCode())
                .isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        assertThat(describe(ConfigResource.Type.BROKER, "7", DecisionHistoryConfigs.KEY).errorCode())
                .isEqualTo(Errors.BROKER_NOT_AVAILABLE.code());
        assertThat(describe(ConfigResource.Type.GROUP, "g", DecisionHistoryConfigs.KEY).errorCode())
                .isEqualTo(Errors.INVALID_REQUEST.code());
    }

    @Test
    void aWholeTopicWithTooManyStepsIsRefusedWithAHint() {
        // given
        DescribeConfigsResource resource = new DescribeConfigsResource().setResourceType(
                ConfigResource.Type.TOPIC.id()).setResourceName("t").setConfigurationKeys(
                new ArrayList<>(List.of(DecisionHistoryConfigs.KEY)));
        // when the answer may hold 3 steps, and t has 4
        DescribeConfigsResult result = DecisionHistoryConfigs.describe(IMAGE, resource, 3).orElseThrow();
        // then
        assertThat(result.errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
        assertThat(result.errorMessage()).isEqualTo("Topic t has 4 recorded changes over 2 partitions, more than 3 "
                + "in one answer: ask for one partition (t-N)");
    }
}
