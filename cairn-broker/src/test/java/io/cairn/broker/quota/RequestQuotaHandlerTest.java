package io.cairn.broker.quota;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import io.cairn.broker.cluster.InterBrokerChannel;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.record.ClientQuotaRecord;
import io.cairn.metadata.record.MetadataRecord;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.ConnectionLifetime;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.utils.MockTime;
import org.junit.jupiter.api.Test;

/**
 * request_percentage (KIP-124) around fake handlers that take a given time of the mock clock. A handler taking
 * 100 ms of thread time records 10 (percent-seconds); the rate spans at least ten windows of 1 s, so the first
 * requests' 10 counts as 1% of a thread.
 */
class RequestQuotaHandlerTest {

    private static final KafkaPrincipal ALICE = new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "alice");
    private static final KafkaPrincipal BOB = new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "bob");

    private final MockTime time = new MockTime();
    private final List<Long> throttles = new ArrayList<>();
    private final ConnectionLifetime connection = new ConnectionLifetime();

    RequestQuotaHandlerTest() {
        connection.onThrottle(throttles::add);
    }

    private static MetadataRecord percentage(String user, String clientId, double value) {
        Map<String, String> entity = new HashMap<>();
        if (user != null) {
            entity.put(ClientQuotaEntity.USER, user.equals("<default>") ? null : user);
        }
        if (clientId != null) {
            entity.put(ClientQuotaEntity.CLIENT_ID, clientId.equals("<default>") ? null : clientId);
        }
        return ClientQuotaRecord.set(entity, "request_percentage", value);
    }

    private ClientQuotas quotas(MetadataRecord... records) {
        MetadataImage image = MetadataImage.EMPTY.apply(1, List.of(records));
        return new ClientQuotas(() -> image, time);
    }

    private RequestContext context(ApiKeys api, short version, String clientId, KafkaPrincipal principal) {
        return new RequestContext(new RequestHeader(api, version, clientId, 1), new InetSocketAddress(0), "c", 0,
                connection, () -> { }, null, principal);
    }

    /** A handler that takes {@code ms} of the request thread, then answers. */
    @SuppressWarnings("unchecked")
    private <R extends AbstractRequest> ApiHandler<R> taking(ApiKeys api, long ms, Supplier<ApiMessage> response,
                                                             ClientQuotas quotas) {
        ApiHandler<R> handler = new ApiHandler<>() {
            @Override
            public ApiKeys apiKey() {
                return api;
            }

            @Override
            public CompletableFuture<ApiMessage> handle(RequestContext context, R request) {
                time.sleep(ms);
                return CompletableFuture.completedFuture(response.get());
            }
        };
        return (ApiHandler<R>) quotas.requestTime().apply(handler);
    }

    private static MetadataRequest metadata() {
        return new MetadataRequest(new MetadataRequestData(), (short) 12);
    }

    @Test
    void requestsWithinTheQuotaAreNotThrottled() {
        // given: 5% of a thread; 500 ms over the first ten seconds is 5%
        ClientQuotas quotas = quotas(percentage(null, "app", 5));
        ApiHandler<MetadataRequest> handler = taking(ApiKeys.METADATA, 100, MetadataResponseData::new, quotas);

        for (int i = 0; i < 5; i++) {
            // when
            MetadataResponseData response = (MetadataResponseData) handler.handle(
                    context(ApiKeys.METADATA, (short) 12, "app", ALICE), metadata()).join();

            // then
            assertThat(response.throttleTimeMs()).isZero();
        }
        assertThat(throttles).isEmpty();
    }

    @Test
    void aRequestAboveTheQuotaCarriesItsThrottleTimeBoundedToOneWindowAndPausesTheConnection() {
        // given: 5%, and 500 ms taken
        ClientQuotas quotas = quotas(percentage(null, "app", 5));
        ApiHandler<MetadataRequest> handler = taking(ApiKeys.METADATA, 100, MetadataResponseData::new, quotas);
        for (int i = 0; i < 5; i++) {
            handler.handle(context(ApiKeys.METADATA, (short) 12, "app", ALICE), metadata()).join();
        }
        ApiHandler<MetadataRequest> slow = taking(ApiKeys.METADATA, 60, MetadataResponseData::new, quotas);

        // when: 60 ms more makes 56 over 10.46 s (ten windows and the time since the first request), 5.35%:
        // (5.35 - 5) / 5 x 10.46 s = 740 ms
        MetadataResponseData over = (MetadataResponseData) slow.handle(
                context(ApiKeys.METADATA, (short) 12, "app", ALICE), metadata()).join();
        // and far above it: 2 s more would be (24.3 - 5) / 5 x 12.46 s, bounded to the window, 1 s
        ApiHandler<MetadataRequest> slower = taking(ApiKeys.METADATA, 2000, MetadataResponseData::new, quotas);
        MetadataResponseData farOver = (MetadataResponseData) slower.handle(
                context(ApiKeys.METADATA, (short) 12, "app", ALICE), metadata()).join();

        // then
        assertThat(over.throttleTimeMs()).isBetween(735, 745);
        assertThat(farOver.throttleTimeMs()).isEqualTo(1000);
        assertThat(throttles).containsExactly((long) over.throttleTimeMs(), 1000L);
    }

    @Test
    void theWindowRollsAndTheClientIsUnderItsQuotaAgain() {
        ClientQuotas quotas = quotas(percentage(null, "app", 5));
        ApiHandler<MetadataRequest> handler = taking(ApiKeys.METADATA, 1000, MetadataResponseData::new, quotas);
        assertThat(((MetadataResponseData) handler.handle(context(ApiKeys.METADATA, (short) 12, "app", ALICE),
                metadata()).join()).throttleTimeMs()).isPositive();

        time.sleep(12_000);
        ApiHandler<MetadataRequest> quick = taking(ApiKeys.METADATA, 10, MetadataResponseData::new, quotas);

        assertThat(((MetadataResponseData) quick.handle(context(ApiKeys.METADATA, (short) 12, "app", ALICE),
                metadata()).join()).throttleTimeMs()).isZero();
    }

    @Test
    void aUsersOwnQuotaComesBeforeTheDefaultUsers() {
        // given: every user 1%, alice 50%
        ClientQuotas quotas = quotas(percentage("<default>", null, 1), percentage("alice", null, 50));
        ApiHandler<MetadataRequest> handler = taking(ApiKeys.METADATA, 300, MetadataResponseData::new, quotas);

        // when: each takes 300 ms, 3% over ten seconds
        MetadataResponseData alices = (MetadataResponseData) handler.handle(
                context(ApiKeys.METADATA, (short) 12, "app", ALICE), metadata()).join();
        MetadataResponseData bobs = (MetadataResponseData) handler.handle(
                context(ApiKeys.METADATA, (short) 12, "app", BOB), metadata()).join();

        // then
        assertThat(alices.throttleTimeMs()).isZero();
        assertThat(bobs.throttleTimeMs()).isPositive();
    }

    @Test
    void aThrottledConsumersFetchIsAnsweredEmptyAndAFollowersIsNotCounted() {
        ClientQuotas quotas = quotas(percentage(null, "<default>", 1));
        FetchResponseData full = new FetchResponseData().setSessionId(7);
        full.responses().add(new FetchResponseData.FetchableTopicResponse().setTopic("t"));
        ApiHandler<FetchRequest> handler = taking(ApiKeys.FETCH, 2000, full::duplicate, quotas);

        FetchResponseData follower = (FetchResponseData) handler.handle(context(ApiKeys.FETCH, (short) 12, "f", ALICE),
                new FetchRequest(new FetchRequestData().setReplicaId(2), (short) 12)).join();
        FetchResponseData consumer = (FetchResponseData) handler.handle(context(ApiKeys.FETCH, (short) 12, "c", ALICE),
                new FetchRequest(new FetchRequestData().setReplicaId(-1), (short) 12)).join();

        assertThat(follower.throttleTimeMs()).isZero();
        assertThat(follower.responses()).hasSize(1);
        assertThat(consumer.throttleTimeMs()).isPositive();
        assertThat(consumer.responses()).isEmpty();
        assertThat(consumer.sessionId()).isEqualTo(7);
    }

    @Test
    void clusterActionsTheSaslExchangeAndForwardedRequestsAreExempt() {
        ClientQuotas quotas = quotas(percentage(null, "<default>", 1));
        ApiHandler<MetadataRequest> handler = taking(ApiKeys.METADATA, 2000, MetadataResponseData::new, quotas);

        MetadataResponseData forwarded = (MetadataResponseData) handler.handle(context(ApiKeys.METADATA, (short) 12,
                InterBrokerChannel.CLIENT_ID_PREFIX + "2", ALICE), metadata()).join();

        assertThat(forwarded.throttleTimeMs()).isZero();
        for (ApiKeys exempt : List.of(ApiKeys.BROKER_HEARTBEAT, ApiKeys.BROKER_REGISTRATION, ApiKeys.ALTER_PARTITION,
                ApiKeys.WRITE_TXN_MARKERS, ApiKeys.ALLOCATE_PRODUCER_IDS, ApiKeys.SASL_HANDSHAKE,
                ApiKeys.SASL_AUTHENTICATE, ApiKeys.API_VERSIONS)) {
            ApiHandler<?> plain = handlerOf(exempt);
            assertThat(quotas.requestTime().apply(plain)).as(exempt.name).isSameAs(plain);
        }
        ApiHandler<?> metadata = handlerOf(ApiKeys.METADATA);
        assertThat(quotas.requestTime().apply(metadata)).isNotSameAs(metadata);
    }

    private static ApiHandler<?> handlerOf(ApiKeys api) {
        return new ApiHandler<>() {
            @Override
            public ApiKeys apiKey() {
                return api;
            }

            @Override
            public CompletableFuture<ApiMessage> handle(RequestContext context, AbstractRequest request) {
                return CompletableFuture.completedFuture(null);
            }
        };
    }
}
