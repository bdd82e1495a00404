package io.cairn.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;

import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.Test;

class RequestDecoderTest {

    @Test
    void decodesARequestSerializedByKafkaClients() {
        // given
        MetadataRequest request = new MetadataRequest(new MetadataRequestData()
                .setTopics(null).setAllowAutoTopicCreation(true), (short) 12);
        ByteBuffer frame = request.serializeWithHeader(new RequestHeader(ApiKeys.METADATA, (short) 12, "client-1", 42));

        // when
        RequestDecoder.Decoded decoded = RequestDecoder.decode(frame);

        // then
        assertThat(decoded).isInstanceOf(RequestDecoder.Decoded.Request.class);
        KafkaRequest parsed = ((RequestDecoder.Decoded.Request) decoded).request();
        assertThat(parsed.header().correlationId()).isEqualTo(42);
        assertThat(parsed.header().clientId()).isEqualTo("client-1");
        assertThat(parsed.body()).isInstanceOf(MetadataRequest.class);
        assertThat(((MetadataRequest) parsed.body()).data().allowAutoTopicCreation()).isTrue();
    }

    @Test
    void refusesATruncatedHeader() {
        assertThatThrownBy(() -> RequestDecoder.decode(ByteBuffer.wrap(new byte[]{0, 3, 0})))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("too short");
    }

    @Test
    void refusesAnUnknownApiKey() {
        // given
        ByteBuffer frame = ByteBuffer.allocate(12).putShort((short) 9999).putShort((short) 0).putInt(7).putInt(0);
        frame.flip();

        // then
        assertThatThrownBy(() -> RequestDecoder.decode(frame))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("Unknown API key 9999");
    }

    @Test
    void refusesAnUnknownVersionOfAnApiOtherThanApiVersions() {
        ByteBuffer frame = ByteBuffer.allocate(12).putShort(ApiKeys.METADATA.id).putShort((short) 999)
                .putInt(7).putInt(0);
        frame.flip();

        assertThatThrownBy(() -> RequestDecoder.decode(frame))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("Unsupported version 999");
    }

    @Test
    void answersAnApiVersionsRequestNewerThanKnownWithItsCorrelationId() {
        // given: a future ApiVersions version whose body we cannot parse
        ByteBuffer frame = ByteBuffer.allocate(20).putShort(ApiKeys.API_VERSIONS.id).putShort((short) 127)
                .putInt(1234).putShort((short) -1).putInt(0xdeadbeef).putInt(0).putShort((short) 0);
        frame.flip();

        // when
        RequestDecoder.Decoded decoded = RequestDecoder.decode(frame);

        // then
        assertThat(decoded).isEqualTo(new RequestDecoder.Decoded.UnsupportedApiVersions(1234, (short) 127));
    }

    @Test
    void refusesATruncatedBody() {
        // given: a valid ApiVersions v3 frame cut short in its body
        ByteBuffer full = new ApiVersionsRequest(new ApiVersionsRequestData()
                .setClientSoftwareName("a-client").setClientSoftwareVersion("1.0"), (short) 3)
                .serializeWithHeader(new RequestHeader(ApiKeys.API_VERSIONS, (short) 3, "c", 1));
        ByteBuffer truncated = ByteBuffer.wrap(full.array(), 0, full.remaining() - 6).slice();

        // then
        assertThatThrownBy(() -> RequestDecoder.decode(truncated)).isInstanceOf(InvalidRequestException.class);
    }

    @Test
    void refusesGarbageAfterAValidHeader() {
        // given: a Metadata v12 header followed by a topic array claiming a huge length
        ByteBuffer header = ByteBuffer.allocate(64);
        RequestHeader h = new RequestHeader(ApiKeys.METADATA, (short) 12, "c", 1);
        ByteBuffer serialized = new MetadataRequest(new MetadataRequestData(), (short) 12).serializeWithHeader(h);
        int headerSize = h.size();
        header.put(serialized.array(), 0, headerSize);
        header.put(new byte[]{(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0x7f});
        header.flip();

        // then
        assertThatThrownBy(() -> RequestDecoder.decode(header)).isInstanceOf(InvalidRequestException.class);
    }
}
