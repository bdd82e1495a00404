package io.cairn.metadata.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.cairn.metadata.Fixtures;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.PartitionImage;
import io.cairn.metadata.TopicImage;
import io.cairn.metadata.record.BrokerFencingChange;
import io.cairn.metadata.record.RegisterBrokerRecord;
import io.cairn.metadata.record.TopicRecord;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableReplicaAssignment;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicConfig;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsRequestData.DeleteTopicState;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

class TopicControlTest {

    private final ControllerSettings settings = ControllerSettings.defaults(1);
    private final Random random = new Random(42);

    static CreatableTopic topic(String name, int partitions, int rf) {
        return new CreatableTopic().setName(name).setNumPartitions(partitions).setReplicationFactor((short) rf);
    }

    static CreateTopicsRequestData request(CreatableTopic... topics) {
        CreateTopicsRequestData request = new CreateTopicsRequestData();
        for (CreatableTopic t : topics) {
            request.topics().add(t);
        }
        return request;
    }

    private ControllerResult<CreateTopicsResponseData> create(MetadataImage image, CreateTopicsRequestData request) {
        return TopicControl.createTopics(image, settings, request, random);
    }

    private static CreatableTopicResult result(ControllerResult<CreateTopicsResponseData> r, String name) {
        return r.response().topics().find(name);
    }

    @Test
    void createsTopicWithPartitionsLeadersAndIsrInOneResult() {
        // given
        MetadataImage image = Fixtures.withBrokers(3);
        // when
        ControllerResult<CreateTopicsResponseData> r = create(image, request(topic("orders", 3, 2)));
        MetadataImage next = Fixtures.applyAll(image, r.records());
        // then
        CreatableTopicResult res = result(r, "orders");
        assertThat(res.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(res.numPartitions()).isEqualTo(3);
        assertThat(res.replicationFactor()).isEqualTo((short) 2);
        assertThat(res.configs()).isNotEmpty();
        assertThat(r.records()).hasSize(4).first().isInstanceOf(TopicRecord.class);
        TopicImage topic = next.topic("orders").orElseThrow();
        assertThat(topic.id()).isEqualTo(res.topicId());
        for (PartitionImage p : topic.partitions().values()) {
            assertThat(p.replicas()).hasSize(2);
            assertThat(p.isr()).isEqualTo(p.replicas());
            assertThat(p.leader()).isEqualTo(p.replicas().get(0));
        }
    }

    @Test
    void defaultsApplyForMinusOne() {
        // given
        ControllerSettings custom = new ControllerSettings(1, 4, (short) 2, 1000, Map.of());
        // when
        ControllerResult<CreateTopicsResponseData> r = TopicControl.createTopics(Fixtures.withBrokers(3), custom,
                request(topic("t", -1, -1)), random);
        // then
        assertThat(result(r, "t").numPartitions()).isEqualTo(4);
        assertThat(result(r, "t").replicationFactor()).isEqualTo((short) 2);
    }

    @Test
    void spreadsLeadersAndReplicasEvenlyOverThreeBrokers() {
        // given
        MetadataImage image = Fixtures.withBrokers(3);
        // when
        ControllerResult<CreateTopicsResponseData> r = create(image, request(topic("t", 6, 3)));
        TopicImage topic = Fixtures.applyAll(image, r.records()).topic("t").orElseThrow();
        // then
        Map<Integer, Integer> leaders = new HashMap<>();
        Map<Integer, Integer> replicas = new HashMap<>();
        for (PartitionImage p : topic.partitions().values()) {
            leaders.merge(p.leader(), 1, Integer::sum);
            p.replicas().forEach(b -> replicas.merge(b, 1, Integer::sum));
            assertThat(p.replicas()).doesNotHaveDuplicates();
        }
        assertThat(leaders).containsOnlyKeys(1, 2, 3).allSatisfy((b, n) -> assertThat(n).isEqualTo(2));
        assertThat(replicas).allSatisfy((b, n) -> assertThat(n).isEqualTo(6));
    }

    @Test
    void existingTopicIsRejected() {
        // given
        MetadataImage image = Fixtures.applyAll(Fixtures.withBrokers(1), List.of(new TopicRecord("t", Uuid.randomUuid())));
        // when
        ControllerResult<CreateTopicsResponseData> r = create(image, request(topic("t", 1, 1)));
        // then
        assertThat(result(r, "t").errorCode()).isEqualTo(Errors.TOPIC_ALREADY_EXISTS.code());
        assertThat(r.records()).isEmpty();
    }

    @Test
    void invalidNamesAreRejected() {
        // when
        ControllerResult<CreateTopicsResponseData> r = create(Fixtures.withBrokers(1),
                request(topic("bad name", 1, 1), topic("..", 1, 1), topic("ok", 1, 1)));
        // then
        assertThat(result(r, "bad name").errorCode()).isEqualTo(Errors.INVALID_TOPIC_EXCEPTION.code());
        assertThat(result(r, "..").errorCode()).isEqualTo(Errors.INVALID_TOPIC_EXCEPTION.code());
        assertThat(result(r, "ok").errorCode()).isEqualTo(Errors.NONE.code());
    }

    @Test
    void invalidPartitionsAndReplicationFactor() {
        // when
        ControllerResult<CreateTopicsResponseData> r = create(Fixtures.withBrokers(2),
                request(topic("zero", 0, 1), topic("neg", -5, 1), topic("rf0", 1, 0), topic("rf3", 1, 3)));
        // then
        assertThat(result(r, "zero").errorCode()).isEqualTo(Errors.INVALID_PARTITIONS.code());
        assertThat(result(r, "neg").errorCode()).isEqualTo(Errors.INVALID_PARTITIONS.code());
        assertThat(result(r, "rf0").errorCode()).isEqualTo(Errors.INVALID_REPLICATION_FACTOR.code());
        assertThat(result(r, "rf3").errorCode()).isEqualTo(Errors.INVALID_REPLICATION_FACTOR.code());
        assertThat(r.records()).isEmpty();
    }

    @Test
    void fencedBrokersDoNotCountForReplicationFactor() {
        // given
        MetadataImage image = Fixtures.withBrokers(3).apply(10, new BrokerFencingChange(3, 1, true));
        // when
        ControllerResult<CreateTopicsResponseData> r = create(image, request(topic("t", 1, 3)));
        // then
        assertThat(result(r, "t").errorCode()).isEqualTo(Errors.INVALID_REPLICATION_FACTOR.code());
    }

    @Test
    void invalidConfigIsRejectedWithMessage() {
        // given
        CreatableTopic t = topic("t", 1, 1);
        t.configs().add(new CreatableTopicConfig().setName("retention.ms").setValue("soon"));
        CreatableTopic u = topic("u", 1, 1);
        u.configs().add(new CreatableTopicConfig().setName("no.such.config").setValue("1"));
        // when
        ControllerResult<CreateTopicsResponseData> r = create(Fixtures.withBrokers(1), request(t, u));
        // then
        assertThat(result(r, "t").errorCode()).isEqualTo(Errors.INVALID_CONFIG.code());
        assertThat(result(r, "t").errorMessage()).contains("retention.ms");
        assertThat(result(r, "u").errorCode()).isEqualTo(Errors.INVALID_CONFIG.code());
    }

    @Test
    void configsAreWrittenAndReported() {
        // given
        CreatableTopic t = topic("t", 1, 1);
        t.configs().add(new CreatableTopicConfig().setName("cleanup.policy").setValue("compact"));
        MetadataImage image = Fixtures.withBrokers(1);
        // when
        ControllerResult<CreateTopicsResponseData> r = create(image, request(t));
        // then
        assertThat(Fixtures.applyAll(image, r.records()).topic("t").orElseThrow().configs())
                .containsExactly(Map.entry("cleanup.policy", "compact"));
        assertThat(result(r, "t").configs()).anySatisfy(c -> {
            assertThat(c.name()).isEqualTo("cleanup.policy");
            assertThat(c.value()).isEqualTo("compact");
            assertThat(c.configSource()).isEqualTo((byte) 1);
        });
    }

    @Test
    void validateOnlyWritesNothingButAnswers() {
        // given
        CreateTopicsRequestData request = request(topic("t", 3, 1)).setValidateOnly(true);
        // when
        ControllerResult<CreateTopicsResponseData> r = create(Fixtures.withBrokers(1), request);
        // then
        assertThat(r.records()).isEmpty();
        assertThat(result(r, "t").errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(result(r, "t").numPartitions()).isEqualTo(3);
    }

    @Test
    void duplicateNamesInOneRequestAreInvalidRequest() {
        // when
        ControllerResult<CreateTopicsResponseData> r = create(Fixtures.withBrokers(1),
                request(topic("t", 1, 1), topic("t", 2, 1), topic("u", 1, 1)));
        // then
        assertThat(result(r, "t").errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
        assertThat(result(r, "u").errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(r.records()).noneMatch(rec -> rec instanceof TopicRecord tr && tr.name().equals("t"));
    }

    @Test
    void manualAssignmentIsUsedAndValidated() {
        // given
        MetadataImage image = Fixtures.withBrokers(3);
        CreatableTopic good = topic("good", -1, -1);
        good.assignments().add(new CreatableReplicaAssignment().setPartitionIndex(0).setBrokerIds(List.of(3, 1)));
        good.assignments().add(new CreatableReplicaAssignment().setPartitionIndex(1).setBrokerIds(List.of(2, 3)));
        CreatableTopic unknownBroker = topic("bad", -1, -1);
        unknownBroker.assignments().add(new CreatableReplicaAssignment().setPartitionIndex(0)
                .setBrokerIds(List.of(7)));
        CreatableTopic both = topic("both", 1, -1);
        both.assignments().add(new CreatableReplicaAssignment().setPartitionIndex(0).setBrokerIds(List.of(1)));
        // when
        ControllerResult<CreateTopicsResponseData> r = create(image, request(good, unknownBroker, both));
        TopicImage topic = Fixtures.applyAll(image, r.records()).topic("good").orElseThrow();
        // then
        assertThat(topic.partitions().get(0).replicas()).containsExactly(3, 1);
        assertThat(topic.partitions().get(0).leader()).isEqualTo(3);
        assertThat(topic.partitions().get(1).replicas()).containsExactly(2, 3);
        assertThat(result(r, "bad").errorCode()).isEqualTo(Errors.INVALID_REPLICA_ASSIGNMENT.code());
        assertThat(result(r, "both").errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
    }

    @Test
    void rackAwarePlacementPutsReplicasOnDifferentRacks() {
        // given
        MetadataImage image = MetadataImage.EMPTY;
        int offset = 0;
        for (int id = 1; id <= 4; id++) {
            image = image.apply(offset++, new RegisterBrokerRecord(id, "h", 9092, id <= 2 ? "a" : "b", 1, false));
        }
        // when
        MetadataImage start = image;
        ControllerResult<CreateTopicsResponseData> r = create(start, request(topic("t", 8, 2)));
        TopicImage topic = Fixtures.applyAll(start, r.records()).topic("t").orElseThrow();
        // then
        for (PartitionImage p : topic.partitions().values()) {
            assertThat(p.replicas().stream().map(b -> b <= 2 ? "a" : "b").distinct()).hasSize(2);
        }
    }

    @Test
    void deleteByNameAndByIdAndUnknowns() {
        // given
        Uuid a = Uuid.randomUuid();
        Uuid b = Uuid.randomUuid();
        MetadataImage image = Fixtures.applyAll(Fixtures.withBrokers(1),
                List.of(new TopicRecord("a", a), new TopicRecord("b", b)));
        DeleteTopicsRequestData request = new DeleteTopicsRequestData().setTopicNames(List.of("a", "nope"))
                .setTopics(List.of(new DeleteTopicState().setTopicId(b),
                        new DeleteTopicState().setTopicId(Uuid.randomUuid())));
        // when
        ControllerResult<DeleteTopicsResponseData> r = TopicControl.deleteTopics(image, request);
        MetadataImage next = Fixtures.applyAll(image, r.records());
        // then
        assertThat(next.topicsByName()).isEmpty();
        assertThat(r.response().responses()).extracting(x -> Errors.forCode(x.errorCode())).containsExactly(
                Errors.NONE, Errors.UNKNOWN_TOPIC_OR_PARTITION, Errors.NONE, Errors.UNKNOWN_TOPIC_ID);
        assertThat(r.response().responses().find("b")).isNotNull();
    }

    @Test
    void aRequestForMoreThanTenThousandPartitionsIsRefusedWholeWithoutBuildingThem() {
        // given: one absurd topic beside a reasonable one, and a request that is too big only in sum
        MetadataImage image = Fixtures.withBrokers(3);
        // when
        ControllerResult<CreateTopicsResponseData> absurd = create(image,
                request(topic("fine", 3, 1), topic("huge", Integer.MAX_VALUE, 1)));
        ControllerResult<CreateTopicsResponseData> summed = create(image,
                request(topic("a", 6_000, 1), topic("b", 4_001, 1)));
        ControllerResult<CreateTopicsResponseData> atTheLimit = create(image,
                request(topic("a", 6_000, 1), topic("b", 4_000, 1)));
        // then
        for (ControllerResult<CreateTopicsResponseData> refused : List.of(absurd, summed)) {
            assertThat(refused.records()).isEmpty();
            assertThat(refused.response().topics()).allSatisfy(t -> {
                assertThat(t.errorCode()).isEqualTo(Errors.POLICY_VIOLATION.code());
                assertThat(t.errorMessage()).isEqualTo("Excessively large number of partitions per request.");
            });
        }
        assertThat(result(atTheLimit, "a").errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(result(atTheLimit, "b").errorCode()).isEqualTo(Errors.NONE.code());
    }
}
