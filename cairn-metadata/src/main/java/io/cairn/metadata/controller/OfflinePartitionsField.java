package io.cairn.metadata.controller;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import io.cairn.metadata.PartitionId;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.BrokerHeartbeatRequestData;
import org.apache.kafka.common.protocol.types.RawTaggedField;
import org.apache.kafka.common.utils.ByteUtils;

/**
 * Cairn's tagged field of BrokerHeartbeatRequest: the partitions whose logs the broker cannot serve (they could
 * not be loaded or created), sent in every heartbeat of a Cairn broker. Kafka's own field for this,
 * {@code OfflineLogDirs} (KIP-858), names log directories; Cairn takes single partitions offline, so it adds
 * a field of its own under tag {@value #TAG}, far above the tags Kafka allocates from 0 upwards.
 *
 * <p>It travels as an unknown tagged field: kafka-clients' generated classes keep tags they do not know in
 * {@code unknownTaggedFields()} when they read a request and write them back when they serialise it, so the
 * field crosses forwarding unchanged and needs no change to the wire classes. A Kafka controller would ignore
 * it; a Cairn controller that gets no field treats the broker as having reported nothing offline.
 *
 * <p>Value (version 0): int8 version, unsigned varint topic count, then per topic its 16-byte id, an unsigned
 * varint partition count and each partition index as an unsigned varint.
 *
 * <p>Thread-safe (stateless).
 */
public final class OfflinePartitionsField {

    /** The tag; a test checks that the pinned kafka-clients version has no field of its own there. */
    public static final int TAG = 10_000;
    private static final byte VERSION = 0;

    private OfflinePartitionsField() {
    }

    /** Sets the field on {@code request} (replacing an earlier value); an empty set writes an empty list. */
    public static BrokerHeartbeatRequestData write(BrokerHeartbeatRequestData request, Set<PartitionId> offline) {
        Map<Uuid, TreeSet<Integer>> byTopic = new TreeMap<>();
        for (PartitionId p : offline) {
            byTopic.computeIfAbsent(p.topicId(), t -> new TreeSet<>()).add(p.partition());
        }
        int size = 1 + 5;
        for (TreeSet<Integer> partitions : byTopic.values()) {
            size += 16 + 5 + 5 * partitions.size();
        }
        ByteBuffer buffer = ByteBuffer.allocate(size);
        buffer.put(VERSION);
        ByteUtils.writeUnsignedVarint(byTopic.size(), buffer);
        byTopic.forEach((topicId, partitions) -> {
            buffer.putLong(topicId.getMostSignificantBits());
            buffer.putLong(topicId.getLeastSignificantBits());
            ByteUtils.writeUnsignedVarint(partitions.size(), buffer);
            partitions.forEach(p -> ByteUtils.writeUnsignedVarint(p, buffer));
        });
        byte[] data = new byte[buffer.position()];
        buffer.flip().get(data);
        List<RawTaggedField> fields = new ArrayList<>(request.unknownTaggedFields());
        fields.removeIf(f -> f.tag() == TAG);
        fields.add(new RawTaggedField(TAG, data));
        fields.sort((a, b) -> Integer.compare(a.tag(), b.tag()));
        request.unknownTaggedFields().clear();
        request.unknownTaggedFields().addAll(fields);
        return request;
    }

    /**
     * The partitions the request reports offline: empty when it carries no field (a broker that does not send
     * it reports nothing offline).
     *
     * @throws IllegalArgumentException the field is malformed or of an unknown version
     */
    public static Set<PartitionId> read(BrokerHeartbeatRequestData request) {
        Optional<RawTaggedField> field = request.unknownTaggedFields().stream().filter(f -> f.tag() == TAG)
                .findFirst();
        if (field.isEmpty()) {
            return Set.of();
        }
        ByteBuffer buffer = ByteBuffer.wrap(field.get().data());
        try {
            byte version = buffer.get();
            if (version != VERSION) {
                throw new IllegalArgumentException("offline partitions field of version " + version);
            }
            int topics = ByteUtils.readUnsignedVarint(buffer);
            Set<PartitionId> offline = new HashSet<>();
            for (int t = 0; t < topics; t++) {
                Uuid topicId = new Uuid(buffer.getLong(), buffer.getLong());
                int partitions = ByteUtils.readUnsignedVarint(buffer);
                for (int i = 0; i < partitions; i++) {
                    offline.add(new PartitionId(topicId, ByteUtils.readUnsignedVarint(buffer)));
                }
            }
            if (buffer.hasRemaining()) {
                throw new IllegalArgumentException(buffer.remaining() + " bytes after the offline partitions");
            }
            return Set.copyOf(offline);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated offline partitions field", e);
        }
    }
}
