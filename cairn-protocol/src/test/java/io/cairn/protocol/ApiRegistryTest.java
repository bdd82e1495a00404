package io.cairn.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;

import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.MetadataRequest;
import org.junit.jupiter.api.Test;

class ApiRegistryTest {

    private static final class FakeMetadataHandler implements ApiHandler<MetadataRequest> {
        private final short max;

        FakeMetadataHandler(short max) {
            this.max = max;
        }

        @Override
        public ApiKeys apiKey() {
            return ApiKeys.METADATA;
        }

        @Override
        public short maxVersion() {
            return max;
        }

        @Override
        public CompletableFuture<ApiMessage> handle(RequestContext context, MetadataRequest request) {
            return CompletableFuture.completedFuture(new MetadataResponseData());
        }
    }

    @Test
    void apiVersionsAdvertisesExactlyTheRegisteredHandlers() throws Exception {
        // given
        ApiRegistry registry = ApiRegistry.builder().add(new FakeMetadataHandler((short) 9)).build();

        // when
        ApiVersionsResponseData response = (ApiVersionsResponseData) registry
                .handler(ApiKeys.API_VERSIONS, (short) 3).orElseThrow()
                .handle(null, new ApiVersionsRequest(new ApiVersionsRequestData()
                        .setClientSoftwareName("x").setClientSoftwareVersion("1"), (short) 3))
                .get();

        // then
        assertThat(response.apiKeys()).hasSize(2);
        assertThat(response.apiKeys().find(ApiKeys.METADATA.id).maxVersion()).isEqualTo((short) 9);
        assertThat(response.apiKeys().find(ApiKeys.API_VERSIONS.id)).isNotNull();
        assertThat(registry.supports(ApiKeys.METADATA, (short) 9)).isTrue();
        assertThat(registry.supports(ApiKeys.METADATA, (short) 10)).isFalse();
        assertThat(registry.supports(ApiKeys.PRODUCE, (short) 9)).isFalse();
    }

    @Test
    void refusesTwoHandlersForOneApi() {
        assertThatThrownBy(() -> ApiRegistry.builder()
                .add(new FakeMetadataHandler((short) 9))
                .add(new FakeMetadataHandler((short) 9)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesVersionsKafkaClientsCannotParse() {
        assertThatThrownBy(() -> ApiRegistry.builder().add(new FakeMetadataHandler((short) 200)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
