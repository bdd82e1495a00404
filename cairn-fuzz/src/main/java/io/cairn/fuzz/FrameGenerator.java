package io.cairn.fuzz;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.RandomGenerator;
import net.jqwik.api.Tuple;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * The frames of a campaign. Frame {@code i} depends only on the seed and {@code i} (each frame draws from its
 * own {@code Random}), so any frame can be rebuilt alone from the figures a report prints.
 *
 * <p>Mix: a fifth valid requests of an advertised API and version, three fifths of them mutated
 * ({@link Mutator}), and the rest raw random bytes, requests of versions or APIs the node does not advertise,
 * and frames whose size prefix lies. Produce is drawn more often than the other APIs (its record batches
 * are where most parsing happens).
 *
 * <p>Not thread-safe, and bound to a jqwik session (see {@link Values}).
 */
final class FrameGenerator {

    enum Category { VALID, MUTATED, RAW, UNADVERTISED, FRAMING }

    private final long seed;
    private final int maxRequestBytes;
    private final List<ApiMessageType> advertised = new ArrayList<>();
    private final Map<Short, short[]> versions = new TreeMap<>();
    private final List<short[]> unadvertised = new ArrayList<>();
    private final Values values;
    private final RequestWriter writer;
    private final Mutator mutator;
    private final RandomGenerator<Category> category = Arbitraries.frequency(
            Tuple.of(20, Category.VALID), Tuple.of(60, Category.MUTATED), Tuple.of(10, Category.RAW),
            Tuple.of(4, Category.UNADVERTISED), Tuple.of(6, Category.FRAMING)).generator(100);

    /**
     * @param advertised      API key to {min, max} version, as the node's ApiVersions answer gives them
     * @param maxRequestBytes the node's {@code socket.request.max.bytes}
     */
    FrameGenerator(long seed, Map<Short, short[]> advertised, FuzzTargets targets, int maxRequestBytes) {
        this.seed = seed;
        this.maxRequestBytes = maxRequestBytes;
        for (ApiMessageType api : ApiMessageType.values()) {
            short highestKnown = api.highestSupportedVersion(true);
            if (highestKnown < api.lowestSupportedVersion()) {
                continue; // an API kafka-clients keeps only by name (ControlledShutdown, ...): no version to write
            }
            short[] range = advertised.get(api.apiKey());
            if (range == null) {
                unadvertised.add(new short[] {api.apiKey(), highestKnown});
                continue;
            }
            short min = (short) Math.max(range[0], api.lowestSupportedVersion());
            short max = (short) Math.min(range[1], highestKnown);
            if (min <= max) {
                this.advertised.add(api);
                versions.put(api.apiKey(), new short[] {min, max});
            }
            if (range[1] < highestKnown) {
                unadvertised.add(new short[] {api.apiKey(), (short) (range[1] + 1)});
            }
        }
        if (this.advertised.isEmpty()) {
            throw new IllegalArgumentException("the node advertises no API kafka-clients knows");
        }
        this.values = new Values(targets);
        this.writer = new RequestWriter(values);
        this.mutator = new Mutator(values);
    }

    FuzzFrame frame(long index) {
        Random random = new Random(seed * 0x9E3779B97F4A7C15L + index);
        values.use(random);
        return switch (category.next(random).value()) {
            case VALID -> {
                RequestWriter.Written written = validRequest(index);
                yield whole(index, "valid", written.body());
            }
            case MUTATED -> {
                RequestWriter.Written written = validRequest(index);
                Mutator.Mutated mutated = mutator.mutate(written);
                yield whole(index, "mutated:" + mutated.applied(), mutated.body());
            }
            case RAW -> raw(index);
            case UNADVERTISED -> unadvertised(index);
            case FRAMING -> framing(index);
        };
    }

    private RequestWriter.Written validRequest(long index) {
        ApiMessageType api;
        if (values.chance(15) && versions.containsKey(ApiKeys.PRODUCE.id)) {
            api = ApiMessageType.PRODUCE;
        } else if (values.chance(5) && versions.containsKey(ApiKeys.FETCH.id)) {
            api = ApiMessageType.FETCH;
        } else {
            api = values.pick(advertised);
        }
        short[] range = versions.get(api.apiKey());
        short version = (short) (range[0] + values.random().nextInt(range[1] - range[0] + 1));
        return writer.write(api, version, (int) index);
    }

    private FuzzFrame raw(long index) {
        Random random = values.random();
        byte[] body = new byte[random.nextInt(80)];
        random.nextBytes(body);
        if (body.length >= 4 && values.chance(40)) {
            // a known API key and a plausible version, then garbage
            ByteBuffer.wrap(body).putShort(0, values.pick(advertised).apiKey()).putShort(2, (short) random.nextInt(20));
        }
        if (values.chance(25)) {
            return sized(index, "raw", (short) -1, (short) -1, random.nextInt(), body);
        }
        return whole(index, "raw", body);
    }

    private FuzzFrame unadvertised(long index) {
        if (unadvertised.isEmpty()) {
            return whole(index, "valid", validRequest(index).body());
        }
        short[] pick = values.pick(unadvertised);
        ApiMessageType api = ApiMessageType.fromApiKey(pick[0]);
        byte[] body = writer.write(api, pick[1], (int) index).body();
        return new FuzzFrame(index, "unadvertised", pick[0], pick[1], prefixed(body.length, body),
                FuzzFrame.Framing.WHOLE);
    }

    /** A valid or mutated body behind a size prefix that is wrong: short, long, negative or over the limit. */
    private FuzzFrame framing(long index) {
        RequestWriter.Written written = validRequest(index);
        byte[] body = values.chance(50) ? written.body() : mutator.mutate(written).body();
        Random random = values.random();
        int size = switch (random.nextInt(5)) {
            case 0 -> body.length + 1 + random.nextInt(100);
            case 1 -> random.nextInt(Math.max(1, body.length));
            case 2 -> -1 - random.nextInt(Integer.MAX_VALUE);
            case 3 -> maxRequestBytes + 1 + random.nextInt(Integer.MAX_VALUE - maxRequestBytes);
            default -> values.anyInt();
        };
        return sized(index, "framing", apiOf(body), versionOf(body), size, body);
    }

    private FuzzFrame whole(long index, String kind, byte[] body) {
        return new FuzzFrame(index, kind, apiOf(body), versionOf(body), prefixed(body.length, body),
                FuzzFrame.Framing.WHOLE);
    }

    private FuzzFrame sized(long index, String kind, short api, short version, int size, byte[] body) {
        FuzzFrame.Framing framing;
        if (size < 0 || size > maxRequestBytes) {
            framing = FuzzFrame.Framing.BAD_SIZE;
        } else if (size > body.length) {
            framing = FuzzFrame.Framing.SHORT_BODY;
        } else if (size < body.length) {
            framing = FuzzFrame.Framing.LONG_BODY;
        } else {
            framing = FuzzFrame.Framing.WHOLE;
        }
        return new FuzzFrame(index, kind, api, version, prefixed(size, body), framing);
    }

    private static byte[] prefixed(int size, byte[] body) {
        return ByteBuffer.allocate(4 + body.length).putInt(size).put(body).array();
    }

    private static short apiOf(byte[] body) {
        return body.length >= 2 ? ByteBuffer.wrap(body).getShort(0) : -1;
    }

    private static short versionOf(byte[] body) {
        return body.length >= 4 ? ByteBuffer.wrap(body).getShort(2) : -1;
    }
}
