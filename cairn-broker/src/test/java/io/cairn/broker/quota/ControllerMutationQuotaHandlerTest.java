package io.cairn.broker.quota;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.record.ClientQuotaRecord;
import io.cairn.metadata.record.MetadataRecord;
import io.cairn.metadata.record.PartitionRecord;
import io.cairn.metadata.record.TopicRecord;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.ConnectionLifetime;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.requests.CreatePartitionsRequest;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.apache.kafka.common.requests.DeleteTopicsRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.utils.MockTime;
import org.junit.jupiter.api.Test;

/**
 * CreateTopics, CreatePartitions and DeleteTopics under controller_mutation_rate, around a fake controller that
 * creates what it is asked. The client id "tool" may mutate 1 partition/s: a bucket of 11.
 */
class ControllerMutationQuotaHandlerTest {

    private final MockTime time = new MockTime();
    private final List<Long> throttles = new ArrayList<>();
    private final ConnectionLifetime connection = new ConnectionLifetime();
    private final Uuid existingId = Uuid.randomUuid();
    private final MetadataImage image;

    ControllerMutationQuotaHandlerTest() {
        connection.onThrottle(throttles::add);
        Map<String, String> entity = new HashMap<>();
        entity.put(ClientQuotaEntity.CLIENT_ID, "tool");
        List<MetadataRecord> records = new ArrayList<>();
        records.add(ClientQuotaRecord.set(entity, "controller_mutation_rate", 1));
        records.add(new TopicRecord("existing", existingId));
        for (int p = 0; p < 8; p++) {
            records.add(new PartitionRecord(existingId, p, List.of(1), List.of(1), 1, 0, 0));
        }
        image = MetadataImage.EMPTY.apply(1, records);
    }

    private ClientQuotas quotas() {
        return new ClientQuotas(() -> image, time, () -> 3);
    }

    private RequestContext context(ApiKeys api, short version) {
        return new RequestContext(new RequestHeader(api, version, "tool", 1), new InetSocketAddress(0), "c", 0,
                connection, () -> { }, null, KafkaPrincipal.ANONYMOUS);
    }

    /** A controller that creates every topic it is asked to, but those named in {@code refusing}. */
    private static ApiHandler<CreateTopicsRequest> controller(AtomicReference<CreateTopicsRequestData> seen,
                                                              Set<String> refusing) {
        return new ApiHandler<>() {
            @Override
            public ApiKeys apiKey() {
                return ApiKeys.CREATE_TOPICS;
            }

            @Override
            public CompletableFuture<ApiMessage> handle(RequestContext context, CreateTopicsRequest request) {
                seen.set(request.data().duplicate());
                CreateTopicsResponseData response = new CreateTopicsResponseData();
                request.data().topics().forEach(t -> response.topics().add(new CreateTopicsResponseData
                        .CreatableTopicResult().setName(t.name()).setErrorCode(refusing.contains(t.name())
                                ? Errors.INVALID_CONFIG.code() : Errors.NONE.code())));
                return CompletableFuture.completedFuture(response);
            }
        };
    }

    private static CreateTopicsRequest create(short version, Map<String, Integer> topics) {
        CreateTopicsRequestData data = new CreateTopicsRequestData().setTimeoutMs(1000);
        topics.forEach((name, partitions) -> data.topics().add(new CreateTopicsRequestData.CreatableTopic()
                .setName(name).setNumPartitions(partitions).setReplicationFactor((short) 1)));
        return new CreateTopicsRequest(data, version);
    }

    private static Map<String, Short> errors(CreateTopicsResponseData response) {
        Map<String, Short> errors = new HashMap<>();
        response.topics().forEach(t -> errors.put(t.name(), t.errorCode()));
        return errors;
    }

    @Test
    void aStrictCreateTopicsRefusesTheTopicsMetBelowZeroAndCreatesTheOthers() {
        // given
        AtomicReference<CreateTopicsRequestData> seen = new AtomicReference<>();
        ApiHandler<CreateTopicsRequest> handler = quotas().createTopics(controller(seen, Set.of()));
        Map<String, Integer> topics = new java.util.LinkedHashMap<>();
        topics.put("a", 10); // 11 -> 1
        topics.put("b", 5);  // 1 -> -4: overdraws, goes through
        topics.put("c", 1);  // refused
        topics.put("existing", 1); // the controller answers it; not counted
        topics.put("d", -1); // num.partitions, 3: refused

        // when
        CreateTopicsResponseData response = (CreateTopicsResponseData) handler.handle(
                context(ApiKeys.CREATE_TOPICS, (short) 7), create((short) 7, topics)).join();

        // then: c and d are not forwarded, and are answered as Kafka answers them
        assertThat(seen.get().topics()).extracting(CreateTopicsRequestData.CreatableTopic::name)
                .containsExactly("a", "b", "existing");
        assertThat(errors(response)).containsEntry("a", Errors.NONE.code()).containsEntry("b", Errors.NONE.code())
                .containsEntry("c", Errors.THROTTLING_QUOTA_EXCEEDED.code())
                .containsEntry("d", Errors.THROTTLING_QUOTA_EXCEEDED.code());
        assertThat(response.topics().find("c").errorMessage()).isEqualTo("The throttling quota has been exceeded.");
        // 4 below zero at 1/s: 4 s
        assertThat(response.throttleTimeMs()).isEqualTo(4000);
        assertThat(throttles).containsExactly(4000L);
    }

    @Test
    void aRequestWhoseTopicsAreAllRefusedIsAnsweredWithoutTheController() {
        AtomicReference<CreateTopicsRequestData> seen = new AtomicReference<>();
        ApiHandler<CreateTopicsRequest> handler = quotas().createTopics(controller(seen, Set.of()));
        handler.handle(context(ApiKeys.CREATE_TOPICS, (short) 7), create((short) 7, Map.of("a", 12))).join();
        seen.set(null);

        CreateTopicsResponseData response = (CreateTopicsResponseData) handler.handle(
                context(ApiKeys.CREATE_TOPICS, (short) 7), create((short) 7, Map.of("b", 1))).join();

        assertThat(seen.get()).isNull();
        assertThat(errors(response)).containsExactly(Map.entry("b", Errors.THROTTLING_QUOTA_EXCEEDED.code()));
        assertThat(response.throttleTimeMs()).isEqualTo(1000);
    }

    @Test
    void anOlderCreateTopicsIsCreatedWholeAndThrottled() {
        // given: v5 knows no THROTTLING_QUOTA_EXCEEDED
        AtomicReference<CreateTopicsRequestData> seen = new AtomicReference<>();
        ApiHandler<CreateTopicsRequest> handler = quotas().createTopics(controller(seen, Set.of()));

        // when: 15 partitions of 11
        CreateTopicsResponseData response = (CreateTopicsResponseData) handler.handle(
                context(ApiKeys.CREATE_TOPICS, (short) 5), create((short) 5, Map.of("a", 10, "b", 5))).join();

        // then
        assertThat(seen.get().topics()).hasSize(2);
        assertThat(errors(response).values()).containsOnly(Errors.NONE.code());
        assertThat(response.throttleTimeMs()).isEqualTo(4000);
    }

    @Test
    void theTopicsTheControllerRefusesAreGivenBack() {
        // given: the controller refuses a
        AtomicReference<CreateTopicsRequestData> seen = new AtomicReference<>();
        ApiHandler<CreateTopicsRequest> handler = quotas().createTopics(controller(seen, Set.of("a")));
        handler.handle(context(ApiKeys.CREATE_TOPICS, (short) 7), create((short) 7, Map.of("a", 20))).join();

        // when
        CreateTopicsResponseData response = (CreateTopicsResponseData) handler.handle(
                context(ApiKeys.CREATE_TOPICS, (short) 7), create((short) 7, Map.of("b", 11))).join();

        // then: b had the whole bucket
        assertThat(errors(response)).containsExactly(Map.entry("b", Errors.NONE.code()));
        assertThat(response.throttleTimeMs()).isZero();
    }

    @Test
    void deleteTopicsCountsEveryPartitionOfTheTopic() {
        // given: existing has 8 partitions; 5 are taken already
        AtomicReference<CreateTopicsRequestData> seen = new AtomicReference<>();
        ClientQuotas quotas = quotas();
        quotas.createTopics(controller(seen, Set.of())).handle(context(ApiKeys.CREATE_TOPICS, (short) 7),
                create((short) 7, Map.of("a", 5))).join();
        List<DeleteTopicsRequestData> deleted = new ArrayList<>();
        ApiHandler<DeleteTopicsRequest> handler = quotas.deleteTopics(new ApiHandler<>() {
            @Override
            public ApiKeys apiKey() {
                return ApiKeys.DELETE_TOPICS;
            }

            @Override
            public CompletableFuture<ApiMessage> handle(RequestContext context, DeleteTopicsRequest request) {
                deleted.add(request.data().duplicate());
                DeleteTopicsResponseData response = new DeleteTopicsResponseData();
                request.data().topics().forEach(t -> response.responses().add(
                        new DeleteTopicsResponseData.DeletableTopicResult().setName(t.name())));
                return CompletableFuture.completedFuture(response);
            }
        });
        DeleteTopicsRequestData data = new DeleteTopicsRequestData().setTimeoutMs(1000);
        data.topics().add(new DeleteTopicsRequestData.DeleteTopicState().setName("existing"));

        // when: 6 - 8 = -2
        DeleteTopicsResponseData first = (DeleteTopicsResponseData) handler.handle(
                context(ApiKeys.DELETE_TOPICS, (short) 6), new DeleteTopicsRequest.Builder(data.duplicate())
                        .build((short) 6)).join();
        DeleteTopicsResponseData second = (DeleteTopicsResponseData) handler.handle(
                context(ApiKeys.DELETE_TOPICS, (short) 6), new DeleteTopicsRequest.Builder(data.duplicate())
                        .build((short) 6)).join();

        // then: a strict quota lets the overdrawing request through unthrottled, as Kafka's, and refuses the next
        assertThat(first.responses().find("existing").errorCode()).isZero();
        assertThat(first.throttleTimeMs()).isZero();
        assertThat(second.responses().find("existing").errorCode())
                .isEqualTo(Errors.THROTTLING_QUOTA_EXCEEDED.code());
        assertThat(second.throttleTimeMs()).isEqualTo(2000);
        assertThat(second.responses().find("existing").topicId()).isEqualTo(existingId);
        assertThat(deleted).hasSize(1);
    }

    @Test
    void createPartitionsCountsThePartitionsAdded() {
        List<CreatePartitionsRequestData> asked = new ArrayList<>();
        ApiHandler<CreatePartitionsRequest> handler = quotas().createPartitions(new ApiHandler<>() {
            @Override
            public ApiKeys apiKey() {
                return ApiKeys.CREATE_PARTITIONS;
            }

            @Override
            public CompletableFuture<ApiMessage> handle(RequestContext context, CreatePartitionsRequest request) {
                asked.add(request.data().duplicate());
                CreatePartitionsResponseData response = new CreatePartitionsResponseData();
                request.data().topics().forEach(t -> response.results().add(
                        new CreatePartitionsResponseData.CreatePartitionsTopicResult().setName(t.name())));
                return CompletableFuture.completedFuture(response);
            }
        });
        CreatePartitionsRequestData data = new CreatePartitionsRequestData().setTimeoutMs(1000);
        data.topics().add(new CreatePartitionsRequestData.CreatePartitionsTopic().setName("existing").setCount(20));

        // when: 8 -> 20 is 12 of 11, then once more
        CreatePartitionsResponseData first = (CreatePartitionsResponseData) handler.handle(
                context(ApiKeys.CREATE_PARTITIONS, (short) 3), new CreatePartitionsRequest.Builder(data.duplicate())
                        .build((short) 3)).join();
        CreatePartitionsResponseData second = (CreatePartitionsResponseData) handler.handle(
                context(ApiKeys.CREATE_PARTITIONS, (short) 3), new CreatePartitionsRequest.Builder(data.duplicate())
                        .build((short) 3)).join();

        // then
        assertThat(first.results().get(0).errorCode()).isZero();
        assertThat(first.throttleTimeMs()).isZero();
        assertThat(second.results().get(0).errorCode()).isEqualTo(Errors.THROTTLING_QUOTA_EXCEEDED.code());
        assertThat(second.throttleTimeMs()).isEqualTo(1000);
        assertThat(asked).hasSize(1);
    }
}
