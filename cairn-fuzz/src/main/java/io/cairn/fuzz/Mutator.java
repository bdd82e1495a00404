package io.cairn.fuzz;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.RandomGenerator;
import net.jqwik.api.Tuple;
import org.apache.kafka.common.utils.ByteUtils;

/**
 * Breaks a valid frame body on purpose, mostly where it matters: a length or count prefix, a varint, a
 * number, the request header, a record batch's header or its (compressed) records; or anywhere, by flipping,
 * inserting, deleting or truncating bytes.
 *
 * <p>Not thread-safe (it uses a {@link Values}).
 */
final class Mutator {

    enum Mutation {
        FLIP, INSERT, DELETE, TRUNCATE, LENGTH, VARINT, NUMBER, HEADER, BATCH_HEADER, BATCH_RECORDS
    }

    /** A mutated body; {@code applied} names what was done, e.g. {@code length+flip}. */
    record Mutated(byte[] body, String applied) {
    }

    private static final int[] INTERESTING_INTS = {-1, -2, 0, 1, 2, 127, 128, 255, 256, 32767, 32768, 65535,
            Integer.MAX_VALUE, Integer.MIN_VALUE, Integer.MAX_VALUE - 1, 1 << 20, 1 << 24, 1 << 30};

    private final Values values;
    private final RandomGenerator<Mutation> structural = Arbitraries.frequency(
            Tuple.of(2, Mutation.FLIP), Tuple.of(1, Mutation.INSERT), Tuple.of(1, Mutation.DELETE),
            Tuple.of(1, Mutation.TRUNCATE), Tuple.of(4, Mutation.LENGTH), Tuple.of(2, Mutation.VARINT),
            Tuple.of(2, Mutation.NUMBER), Tuple.of(1, Mutation.HEADER), Tuple.of(5, Mutation.BATCH_HEADER),
            Tuple.of(4, Mutation.BATCH_RECORDS)).generator(100);
    private final RandomGenerator<Mutation> byteLevel = Arbitraries.of(Mutation.FLIP, Mutation.INSERT,
            Mutation.DELETE, Mutation.TRUNCATE).generator(100);

    Mutator(Values values) {
        this.values = values;
    }

    /** One structure-aware mutation, then (three times in ten) one or two byte-level ones. */
    Mutated mutate(RequestWriter.Written written) {
        byte[] body = written.body();
        List<String> applied = new ArrayList<>();
        Mutation first = structural.next(values.random()).value();
        byte[] mutated = apply(first, body, written.landmarks());
        if (mutated == null) {
            first = Mutation.FLIP;
            mutated = apply(first, body, written.landmarks());
        }
        applied.add(first.name().toLowerCase());
        int more = values.chance(30) ? 1 + values.random().nextInt(2) : 0;
        for (int i = 0; i < more; i++) {
            Mutation next = byteLevel.next(values.random()).value();
            mutated = apply(next, mutated, List.of());
            applied.add(next.name().toLowerCase());
        }
        return new Mutated(mutated, String.join("+", applied));
    }

    /** The mutated body, or null when the body has no place for this mutation (no record batch, ...). */
    private byte[] apply(Mutation mutation, byte[] body, List<Landmark> landmarks) {
        return switch (mutation) {
            case FLIP -> flip(body);
            case INSERT -> splice(body, offset(body.length + 1), 0, values.anyBytes());
            case DELETE -> {
                int at = offset(body.length);
                yield splice(body, at, Math.min(body.length - at, 1 + values.random().nextInt(16)), new byte[0]);
            }
            case TRUNCATE -> java.util.Arrays.copyOf(body, offset(body.length));
            case LENGTH -> length(body, pick(landmarks, Landmark.Kind.COUNT, Landmark.Kind.STRING_LENGTH,
                    Landmark.Kind.BYTES_LENGTH, Landmark.Kind.RECORDS_LENGTH));
            case VARINT -> varint(body, pickVarint(landmarks));
            case NUMBER -> number(body, pick(landmarks, Landmark.Kind.NUMBER));
            case HEADER -> header(body);
            case BATCH_HEADER -> batchHeader(body, pick(landmarks, Landmark.Kind.RECORDS));
            case BATCH_RECORDS -> batchRecords(body, landmarks);
        };
    }

    private byte[] flip(byte[] body) {
        byte[] copy = body.clone();
        int n = 1 + values.random().nextInt(4);
        for (int i = 0; i < n && copy.length > 0; i++) {
            copy[values.random().nextInt(copy.length)] ^= (byte) (1 << values.random().nextInt(8));
        }
        return copy;
    }

    private byte[] length(byte[] body, Landmark at) {
        if (at == null) {
            return null;
        }
        int value = values.chance(60) ? INTERESTING_INTS[values.random().nextInt(INTERESTING_INTS.length)]
                : currentValue(body, at) + values.random().nextInt(7) - 3;
        return replaceNumber(body, at, value);
    }

    private byte[] number(byte[] body, Landmark at) {
        if (at == null) {
            return null;
        }
        long value = values.chance(70) ? INTERESTING_INTS[values.random().nextInt(INTERESTING_INTS.length)]
                : values.random().nextLong();
        byte[] copy = body.clone();
        ByteBuffer buffer = ByteBuffer.wrap(copy);
        switch (at.width()) {
            case 2 -> buffer.putShort(at.offset(), (short) value);
            case 4 -> buffer.putInt(at.offset(), (int) value);
            case 8 -> buffer.putLong(at.offset(), values.chance(50) ? Long.MAX_VALUE : value);
            default -> copy[at.offset()] = (byte) value;
        }
        return copy;
    }

    /** A varint re-encoded badly: too long (over 5 bytes), non-minimal, the largest value, or cut short. */
    private byte[] varint(byte[] body, Landmark at) {
        if (at == null) {
            return null;
        }
        int value = currentValue(body, at);
        byte[] encoded = switch (values.random().nextInt(4)) {
            case 0 -> new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01};
            case 1 -> new byte[] {(byte) (0x80 | (value & 0x7f)), (byte) (0x80 | ((value >>> 7) & 0x7f)),
                    (byte) ((value >>> 14) & 0x7f)};
            case 2 -> new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f};
            default -> new byte[] {(byte) 0x80};
        };
        return splice(body, at.offset(), at.width(), encoded);
    }

    /** The request header's API key, version or client id length. */
    private byte[] header(byte[] body) {
        if (body.length < 10) {
            return null;
        }
        byte[] copy = body.clone();
        ByteBuffer buffer = ByteBuffer.wrap(copy);
        switch (values.random().nextInt(3)) {
            case 0 -> buffer.putShort(0, (short) (values.chance(50) ? values.random().nextInt(100) : values.anyInt()));
            case 1 -> buffer.putShort(2, (short) (values.chance(50) ? values.random().nextInt(30) : values.anyInt()));
            default -> buffer.putShort(8, (short) INTERESTING_INTS[values.random().nextInt(INTERESTING_INTS.length)]);
        }
        return copy;
    }

    /** One field of the first batch's header set to an edge value; the CRC recomputed four times in five. */
    private byte[] batchHeader(byte[] body, Landmark records) {
        if (records == null || records.width() < RecordBatches.HEADER_SIZE) {
            return null;
        }
        byte[] copy = body.clone();
        int[] field = values.chance(10) ? new int[] {RecordBatches.CRC, 4} : values.pick(RecordBatches.HEADER_FIELDS);
        ByteBuffer buffer = ByteBuffer.wrap(copy);
        int at = records.offset() + field[0];
        long value = values.chance(70) ? INTERESTING_INTS[values.random().nextInt(INTERESTING_INTS.length)]
                : values.random().nextLong();
        if (field[0] == RecordBatches.ATTRIBUTES && values.chance(60)) {
            value = values.random().nextInt(1 << 8); // compression codec 0-7, timestamp type, txn, control bits
        }
        switch (field[1]) {
            case 1 -> copy[at] = (byte) value;
            case 2 -> buffer.putShort(at, (short) value);
            case 4 -> buffer.putInt(at, (int) value);
            default -> buffer.putLong(at, value);
        }
        if (field[0] != RecordBatches.CRC && values.chance(80)) {
            RecordBatches.fixCrc(copy, records.offset(), batchLength(copy, records));
        }
        return copy;
    }

    /**
     * Bytes of the first batch's records (for a compressed batch: its compressed payload) flipped, inserted,
     * removed or cut, with the batch length, the records size prefix and the CRC made to agree, so that the
     * node has to read the records to find out.
     */
    private byte[] batchRecords(byte[] body, List<Landmark> landmarks) {
        Landmark records = pick(landmarks, Landmark.Kind.RECORDS);
        if (records == null || records.width() <= RecordBatches.HEADER_SIZE) {
            return null;
        }
        Landmark sizePrefix = null;
        for (Landmark landmark : landmarks) {
            if (landmark.kind() == Landmark.Kind.RECORDS_LENGTH && landmark.end() == records.offset()) {
                sizePrefix = landmark;
            }
        }
        int batchLength = batchLength(body, records);
        int payloadStart = records.offset() + RecordBatches.HEADER_SIZE;
        int payloadEnd = records.offset() + batchLength;
        if (sizePrefix == null || payloadEnd > records.end() || payloadEnd <= payloadStart) {
            return null;
        }
        byte[] payload = java.util.Arrays.copyOfRange(body, payloadStart, payloadEnd);
        byte[] changed = switch (values.random().nextInt(4)) {
            case 0 -> flip(payload);
            case 1 -> splice(payload, values.random().nextInt(payload.length + 1), 0, values.anyBytes());
            case 2 -> java.util.Arrays.copyOf(payload, values.random().nextInt(payload.length));
            default -> { // a record's length or count varint (uncompressed records start with one)
                byte[] copy = payload.clone();
                copy[0] = (byte) (values.chance(50) ? 0x7f : values.random().nextInt(256));
                yield copy;
            }
        };
        int delta = changed.length - payload.length;
        byte[] result = splice(body, payloadStart, payload.length, changed);
        ByteBuffer.wrap(result).putInt(records.offset() + RecordBatches.LENGTH,
                batchLength - RecordBatches.LENGTH - 4 + delta);
        RecordBatches.fixCrc(result, records.offset(), batchLength + delta);
        int recordsSize = records.width() + delta;
        byte[] prefix = sizePrefix.encoding() == Landmark.Encoding.FIXED
                ? ByteBuffer.allocate(4).putInt(recordsSize).array() : unsignedVarint(recordsSize + 1);
        return splice(result, sizePrefix.offset(), sizePrefix.width(), prefix);
    }

    /** The batch's size as its header gives it: the length field counts from after itself. */
    private static int batchLength(byte[] body, Landmark records) {
        int length = ByteBuffer.wrap(body).getInt(records.offset() + RecordBatches.LENGTH);
        return Math.min(records.width(), Math.max(0, length) + RecordBatches.LENGTH + 4);
    }

    private byte[] replaceNumber(byte[] body, Landmark at, int value) {
        if (at.encoding() == Landmark.Encoding.UNSIGNED_VARINT) {
            return splice(body, at.offset(), at.width(), unsignedVarint(value));
        }
        byte[] copy = body.clone();
        if (at.width() == 2) {
            ByteBuffer.wrap(copy).putShort(at.offset(), (short) value);
        } else {
            ByteBuffer.wrap(copy).putInt(at.offset(), value);
        }
        return copy;
    }

    private static int currentValue(byte[] body, Landmark at) {
        ByteBuffer buffer = ByteBuffer.wrap(body, at.offset(), at.width());
        return switch (at.encoding()) {
            case UNSIGNED_VARINT -> ByteUtils.readUnsignedVarint(buffer);
            default -> at.width() == 2 ? buffer.getShort() : buffer.getInt();
        };
    }

    private Landmark pick(List<Landmark> landmarks, Landmark.Kind... kinds) {
        List<Landmark> matching = new ArrayList<>();
        for (Landmark landmark : landmarks) {
            for (Landmark.Kind kind : kinds) {
                if (landmark.kind() == kind) {
                    matching.add(landmark);
                }
            }
        }
        return matching.isEmpty() ? null : values.pick(matching);
    }

    private Landmark pickVarint(List<Landmark> landmarks) {
        List<Landmark> varints = new ArrayList<>();
        for (Landmark landmark : landmarks) {
            if (landmark.encoding() == Landmark.Encoding.UNSIGNED_VARINT) {
                varints.add(landmark);
            }
        }
        return varints.isEmpty() ? null : values.pick(varints);
    }

    private int offset(int bound) {
        return bound <= 0 ? 0 : values.random().nextInt(bound);
    }

    static byte[] splice(byte[] body, int at, int removed, byte[] inserted) {
        byte[] result = new byte[body.length - removed + inserted.length];
        System.arraycopy(body, 0, result, 0, at);
        System.arraycopy(inserted, 0, result, at, inserted.length);
        System.arraycopy(body, at + removed, result, at + inserted.length, body.length - at - removed);
        return result;
    }

    static byte[] unsignedVarint(int value) {
        ByteBuffer buffer = ByteBuffer.allocate(5);
        ByteUtils.writeUnsignedVarint(value, buffer);
        return java.util.Arrays.copyOf(buffer.array(), buffer.position());
    }
}
