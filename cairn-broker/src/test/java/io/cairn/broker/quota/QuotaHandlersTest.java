package io.cairn.broker.quota;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.record.ClientQuotaRecord;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.ConnectionLifetime;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.utils.Time;
import org.junit.jupiter.api.Test;

/**
 * The Produce and Fetch handlers under quota, around fake handlers. A quota of 1000 B/s counts as 10 000 bytes over
 * the first ten seconds' windows, so the sizes below are throttled or not whatever the clock reads meanwhile.
 */
class QuotaHandlersTest {

    private final List<Long> throttles = new ArrayList<>();
    private final ConnectionLifetime connection = new ConnectionLifetime();

    QuotaHandlersTest() {
        connection.onThrottle(throttles::add);
    }

    private static ClientQuotas quotas(String key, double quota) {
        Map<String, String> entity = new HashMap<>();
        entity.put(ClientQuotaEntity.CLIENT_ID, "app");
        MetadataImage image = MetadataImage.EMPTY.apply(1, List.of(ClientQuotaRecord.set(entity, key, quota)));
        return new ClientQuotas(() -> image, Time.SYSTEM);
    }

    private RequestContext context(ApiKeys api, short version, String clientId) {
        return new RequestContext(new RequestHeader(api, version, clientId, 1), new InetSocketAddress(0), "c", 0,
                connection, () -> { }, null, KafkaPrincipal.ANONYMOUS);
    }

    private static ProduceRequest produce(int valueBytes, short acks) {
        ProduceRequestData data = new ProduceRequestData().setAcks(acks).setTimeoutMs(1000);
        ProduceRequestData.TopicProduceData topic = new ProduceRequestData.TopicProduceData().setName("t");
        topic.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(
                MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(new byte[valueBytes]))));
        data.topicData().add(topic);
        return new ProduceRequest(data, (short) 9);
    }

    private static <R extends org.apache.kafka.common.requests.AbstractRequest> ApiHandler<R> answering(
            ApiKeys api, java.util.function.Supplier<ApiMessage> response, AtomicReference<R> seen) {
        return new ApiHandler<>() {
            @Override
            public ApiKeys apiKey() {
                return api;
            }

            @Override
            public CompletableFuture<ApiMessage> handle(RequestContext context, R request) {
                seen.set(request);
                return CompletableFuture.completedFuture(response.get());
            }
        };
    }

    @Test
    void aProduceAboveTheQuotaIsAnsweredWithItsThrottleTimeAndPausesTheConnection() {
        // given
        ApiHandler<ProduceRequest> handler = quotas("producer_byte_rate", 1000).produce(
                answering(ApiKeys.PRODUCE, ProduceResponseData::new, new AtomicReference<>()));

        // when: 5000 bytes pass, 10 000 more are far above
        ApiMessage first = handler.handle(context(ApiKeys.PRODUCE, (short) 9, "app"), produce(5_000, (short) 1))
                .join();
        ApiMessage second = handler.handle(context(ApiKeys.PRODUCE, (short) 9, "app"), produce(10_000, (short) 1))
                .join();

        // then
        assertThat(((ProduceResponseData) first).throttleTimeMs()).isZero();
        assertThat(((ProduceResponseData) second).throttleTimeMs()).isGreaterThan(4000);
        assertThat(throttles).containsExactly((long) ((ProduceResponseData) second).throttleTimeMs());
    }

    @Test
    void anAcksZeroProduceHasNoResponseAndIsThrottledAllTheSame() {
        ApiHandler<ProduceRequest> handler = quotas("producer_byte_rate", 1000).produce(
                answering(ApiKeys.PRODUCE, () -> null, new AtomicReference<>()));

        ApiMessage response = handler.handle(context(ApiKeys.PRODUCE, (short) 9, "app"), produce(20_000, (short) 0))
                .join();

        assertThat(response).isNull();
        assertThat(throttles).singleElement().satisfies(ms -> assertThat(ms).isPositive());
    }

    @Test
    void anotherClientIdIsNotThrottled() {
        ApiHandler<ProduceRequest> handler = quotas("producer_byte_rate", 1000).produce(
                answering(ApiKeys.PRODUCE, ProduceResponseData::new, new AtomicReference<>()));

        ApiMessage response = handler.handle(context(ApiKeys.PRODUCE, (short) 9, "other"),
                produce(20_000, (short) 1)).join();

        assertThat(((ProduceResponseData) response).throttleTimeMs()).isZero();
        assertThat(throttles).isEmpty();
    }

    @Test
    void aConsumersFetchIsBoundedByItsQuotaWindowAndAThrottledOneIsAnsweredEmpty() {
        // given: a fetch answered with 20 000 bytes of records
        FetchResponseData full = new FetchResponseData().setSessionId(0);
        full.responses().add(new FetchResponseData.FetchableTopicResponse().setTopic("t").setPartitions(List.of(
                new FetchResponseData.PartitionData().setPartitionIndex(0).setRecords(
                        MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(new byte[20_000]))))));
        AtomicReference<FetchRequest> seen = new AtomicReference<>();
        ApiHandler<FetchRequest> handler = quotas("consumer_byte_rate", 1000).fetch(
                answering(ApiKeys.FETCH, () -> full, seen));
        FetchRequestData request = new FetchRequestData().setMaxBytes(50 * 1024 * 1024).setMinBytes(1)
                .setReplicaId(-1);

        // when
        FetchResponseData response = (FetchResponseData) handler.handle(context(ApiKeys.FETCH, (short) 12, "app"),
                new FetchRequest(request, (short) 12)).join();

        // then: it asked for at most 10 s of quota; it was answered empty, with the throttle time
        assertThat(seen.get().data().maxBytes()).isEqualTo(10_000);
        assertThat(response.responses()).isEmpty();
        assertThat(response.throttleTimeMs()).isPositive();
        assertThat(throttles).containsExactly((long) response.throttleTimeMs());

        // and what it was not sent does not count: a small fetch passes
        FetchResponseData small = new FetchResponseData();
        ApiHandler<FetchRequest> again = quotas("consumer_byte_rate", 1000).fetch(
                answering(ApiKeys.FETCH, () -> small, seen));
        assertThat(((FetchResponseData) again.handle(context(ApiKeys.FETCH, (short) 12, "app"),
                new FetchRequest(request, (short) 12)).join()).throttleTimeMs()).isZero();
    }

    @Test
    void aFollowersFetchIsNotCounted() {
        FetchResponseData full = new FetchResponseData();
        full.responses().add(new FetchResponseData.FetchableTopicResponse().setTopic("t").setPartitions(List.of(
                new FetchResponseData.PartitionData().setPartitionIndex(0).setRecords(
                        MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(new byte[50_000]))))));
        AtomicReference<FetchRequest> seen = new AtomicReference<>();
        ApiHandler<FetchRequest> handler = quotas("consumer_byte_rate", 1000).fetch(
                answering(ApiKeys.FETCH, () -> full, seen));

        FetchResponseData response = (FetchResponseData) handler.handle(context(ApiKeys.FETCH, (short) 12, "app"),
                new FetchRequest(new FetchRequestData().setMaxBytes(1 << 20).setReplicaId(2), (short) 12)).join();

        assertThat(response).isSameAs(full);
        assertThat(seen.get().data().maxBytes()).isEqualTo(1 << 20);
        assertThat(throttles).isEmpty();
    }
}
