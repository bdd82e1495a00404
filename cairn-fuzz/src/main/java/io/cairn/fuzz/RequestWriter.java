package io.cairn.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.types.ArrayOf;
import org.apache.kafka.common.protocol.types.BoundField;
import org.apache.kafka.common.protocol.types.CompactArrayOf;
import org.apache.kafka.common.protocol.types.Field;
import org.apache.kafka.common.protocol.types.NullableSchema;
import org.apache.kafka.common.protocol.types.Schema;
import org.apache.kafka.common.protocol.types.TaggedFields;
import org.apache.kafka.common.protocol.types.Type;

/**
 * Writes a valid request (header and body) of any API and version by walking kafka-clients' own schema of
 * it ({@code ApiMessageType.requestSchemas()}, {@code RequestHeaderData.SCHEMAS}), drawing every field from
 * {@link Values}, and marking each length, count, varint and record batch as a {@link Landmark} for the
 * mutator. Fixed-width numbers are encoded by kafka-clients' {@code Type}s. {@code RequestWriterTest}
 * checks that kafka-clients' message classes read every API and version written here back to the same bytes.
 *
 * <p>Not thread-safe (it uses a {@link Values}).
 */
final class RequestWriter {

    /** A frame body (header and request, no size prefix) and its landmarks. */
    record Written(byte[] body, java.util.List<Landmark> landmarks) {
    }

    private final Values values;

    RequestWriter(Values values) {
        this.values = values;
    }

    Written write(ApiMessageType api, short version, int correlationId) {
        FrameWriter out = new FrameWriter();
        Schema header = RequestHeaderData.SCHEMAS[api.requestHeaderVersion(version)];
        for (BoundField field : header.fields()) {
            switch (field.def.name) {
                case "request_api_key" -> out.writeShort(api.apiKey());
                case "request_api_version" -> out.writeShort(version);
                case "correlation_id" -> out.writeInt(correlationId);
                default -> writeField(out, field.def, "header");
            }
        }
        writeStruct(out, api.requestSchemas()[version], api.name);
        return new Written(out.toByteArray(), out.landmarks());
    }

    private void writeStruct(FrameWriter out, Schema schema, String parent) {
        for (BoundField field : schema.fields()) {
            writeField(out, field.def, parent);
        }
    }

    private void writeField(FrameWriter out, Field field, String parent) {
        writeValue(out, field.type, field.name, parent);
    }

    private void writeValue(FrameWriter out, Type type, String name, String parent) {
        int start = out.position();
        if (type == Type.BOOLEAN) {
            out.writeByte(values.bool() ? 1 : 0);
        } else if (type == Type.INT8) {
            out.writeByte(values.int8(name));
        } else if (type == Type.INT16) {
            out.writeShort(values.int16(name));
            out.mark(Landmark.Kind.NUMBER, Landmark.Encoding.FIXED, start);
        } else if (type == Type.UINT16) {
            out.writeShort(values.int16(name) & 0xffff);
            out.mark(Landmark.Kind.NUMBER, Landmark.Encoding.FIXED, start);
        } else if (type == Type.INT32) {
            out.writeInt(values.int32(name));
            out.mark(Landmark.Kind.NUMBER, Landmark.Encoding.FIXED, start);
        } else if (type == Type.UNSIGNED_INT32) {
            out.write(4, b -> Type.UNSIGNED_INT32.write(b, values.int32(name) & 0xffffffffL));
            out.mark(Landmark.Kind.NUMBER, Landmark.Encoding.FIXED, start);
        } else if (type == Type.INT64) {
            out.write(8, b -> Type.INT64.write(b, values.int64(name)));
            out.mark(Landmark.Kind.NUMBER, Landmark.Encoding.FIXED, start);
        } else if (type == Type.UUID) {
            out.write(16, b -> Type.UUID.write(b, values.uuid(name)));
        } else if (type == Type.FLOAT64) {
            out.write(8, b -> Type.FLOAT64.write(b, values.float64()));
        } else if (type == Type.VARINT || type == Type.VARLONG) {
            throw new IllegalArgumentException("no request field is a bare varint: " + name);
        } else if (isString(type)) {
            writeString(out, type, name, parent);
        } else if (isBytes(type)) {
            writeBytes(out, type, values.anyBytes(), Landmark.Kind.BYTES_LENGTH);
        } else if (isRecords(type)) {
            writeBytes(out, type, RecordBatches.generate(values), Landmark.Kind.RECORDS_LENGTH);
        } else if (type instanceof ArrayOf || type instanceof CompactArrayOf) {
            writeArray(out, type, name);
        } else if (type instanceof NullableSchema nullable) {
            if (values.chance(10)) {
                out.writeByte(-1);
            } else {
                out.writeByte(1);
                writeStruct(out, nullable, name);
            }
        } else if (type instanceof Schema struct) {
            writeStruct(out, struct, name);
        } else if (type instanceof TaggedFields tagged) {
            writeTaggedFields(out, tagged, parent);
        } else {
            throw new IllegalArgumentException("unknown type " + type + " of " + name);
        }
    }

    private void writeString(FrameWriter out, Type type, String name, String parent) {
        String value = type.isNullable() && values.chance(10) ? null : values.string(name, parent);
        byte[] utf8 = value == null ? null : value.getBytes(StandardCharsets.UTF_8);
        int start = out.position();
        boolean compact = type == Type.COMPACT_STRING || type == Type.COMPACT_NULLABLE_STRING;
        if (compact) {
            out.writeUnsignedVarint(utf8 == null ? 0 : utf8.length + 1);
        } else {
            out.writeShort(utf8 == null ? -1 : utf8.length);
        }
        out.mark(Landmark.Kind.STRING_LENGTH, compact ? Landmark.Encoding.UNSIGNED_VARINT : Landmark.Encoding.FIXED,
                start);
        if (utf8 != null) {
            out.write(utf8);
        }
    }

    private void writeBytes(FrameWriter out, Type type, byte[] data, Landmark.Kind kind) {
        byte[] value = type.isNullable() && values.chance(5) ? null : data;
        int start = out.position();
        boolean compact = type == Type.COMPACT_BYTES || type == Type.COMPACT_NULLABLE_BYTES
                || type == Type.COMPACT_RECORDS || type == Type.COMPACT_NULLABLE_RECORDS;
        if (compact) {
            out.writeUnsignedVarint(value == null ? 0 : value.length + 1);
        } else {
            out.writeInt(value == null ? -1 : value.length);
        }
        out.mark(kind, compact ? Landmark.Encoding.UNSIGNED_VARINT : Landmark.Encoding.FIXED, start);
        if (value != null) {
            int dataStart = out.position();
            out.write(value);
            if (kind == Landmark.Kind.RECORDS_LENGTH && value.length > 0) {
                out.mark(Landmark.Kind.RECORDS, Landmark.Encoding.RAW, dataStart);
            }
        }
    }

    private void writeArray(FrameWriter out, Type type, String name) {
        Type element = type.arrayElementType().orElseThrow();
        boolean compact = type instanceof CompactArrayOf;
        int n = type.isNullable() && values.chance(5) ? -1 : values.count();
        int start = out.position();
        if (compact) {
            out.writeUnsignedVarint(n + 1);
        } else {
            out.writeInt(n);
        }
        out.mark(Landmark.Kind.COUNT, compact ? Landmark.Encoding.UNSIGNED_VARINT : Landmark.Encoding.FIXED, start);
        for (int i = 0; i < n; i++) {
            writeValue(out, element, name, name);
        }
    }

    /** Some of the known tagged fields, in tag order, and now and then an unknown one (to be skipped). */
    private void writeTaggedFields(FrameWriter out, TaggedFields tagged, String parent) {
        Map<Integer, Field> known = tagged.fields();
        java.util.List<Integer> tags = new java.util.ArrayList<>();
        for (Integer tag : new java.util.TreeSet<>(known.keySet())) {
            if (values.chance(50)) {
                tags.add(tag);
            }
        }
        // Far above any real tag: kafka-clients refuses a tag that another version of the message defines.
        int unknown = values.chance(5) ? 10_000 + values.random().nextInt(100) : -1;
        if (unknown >= 0) {
            tags.add(unknown);
        }
        int start = out.position();
        out.writeUnsignedVarint(tags.size());
        out.mark(Landmark.Kind.TAG, Landmark.Encoding.UNSIGNED_VARINT, start);
        for (int tag : tags) {
            FrameWriter field = new FrameWriter();
            if (tag == unknown) {
                field.write(values.anyBytes());
            } else {
                writeValue(field, known.get(tag).type, known.get(tag).name, parent);
            }
            byte[] bytes = field.toByteArray();
            out.writeUnsignedVarint(tag);
            int sizeStart = out.position();
            out.writeUnsignedVarint(bytes.length);
            out.mark(Landmark.Kind.TAG, Landmark.Encoding.UNSIGNED_VARINT, sizeStart);
            int base = out.position();
            out.write(bytes);
            for (Landmark inner : field.landmarks()) {
                out.mark(inner.kind(), inner.encoding(), base + inner.offset(), inner.width());
            }
        }
    }

    private static boolean isString(Type type) {
        return type == Type.STRING || type == Type.COMPACT_STRING || type == Type.NULLABLE_STRING
                || type == Type.COMPACT_NULLABLE_STRING;
    }

    private static boolean isBytes(Type type) {
        return type == Type.BYTES || type == Type.COMPACT_BYTES || type == Type.NULLABLE_BYTES
                || type == Type.COMPACT_NULLABLE_BYTES;
    }

    private static boolean isRecords(Type type) {
        return type == Type.RECORDS || type == Type.COMPACT_RECORDS || type == Type.NULLABLE_RECORDS
                || type == Type.COMPACT_NULLABLE_RECORDS;
    }
}
