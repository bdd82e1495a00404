package io.cairn.fuzz;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.apache.kafka.common.utils.ByteUtils;

/**
 * A growable byte array that remembers the {@link Landmark}s written into it. Not thread-safe.
 */
final class FrameWriter {

    private byte[] bytes = new byte[256];
    private int size;
    private final List<Landmark> landmarks = new ArrayList<>();

    int position() {
        return size;
    }

    void writeByte(int value) {
        ensure(1);
        bytes[size++] = (byte) value;
    }

    void writeShort(int value) {
        ensure(2);
        bytes[size++] = (byte) (value >>> 8);
        bytes[size++] = (byte) value;
    }

    void writeInt(int value) {
        ensure(4);
        for (int shift = 24; shift >= 0; shift -= 8) {
            bytes[size++] = (byte) (value >>> shift);
        }
    }

    void writeUnsignedVarint(int value) {
        ensure(5);
        ByteBuffer buffer = ByteBuffer.wrap(bytes, size, 5);
        ByteUtils.writeUnsignedVarint(value, buffer);
        size = buffer.position();
    }

    void write(byte[] data) {
        write(data, 0, data.length);
    }

    void write(byte[] data, int offset, int length) {
        ensure(length);
        System.arraycopy(data, offset, bytes, size, length);
        size += length;
    }

    /** Writes with one of kafka-clients' fixed encoders ({@code Type.INT64.write(...)} and the like). */
    void write(int width, java.util.function.Consumer<ByteBuffer> encoder) {
        ensure(width);
        ByteBuffer buffer = ByteBuffer.wrap(bytes, size, width);
        encoder.accept(buffer);
        size = buffer.position();
    }

    /** Marks the bytes written since {@code start}. */
    void mark(Landmark.Kind kind, Landmark.Encoding encoding, int start) {
        landmarks.add(new Landmark(kind, encoding, start, size - start));
    }

    void mark(Landmark.Kind kind, Landmark.Encoding encoding, int offset, int width) {
        landmarks.add(new Landmark(kind, encoding, offset, width));
    }

    byte[] toByteArray() {
        return Arrays.copyOf(bytes, size);
    }

    List<Landmark> landmarks() {
        return List.copyOf(landmarks);
    }

    private void ensure(int more) {
        if (size + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
        }
    }
}
