package io.cairn.metadata.record;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import org.apache.kafka.common.Uuid;

/**
 * Encodes metadata batches for the log: self-describing JSON with a format version, the term and leader it
 * was decided by, and each record tagged with its type. The encoding is deterministic (fields in declaration
 * order), so equal batches give equal bytes.
 *
 * <p>Format version 1: {@code {"v":1,"term":T,"leader":L,"records":[{"type":"Topic",...},...]}}. Each record is
 * an object with its {@code type} first and then its fields in declaration order; a null field is written as
 * {@code null}, except a partition's empty {@code addingReplicas}/{@code removingReplicas}, which are left out.
 * Topic ids are Kafka's base64 form; byte arrays (SCRAM salts and keys) are base64 strings. A reader ignores fields it does not know, takes a missing field as null
 * (zero, false), and refuses a version newer than it knows, loudly, rather than guessing.
 *
 * <p>Format version 2 (docs/adr/0023): a {@link DecisionRecord} carries why and when the controller decided it, as
 * {@code "reason":"LEASE_EXPIRED","time":T} after its other fields (both left out when the record restates state,
 * as a snapshot's records do). A version-1 batch is still read: its decision records get
 * {@link ChangeReason#UNKNOWN} and no time, since version 1 did not say why.
 *
 * <p>Which format is written is the writer's choice, made from the finalized {@link MetadataFormat} level (docs/adr/
 * 0028): format 1 leaves out the reasons and times, and refuses the records format 1 does not have (the history
 * records of a snapshot). A reader may be capped below {@link #FORMAT_VERSION} (the testing-only {@code
 * cairn.testing.metadata.format.max}), so that it refuses format 2 as a node of the release before it does.
 * {@code RegisterBroker}'s {@code metadataVersions} is an optional field, which that release ignores.
 *
 * <p>Written and read with Jackson's streaming API, field by field: Jackson's object mapper (databind) gave the
 * same bytes but cost about half a second of start-up for its first use, on the path to the first metadata
 * write (MetadataRecordSerdeTest pins the encoding).
 *
 * <p>Thread-safe.
 */
public final class MetadataRecordSerde {

    public static final int FORMAT_VERSION = 2;

    private static final JsonFactory JSON = JsonFactory.builder().build();
    private static final Base64.Encoder BASE64_ENCODER = Base64.getEncoder();

    private MetadataRecordSerde() {
    }

    /** Serializes a batch in the newest format; its offset is not written (it is the batch's position in the log). */
    public static byte[] serialize(MetadataBatch batch) {
        return serialize(batch, FORMAT_VERSION);
    }

    /**
     * Serializes a batch in format {@code version}.
     *
     * @throws IllegalArgumentException when the version is unknown or the batch holds a record it does not have
     */
    public static byte[] serialize(MetadataBatch batch, int version) {
        if (version < 1 || version > FORMAT_VERSION) {
            throw new IllegalArgumentException("cannot write metadata batch format version " + version);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeNumberField("v", version);
            g.writeNumberField("term", batch.term());
            g.writeNumberField("leader", batch.leaderId());
            g.writeArrayFieldStart("records");
            for (MetadataRecord record : batch.records()) {
                if (version < 2 && (record instanceof PartitionHistoryRecord || record instanceof BrokerHistoryRecord)) {
                    throw new IllegalArgumentException("metadata batch format " + version + " has no " + record);
                }
                write(g, record, version);
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialize metadata batch", e);
        }
        return out.toByteArray();
    }

    /**
     * Reads a batch written by {@link #serialize}.
     *
     * @throws IllegalArgumentException when the bytes are not a batch of a known format version
     */
    public static MetadataBatch deserialize(long offset, byte[] bytes) {
        return deserialize(offset, bytes, FORMAT_VERSION);
    }

    /**
     * Reads a batch as a node that reads formats up to {@code maxVersion} does.
     *
     * @throws IllegalArgumentException when the bytes are not a batch of a format up to {@code maxVersion}
     */
    public static MetadataBatch deserialize(long offset, byte[] bytes, int maxVersion) {
        try (JsonParser p = JSON.createParser(bytes)) {
            expect(p.nextToken(), JsonToken.START_OBJECT);
            int version = -1;
            Integer term = null;
            Integer leader = null;
            List<MetadataRecord> records = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "v" -> version = value.isNumeric() ? p.getValueAsInt(-1) : -1;
                    case "term" -> term = p.getValueAsInt();
                    case "leader" -> leader = p.getValueAsInt();
                    case "records" -> {
                        checkVersion(version, maxVersion);
                        expect(value, JsonToken.START_ARRAY);
                        records = new ArrayList<>();
                        while (p.nextToken() != JsonToken.END_ARRAY) {
                            MetadataRecord record = readRecord(p);
                            records.add(version < 2 && record instanceof DecisionRecord d ? d.fromFormat1() : record);
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            checkVersion(version, maxVersion);
            if (term == null || leader == null || records == null) {
                throw new IOException("a batch needs term, leader and records");
            }
            return new MetadataBatch(offset, term, leader, records);
        } catch (UnsupportedVersionException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("malformed metadata batch at offset " + offset, e);
        }
    }

    /** Serializes one record (type-tagged), for tests and tools. */
    public static byte[] serializeRecord(MetadataRecord record) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            write(g, record, FORMAT_VERSION);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialize " + record, e);
        }
        return out.toByteArray();
    }

    public static MetadataRecord deserializeRecord(byte[] bytes) {
        try (JsonParser p = JSON.createParser(bytes)) {
            p.nextToken();
            return readRecord(p);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("malformed metadata record", e);
        }
    }

    // ---- writing ----

    private static void write(JsonGenerator g, MetadataRecord record, int version) throws IOException {
        g.writeStartObject();
        if (record instanceof ClusterIdRecord r) {
            g.writeStringField("type", "ClusterId");
            g.writeStringField("clusterId", r.clusterId());
            g.writeNumberField("metadataFormatFeatureLevel", r.metadataFormatFeatureLevel());
        } else if (record instanceof RegisterBrokerRecord r) {
            g.writeStringField("type", "RegisterBroker");
            g.writeNumberField("brokerId", r.brokerId());
            g.writeStringField("host", r.host());
            g.writeNumberField("port", r.port());
            g.writeStringField("rack", r.rack());
            g.writeNumberField("brokerEpoch", r.brokerEpoch());
            g.writeBooleanField("fenced", r.fenced());
            // Optional: a node that does not know it ignores it and sees the inter-broker endpoint only.
            if (!r.endpoints().isEmpty()) {
                g.writeArrayFieldStart("endpoints");
                for (RegisterBrokerRecord.Endpoint e : r.endpoints()) {
                    g.writeStartObject();
                    g.writeStringField("listener", e.listener());
                    g.writeStringField("host", e.host());
                    g.writeNumberField("port", e.port());
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            // Optional too: a node that does not know it ignores it.
            if (r.metadataVersions() != null) {
                g.writeArrayFieldStart("metadataVersions");
                g.writeNumber(r.metadataVersions().min());
                g.writeNumber(r.metadataVersions().max());
                g.writeEndArray();
            }
        } else if (record instanceof BrokerFencingChange r) {
            g.writeStringField("type", "BrokerFencingChange");
            g.writeNumberField("brokerId", r.brokerId());
            g.writeNumberField("brokerEpoch", r.brokerEpoch());
            g.writeBooleanField("fenced", r.fenced());
        } else if (record instanceof TopicRecord r) {
            g.writeStringField("type", "Topic");
            g.writeStringField("name", r.name());
            writeUuid(g, "topicId", r.topicId());
        } else if (record instanceof PartitionRecord r) {
            g.writeStringField("type", "Partition");
            writeUuid(g, "topicId", r.topicId());
            g.writeNumberField("partition", r.partition());
            writeInts(g, "replicas", r.replicas());
            writeInts(g, "isr", r.isr());
            g.writeNumberField("leader", r.leader());
            g.writeNumberField("leaderEpoch", r.leaderEpoch());
            g.writeNumberField("partitionEpoch", r.partitionEpoch());
            // Left out when empty, so that a partition without a reassignment encodes as before them.
            if (r.addingReplicas() != null && !r.addingReplicas().isEmpty()) {
                writeInts(g, "addingReplicas", r.addingReplicas());
            }
            if (r.removingReplicas() != null && !r.removingReplicas().isEmpty()) {
                writeInts(g, "removingReplicas", r.removingReplicas());
            }
        } else if (record instanceof PartitionChangeRecord r) {
            g.writeStringField("type", "PartitionChange");
            writeUuid(g, "topicId", r.topicId());
            g.writeNumberField("partition", r.partition());
            g.writeNumberField("partitionEpoch", r.partitionEpoch());
            g.writeNumberField("leader", r.leader());
            writeInts(g, "isr", r.isr());
            writeInts(g, "replicas", r.replicas());
        } else if (record instanceof RemoveTopicRecord r) {
            g.writeStringField("type", "RemoveTopic");
            writeUuid(g, "topicId", r.topicId());
        } else if (record instanceof ConfigRecord r) {
            g.writeStringField("type", "Config");
            g.writeStringField("resourceType", r.resourceType().name());
            g.writeStringField("resourceName", r.resourceName());
            g.writeStringField("key", r.key());
            g.writeStringField("value", r.value());
        } else if (record instanceof ProducerIdsRecord r) {
            g.writeStringField("type", "ProducerIds");
            g.writeNumberField("brokerId", r.brokerId());
            g.writeNumberField("nextProducerId", r.nextProducerId());
        } else if (record instanceof FeatureLevelRecord r) {
            g.writeStringField("type", "FeatureLevel");
            g.writeNumberField("metadataFormatFeatureLevel", r.metadataFormatFeatureLevel());
        } else if (record instanceof PartitionReassignmentRecord r) {
            g.writeStringField("type", "PartitionReassignment");
            writeUuid(g, "topicId", r.topicId());
            g.writeNumberField("partition", r.partition());
            g.writeNumberField("partitionEpoch", r.partitionEpoch());
            writeInts(g, "replicas", r.replicas());
            writeInts(g, "isr", r.isr());
            g.writeNumberField("leader", r.leader());
            writeInts(g, "addingReplicas", r.addingReplicas());
            writeInts(g, "removingReplicas", r.removingReplicas());
        } else if (record instanceof UserScramCredentialRecord r) {
            g.writeStringField("type", "UserScramCredential");
            g.writeStringField("name", r.name());
            g.writeStringField("mechanism", r.mechanism());
            g.writeStringField("salt", BASE64_ENCODER.encodeToString(r.salt()));
            g.writeStringField("storedKey", BASE64_ENCODER.encodeToString(r.storedKey()));
            g.writeStringField("serverKey", BASE64_ENCODER.encodeToString(r.serverKey()));
            g.writeNumberField("iterations", r.iterations());
        } else if (record instanceof RemoveUserScramCredentialRecord r) {
            g.writeStringField("type", "RemoveUserScramCredential");
            g.writeStringField("name", r.name());
            g.writeStringField("mechanism", r.mechanism());
        } else if (record instanceof DelegationTokenRecord r) {
            g.writeStringField("type", "DelegationToken");
            g.writeStringField("tokenId", r.tokenId());
            g.writeStringField("owner", r.owner());
            g.writeStringField("requester", r.requester());
            g.writeArrayFieldStart("renewers");
            for (String renewer : r.renewers()) {
                g.writeString(renewer);
            }
            g.writeEndArray();
            g.writeNumberField("issueTimestamp", r.issueTimestamp());
            g.writeNumberField("maxTimestamp", r.maxTimestamp());
            g.writeNumberField("expiryTimestamp", r.expiryTimestamp());
        } else if (record instanceof RemoveDelegationTokenRecord r) {
            g.writeStringField("type", "RemoveDelegationToken");
            g.writeStringField("tokenId", r.tokenId());
        } else if (record instanceof ClientQuotaRecord r) {
            g.writeStringField("type", "ClientQuota");
            // entity type and name pairs, a null name being the type's default
            g.writeArrayFieldStart("entity");
            for (Map.Entry<String, String> entry : new java.util.TreeMap<>(r.entity().entries()).entrySet()) {
                g.writeString(entry.getKey());
                g.writeString(entry.getValue());
            }
            g.writeEndArray();
            g.writeStringField("key", r.key());
            g.writeNumberField("value", r.value());
            g.writeBooleanField("remove", r.remove());
        } else if (record instanceof AccessControlEntryRecord r) {
            g.writeStringField("type", "AccessControlEntry");
            g.writeStringField("id", r.id().toString());
            g.writeNumberField("resourceType", r.resourceType());
            g.writeStringField("resourceName", r.resourceName());
            g.writeNumberField("patternType", r.patternType());
            g.writeStringField("principal", r.principal());
            g.writeStringField("host", r.host());
            g.writeNumberField("operation", r.operation());
            g.writeNumberField("permissionType", r.permissionType());
        } else if (record instanceof RemoveAccessControlEntryRecord r) {
            g.writeStringField("type", "RemoveAccessControlEntry");
            g.writeStringField("id", r.id().toString());
        } else if (record instanceof PartitionHistoryRecord r) {
            g.writeStringField("type", "PartitionHistory");
            writeUuid(g, "topicId", r.topicId());
            g.writeNumberField("partition", r.partition());
            writeDecided(g, r.seq(), r.offset(), r.term(), r.controllerId(), r.timeMs(), r.reason());
            g.writeNumberField("leader", r.leader());
            g.writeNumberField("leaderEpoch", r.leaderEpoch());
            g.writeNumberField("partitionEpoch", r.partitionEpoch());
            writeInts(g, "isr", r.isr());
            writeInts(g, "replicas", r.replicas());
            writeInts(g, "addingReplicas", r.addingReplicas());
            writeInts(g, "removingReplicas", r.removingReplicas());
        } else if (record instanceof BrokerHistoryRecord r) {
            g.writeStringField("type", "BrokerHistory");
            g.writeNumberField("brokerId", r.brokerId());
            writeDecided(g, r.seq(), r.offset(), r.term(), r.controllerId(), r.timeMs(), r.reason());
            g.writeStringField("event", r.event().name());
            g.writeNumberField("brokerEpoch", r.brokerEpoch());
            g.writeStringField("endpoint", r.endpoint());
        } else {
            throw new IllegalArgumentException("unknown metadata record " + record);
        }
        if (version >= 2 && record instanceof DecisionRecord d && d.reason() != null) {
            g.writeStringField("reason", d.reason().name());
            g.writeNumberField("time", d.timeMs());
        }
        g.writeEndObject();
    }

    /** The fields a history step has about its decision. */
    private static void writeDecided(JsonGenerator g, long seq, long offset, int term, int controllerId, long timeMs,
                                     ChangeReason reason) throws IOException {
        g.writeNumberField("seq", seq);
        g.writeNumberField("offset", offset);
        g.writeNumberField("term", term);
        g.writeNumberField("controller", controllerId);
        g.writeNumberField("time", timeMs);
        g.writeStringField("reason", reason.name());
    }

    private static void writeUuid(JsonGenerator g, String field, Uuid value) throws IOException {
        g.writeStringField(field, value == null ? null : value.toString());
    }

    private static void writeInts(JsonGenerator g, String field, List<Integer> values) throws IOException {
        g.writeFieldName(field);
        if (values == null) {
            g.writeNull();
            return;
        }
        g.writeStartArray();
        for (Integer value : values) {
            if (value == null) {
                g.writeNull();
            } else {
                g.writeNumber(value);
            }
        }
        g.writeEndArray();
    }

    // ---- reading ----

    /** Reads one record; the parser is on its START_OBJECT and is left on its END_OBJECT. */
    private static MetadataRecord readRecord(JsonParser p) throws IOException {
        expect(p.currentToken(), JsonToken.START_OBJECT);
        // Fields first (the type may come anywhere in the object), then the record.
        Map<String, Object> f = new HashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            f.put(name, readValue(p, p.nextToken()));
        }
        Object type = f.get("type");
        if (!(type instanceof String name)) {
            throw new IOException("a metadata record without a type: " + f.keySet());
        }
        return switch (name) {
            case "ClusterId" -> new ClusterIdRecord(str(f, "clusterId"), (short) num(f, "metadataFormatFeatureLevel"));
            case "RegisterBroker" -> new RegisterBrokerRecord((int) num(f, "brokerId"), str(f, "host"),
                    (int) num(f, "port"), str(f, "rack"), num(f, "brokerEpoch"), bool(f, "fenced"), reason(f),
                    time(f), endpoints(f), range(f, "metadataVersions"));
            case "BrokerFencingChange" -> new BrokerFencingChange((int) num(f, "brokerId"), num(f, "brokerEpoch"),
                    bool(f, "fenced"), reason(f), time(f));
            case "Topic" -> new TopicRecord(str(f, "name"), uuid(f, "topicId"));
            case "Partition" -> new PartitionRecord(uuid(f, "topicId"), (int) num(f, "partition"),
                    ints(f, "replicas"), ints(f, "isr"), (int) num(f, "leader"), (int) num(f, "leaderEpoch"),
                    (int) num(f, "partitionEpoch"), ints(f, "addingReplicas"), ints(f, "removingReplicas"),
                    reason(f), time(f));
            case "PartitionChange" -> new PartitionChangeRecord(uuid(f, "topicId"), (int) num(f, "partition"),
                    (int) num(f, "partitionEpoch"), (int) num(f, "leader"), ints(f, "isr"), ints(f, "replicas"),
                    reason(f), time(f));
            case "RemoveTopic" -> new RemoveTopicRecord(uuid(f, "topicId"));
            case "Config" -> new ConfigRecord(resourceType(f), str(f, "resourceName"), str(f, "key"),
                    str(f, "value"));
            case "ProducerIds" -> new ProducerIdsRecord((int) num(f, "brokerId"), num(f, "nextProducerId"));
            case "FeatureLevel" -> new FeatureLevelRecord((short) num(f, "metadataFormatFeatureLevel"));
            case "PartitionReassignment" -> new PartitionReassignmentRecord(uuid(f, "topicId"),
                    (int) num(f, "partition"), (int) num(f, "partitionEpoch"), ints(f, "replicas"), ints(f, "isr"),
                    (int) num(f, "leader"), ints(f, "addingReplicas"), ints(f, "removingReplicas"), reason(f),
                    time(f));
            case "UserScramCredential" -> new UserScramCredentialRecord(str(f, "name"), str(f, "mechanism"),
                    bytes(f, "salt"), bytes(f, "storedKey"), bytes(f, "serverKey"), (int) num(f, "iterations"));
            case "RemoveUserScramCredential" -> new RemoveUserScramCredentialRecord(str(f, "name"),
                    str(f, "mechanism"));
            case "DelegationToken" -> new DelegationTokenRecord(str(f, "tokenId"), str(f, "owner"),
                    str(f, "requester"), strings(f, "renewers"), num(f, "issueTimestamp"), num(f, "maxTimestamp"),
                    num(f, "expiryTimestamp"));
            case "RemoveDelegationToken" -> new RemoveDelegationTokenRecord(str(f, "tokenId"));
            case "ClientQuota" -> new ClientQuotaRecord(new org.apache.kafka.common.quota.ClientQuotaEntity(
                    entity(f, "entity")), str(f, "key"), dbl(f, "value"), bool(f, "remove"));
            case "AccessControlEntry" -> new AccessControlEntryRecord(uuid(f, "id"), (byte) num(f, "resourceType"),
                    str(f, "resourceName"), (byte) num(f, "patternType"), str(f, "principal"), str(f, "host"),
                    (byte) num(f, "operation"), (byte) num(f, "permissionType"));
            case "RemoveAccessControlEntry" -> new RemoveAccessControlEntryRecord(uuid(f, "id"));
            case "PartitionHistory" -> new PartitionHistoryRecord(uuid(f, "topicId"), (int) num(f, "partition"),
                    num(f, "seq"), num(f, "offset"), (int) num(f, "term"), (int) num(f, "controller"), time(f),
                    reason(f), (int) num(f, "leader"), (int) num(f, "leaderEpoch"), (int) num(f, "partitionEpoch"),
                    ints(f, "isr"), ints(f, "replicas"), ints(f, "addingReplicas"), ints(f, "removingReplicas"));
            case "BrokerHistory" -> new BrokerHistoryRecord((int) num(f, "brokerId"), num(f, "seq"),
                    num(f, "offset"), (int) num(f, "term"), (int) num(f, "controller"), time(f), reason(f),
                    BrokerHistoryRecord.Event.forName(str(f, "event")), num(f, "brokerEpoch"), str(f, "endpoint"));
            default -> throw new IOException("unknown metadata record type " + name);
        };
    }

    /** A field's value: String, Long, Double, Boolean, null or a List of them; objects are skipped (read as null). */
    private static Object readValue(JsonParser p, JsonToken token) throws IOException {
        switch (token) {
            case VALUE_STRING:
                return p.getText();
            case VALUE_NUMBER_INT:
                return p.getLongValue();
            case VALUE_NUMBER_FLOAT:
                return p.getDoubleValue();
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return null;
            case START_ARRAY: {
                List<Object> values = new ArrayList<>();
                for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                    values.add(readValue(p, t));
                }
                return values;
            }
            case START_OBJECT: {
                Map<String, Object> fields = new HashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    fields.put(name, readValue(p, p.nextToken()));
                }
                return fields;
            }
            default:
                throw new IOException("unexpected " + token + " in a metadata record");
        }
    }

    private static String str(Map<String, Object> fields, String name) throws IOException {
        Object value = fields.get(name);
        if (value == null || value instanceof String) {
            return (String) value;
        }
        throw new IOException(name + " is not a string: " + value);
    }

    private static long num(Map<String, Object> fields, String name) throws IOException {
        Object value = fields.get(name);
        if (value == null) {
            return 0;
        }
        if (value instanceof Long l) {
            return l;
        }
        throw new IOException(name + " is not an integer: " + value);
    }

    /** A decision's reason: null when absent (a restated record), UNKNOWN for a name this node does not know. */
    private static ChangeReason reason(Map<String, Object> fields) throws IOException {
        String name = str(fields, "reason");
        return name == null ? null : ChangeReason.forName(name);
    }

    /** A decision's time; -1 when absent. */
    private static long time(Map<String, Object> fields) throws IOException {
        return fields.get("time") == null ? -1 : num(fields, "time");
    }

    private static double dbl(Map<String, Object> fields, String name) throws IOException {
        Object value = fields.get(name);
        if (value == null) {
            return 0;
        }
        if (value instanceof Number n) {
            return n.doubleValue();
        }
        throw new IOException(name + " is not a number: " + value);
    }

    /** A client quota entity written as type and name pairs. */
    private static Map<String, String> entity(Map<String, Object> fields, String name) throws IOException {
        Object value = fields.get(name);
        if (!(value instanceof List<?> pairs) || pairs.size() % 2 != 0) {
            throw new IOException(name + " is not a list of entity type and name pairs: " + value);
        }
        Map<String, String> entries = new HashMap<>();
        for (int i = 0; i < pairs.size(); i += 2) {
            if (!(pairs.get(i) instanceof String type)
                    || (pairs.get(i + 1) != null && !(pairs.get(i + 1) instanceof String))) {
                throw new IOException(name + " is not a list of entity type and name pairs: " + value);
            }
            entries.put(type, (String) pairs.get(i + 1));
        }
        return entries;
    }

    private static boolean bool(Map<String, Object> fields, String name) throws IOException {
        Object value = fields.get(name);
        if (value == null || value instanceof Boolean) {
            return value != null && (Boolean) value;
        }
        throw new IOException(name + " is not a boolean: " + value);
    }

    private static byte[] bytes(Map<String, Object> fields, String name) throws IOException {
        String value = str(fields, name);
        if (value == null) {
            throw new IOException(name + " is missing");
        }
        try {
            return Base64.getDecoder().decode(value);
        } catch (IllegalArgumentException e) {
            throw new IOException(name + " is not base64", e);
        }
    }

    private static Uuid uuid(Map<String, Object> fields, String name) throws IOException {
        String value = str(fields, name);
        return value == null ? null : Uuid.fromString(value);
    }

    private static ConfigRecord.ResourceType resourceType(Map<String, Object> fields) throws IOException {
        String value = str(fields, "resourceType");
        return value == null ? null : ConfigRecord.ResourceType.valueOf(value);
    }

    /** A broker's advertised listeners; absent (a record of a node that sent only one endpoint): none. */
    private static List<RegisterBrokerRecord.Endpoint> endpoints(Map<String, Object> fields) throws IOException {
        Object value = fields.get("endpoints");
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> list)) {
            throw new IOException("endpoints is not a list: " + value);
        }
        List<RegisterBrokerRecord.Endpoint> endpoints = new ArrayList<>(list.size());
        for (Object element : list) {
            if (!(element instanceof Map<?, ?> map)) {
                throw new IOException("endpoints holds a non-object: " + element);
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> endpoint = (Map<String, Object>) map;
            String listener = str(endpoint, "listener");
            String host = str(endpoint, "host");
            if (listener == null || host == null) {
                throw new IOException("an endpoint without listener or host: " + endpoint);
            }
            endpoints.add(new RegisterBrokerRecord.Endpoint(listener, host, (int) num(endpoint, "port")));
        }
        return endpoints;
    }

    private static List<String> strings(Map<String, Object> fields, String name) throws IOException {
        Object value = fields.get(name);
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> list)) {
            throw new IOException(name + " is not a list: " + value);
        }
        List<String> strings = new ArrayList<>(list.size());
        for (Object element : list) {
            if (!(element instanceof String s)) {
                throw new IOException(name + " holds a non-string: " + element);
            }
            strings.add(s);
        }
        return strings;
    }

    private static List<Integer> ints(Map<String, Object> fields, String name) throws IOException {
        Object value = fields.get(name);
        if (value == null) {
            return null;
        }
        if (!(value instanceof List<?> list)) {
            throw new IOException(name + " is not a list: " + value);
        }
        List<Integer> ints = new ArrayList<>(list.size());
        for (Object element : list) {
            if (!(element instanceof Long l) || l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
                throw new IOException(name + " holds a non-integer: " + element);
            }
            ints.add(l.intValue());
        }
        return ints;
    }

    /** The batch's format version is unknown to this node (the version comes before the records). */
    private static void checkVersion(int version, int maxVersion) {
        if (version < 1 || version > maxVersion) {
            throw new UnsupportedVersionException("unsupported metadata batch format version " + version
                    + " (this node reads up to " + maxVersion + ")");
        }
    }

    /** A range of feature levels written as [min, max]; null when absent. */
    private static MetadataFormat.Range range(Map<String, Object> fields, String name) throws IOException {
        Object value = fields.get(name);
        if (value == null) {
            return null;
        }
        if (!(value instanceof List<?> list) || list.size() != 2 || !(list.get(0) instanceof Long min)
                || !(list.get(1) instanceof Long max) || min > max || min < 0 || max > Short.MAX_VALUE) {
            throw new IOException(name + " is not a range of levels: " + value);
        }
        return new MetadataFormat.Range(min.shortValue(), max.shortValue());
    }

    private static final class UnsupportedVersionException extends IllegalArgumentException {
        UnsupportedVersionException(String message) {
            super(message);
        }
    }

    private static void expect(JsonToken actual, JsonToken expected) throws IOException {
        if (actual != expected) {
            throw new IOException("expected " + expected + " but found " + actual);
        }
    }
}
