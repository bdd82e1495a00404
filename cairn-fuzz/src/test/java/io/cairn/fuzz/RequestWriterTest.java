package io.cairn.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.MessageUtil;

/** What the fuzzer calls a valid request is one kafka-clients' message classes read whole, for every API and version. */
class RequestWriterTest {

    private static final FuzzTargets TARGETS = FuzzTargets.withTopics(List.of("t"), List.of(Uuid.randomUuid()));

    @Property(tries = 30)
    void everyApiAndVersionIsReadWholeByKafkaClients(@ForAll long seed) {
        // given
        Values values = new Values(TARGETS);
        values.use(new Random(seed));
        RequestWriter writer = new RequestWriter(values);

        for (ApiMessageType api : ApiMessageType.values()) {
            for (short version = api.lowestSupportedVersion(); version <= api.highestSupportedVersion(true);
                 version++) {
                // when
                byte[] body = writer.write(api, version, 42).body();

                // then
                ByteBufferAccessor in = new ByteBufferAccessor(ByteBuffer.wrap(body));
                RequestHeaderData header = new RequestHeaderData(in, api.requestHeaderVersion(version));
                ApiMessage request = api.newRequest();
                request.read(in, version);
                String what = api + " v" + version;
                assertThat(in.remaining()).as(what).isZero();
                assertThat(header.correlationId()).as(what).isEqualTo(42);
                ApiMessage reread = api.newRequest();
                reread.read(new ByteBufferAccessor(MessageUtil.toByteBufferAccessor(request, version).buffer()),
                        version);
                assertThat(reread).as(what).isEqualTo(request);
            }
        }
    }

    @Property(tries = 200)
    void mutatedFramesAreBuiltForEveryCategory(@ForAll long seed, @ForAll("indexes") long index) {
        FrameGenerator generator = new FrameGenerator(seed, java.util.Map.of((short) 0, new short[] {3, 12},
                (short) 18, new short[] {0, 4}, (short) 3, new short[] {0, 13}), TARGETS, 1 << 20);
        FuzzFrame frame = generator.frame(index);
        assertThat(frame.wire().length).isGreaterThanOrEqualTo(4);
        assertThat(generator.frame(index).wire()).as("a frame replays from its seed and index").isEqualTo(frame.wire());
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<Long> indexes() {
        return net.jqwik.api.Arbitraries.longs().between(0, 10_000_000);
    }

}
