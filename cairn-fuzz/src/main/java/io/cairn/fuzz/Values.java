package io.cairn.fuzz;

import java.util.List;
import java.util.Random;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.RandomGenerator;
import net.jqwik.api.Tuple;
import org.apache.kafka.common.Uuid;

/**
 * The values of generated fields, drawn with jqwik's generators (their edge cases included: 0, -1, the
 * type's minimum and maximum, empty and non-ASCII strings) from the random source of the frame being built.
 * Fields that name something (a topic, a group, a partition, a timeout) are mostly given a value that
 * reaches the node's real work, sometimes an arbitrary one.
 *
 * <p>Not thread-safe, and bound to a jqwik session: create and use it on one thread, inside
 * {@code JqwikSession.start()}/{@code finish()} or a jqwik property.
 */
final class Values {

    private static final int GEN_SIZE = 1000;
    private static final List<String> CONFIG_NAMES = List.of("retention.ms", "cleanup.policy", "max.message.bytes",
            "min.insync.replicas", "message.timestamp.type", "compression.type", "retention.bytes");

    /**
     * The "now" of generated timestamps: fixed, so that a frame replays byte for byte. In the past, which a
     * node accepts by default ({@code message.timestamp.before.max.ms} has no limit).
     */
    static final long NOW_MS = 1_750_000_000_000L;

    private final FuzzTargets targets;
    private final RandomGenerator<Integer> anyInt = Arbitraries.integers().generator(GEN_SIZE, true);
    private final RandomGenerator<Short> anyShort = Arbitraries.shorts().generator(GEN_SIZE, true);
    private final RandomGenerator<Byte> anyByte = Arbitraries.bytes().generator(GEN_SIZE, true);
    private final RandomGenerator<Long> anyLong = Arbitraries.longs().generator(GEN_SIZE, true);
    private final RandomGenerator<Double> anyDouble = Arbitraries.doubles().generator(GEN_SIZE, true);
    private final RandomGenerator<String> anyString = Arbitraries.strings().ofMaxLength(24)
            .generator(GEN_SIZE, true);
    private final RandomGenerator<byte[]> anyBytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(48)
            .generator(GEN_SIZE, true);
    private final RandomGenerator<Integer> small = Arbitraries.integers().between(-1, 3).generator(GEN_SIZE, true);
    private final RandomGenerator<Integer> timeoutMs = Arbitraries.integers().between(0, 200)
            .generator(GEN_SIZE, true);
    private final RandomGenerator<Integer> count = Arbitraries.frequency(
            Tuple.of(3, 0), Tuple.of(6, 1), Tuple.of(3, 2), Tuple.of(1, 3), Tuple.of(1, 5)).generator(GEN_SIZE);
    private final RandomGenerator<Short> acks = Arbitraries.frequency(
            Tuple.of(5, (short) -1), Tuple.of(4, (short) 1), Tuple.of(1, (short) 0)).generator(GEN_SIZE);
    private Random random = new Random(0);

    Values(FuzzTargets targets) {
        this.targets = targets;
    }

    /** Draws the following values from {@code random} (one per frame, so that a frame replays from its seed). */
    void use(Random random) {
        this.random = random;
    }

    Random random() {
        return random;
    }

    boolean chance(int percent) {
        return random.nextInt(100) < percent;
    }

    <T> T pick(List<T> choices) {
        return choices.get(random.nextInt(choices.size()));
    }

    int anyInt() {
        return anyInt.next(random).value();
    }

    byte[] anyBytes() {
        return anyBytes.next(random).value();
    }

    String anyString() {
        return anyString.next(random).value();
    }

    int count() {
        return count.next(random).value();
    }

    boolean bool() {
        return random.nextBoolean();
    }

    byte int8(String field) {
        if (chance(80) && (field.endsWith("type") || field.endsWith("level") || field.endsWith("operation")
                || field.endsWith("_id") || field.endsWith("version"))) {
            return (byte) (int) small.next(random).value();
        }
        return anyByte.next(random).value();
    }

    short int16(String field) {
        if (field.equals("acks") && chance(95)) {
            return acks.next(random).value();
        }
        if (chance(80) && (field.contains("epoch") || field.contains("version") || field.endsWith("type")
                || field.contains("factor") || field.contains("code"))) {
            return (short) (int) small.next(random).value();
        }
        return anyShort.next(random).value();
    }

    int int32(String field) {
        if (chance(90) && (field.contains("timeout") || field.contains("wait") || field.contains("interval"))) {
            return timeoutMs.next(random).value();
        }
        if (chance(85) && (field.contains("partition") || field.equals("index") || field.contains("epoch")
                || field.contains("_id") || field.contains("count") || field.contains("factor")
                || field.contains("generation"))) {
            return small.next(random).value();
        }
        if (chance(85) && field.contains("bytes")) {
            return random.nextInt(1 << 20);
        }
        return anyInt();
    }

    long int64(String field) {
        if (chance(85) && (field.contains("offset") || field.contains("producer_id") || field.contains("epoch"))) {
            return small.next(random).value();
        }
        if (chance(70) && field.contains("timestamp")) {
            return NOW_MS - random.nextInt(1000);
        }
        return anyLong.next(random).value();
    }

    double float64() {
        return anyDouble.next(random).value();
    }

    Uuid uuid(String field) {
        if (field.contains("topic") && !targets.topicIds().isEmpty() && chance(85)) {
            return pick(targets.topicIds());
        }
        return chance(30) ? Uuid.ZERO_UUID : new Uuid(random.nextLong(), random.nextLong());
    }

    /**
     * A string for {@code field}; {@code parent} is the field of the enclosing struct (so that the {@code name}
     * of a {@code topics} entry is a topic name).
     */
    String string(String field, String parent) {
        boolean named = chance(85);
        if (named && (field.contains("topic") || field.equals("name") && parent.contains("topic"))) {
            return targets.topics().isEmpty() ? anyString() : pick(targets.topics());
        }
        if (named && field.contains("group")) {
            return pick(targets.groups());
        }
        if (named && field.contains("transactional_id")) {
            return pick(targets.transactionalIds());
        }
        if (named && field.equals("member_id")) {
            return "";
        }
        if (named && field.equals("name") && parent.contains("config")) {
            return pick(CONFIG_NAMES);
        }
        if (named && field.equals("value")) {
            return String.valueOf(small.next(random).value());
        }
        if (field.equals("client_id")) {
            return "cairn-fuzz";
        }
        return anyString();
    }
}
