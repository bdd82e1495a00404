package io.cairn.metadata.record;

import java.io.IOException;
import java.util.List;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.common.Uuid;

/**
 * Encodes metadata batches for the log: self-describing JSON with a format version, the term and leader it
 * was decided by, and each record tagged with its type. The encoding is deterministic (fields in declaration
 * order, map entries sorted), so equal batches give equal bytes.
 *
 * <p>Format version 1: {@code {"v":1,"term":T,"leader":L,"records":[{"type":"Topic",...},...]}}. A reader
 * refuses a version newer than it knows, loudly, rather than guessing.
 *
 * <p>Thread-safe.
 */
public final class MetadataRecordSerde {

    public static final int FORMAT_VERSION = 1;

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new SimpleModule("cairn-uuid")
                    .addSerializer(Uuid.class, new UuidSerializer())
                    .addDeserializer(Uuid.class, new UuidDeserializer()))
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
            .configure(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY, false)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .build();

    private static final TypeReference<List<MetadataRecord>> RECORD_LIST = new TypeReference<>() {
    };

    private MetadataRecordSerde() {
    }

    /** Serializes a batch; its offset is not written (it is the batch's position in the log). */
    public static byte[] serialize(MetadataBatch batch) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("v", FORMAT_VERSION);
        root.put("term", batch.term());
        root.put("leader", batch.leaderId());
        try {
            root.set("records", MAPPER.readTree(MAPPER.writerFor(RECORD_LIST).writeValueAsBytes(batch.records())));
            return MAPPER.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialize metadata batch", e);
        }
    }

    /**
     * Reads a batch written by {@link #serialize}.
     *
     * @throws IllegalArgumentException when the bytes are not a batch of a known format version
     */
    public static MetadataBatch deserialize(long offset, byte[] bytes) {
        try {
            JsonNode root = MAPPER.readTree(bytes);
            int version = root.path("v").asInt(-1);
            if (version < 1 || version > FORMAT_VERSION) {
                throw new IllegalArgumentException("unsupported metadata batch format version " + version
                        + " (this node reads up to " + FORMAT_VERSION + ")");
            }
            List<MetadataRecord> records = MAPPER.readerFor(RECORD_LIST).readValue(root.get("records"));
            return new MetadataBatch(offset, root.get("term").asInt(), root.get("leader").asInt(), records);
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed metadata batch at offset " + offset, e);
        }
    }

    /** Serializes one record (type-tagged), for tests and tools. */
    public static byte[] serializeRecord(MetadataRecord record) {
        try {
            return MAPPER.writerFor(MetadataRecord.class).writeValueAsBytes(record);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialize " + record, e);
        }
    }

    public static MetadataRecord deserializeRecord(byte[] bytes) {
        try {
            return MAPPER.readValue(bytes, MetadataRecord.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed metadata record", e);
        }
    }

    private static final class UuidSerializer extends JsonSerializer<Uuid> {
        @Override
        public void serialize(Uuid value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
            gen.writeString(value.toString());
        }
    }

    private static final class UuidDeserializer extends JsonDeserializer<Uuid> {
        @Override
        public Uuid deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            return Uuid.fromString(p.getValueAsString());
        }
    }
}
