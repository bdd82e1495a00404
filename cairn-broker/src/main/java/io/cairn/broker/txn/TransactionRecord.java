package io.cairn.broker.txn;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import io.cairn.broker.coordinator.StringTooLongException;
import org.apache.kafka.common.TopicPartition;

/**
 * One record of {@code __transaction_state}, in Cairn's own versioned binary format. The key is the
 * transactional id, so that log compaction keeps only its latest metadata; the value is the whole
 * {@link TransactionMetadata}, so that replaying the latest value restores it; a null value is a tombstone
 * (the id expired).
 *
 * <pre>
 * key    = [int16 version=0][string transactionalId]
 * value  = [int16 version=0][int64 producerId][int64 previousProducerId][int16 producerEpoch]
 *          [int16 lastProducerEpoch][int32 txnTimeoutMs][int8 state][int64 txnStartTimestamp]
 *          [int64 txnLastUpdateTimestamp][int32 topicCount] topicCount x ([string topic][int32 partitionCount]
 *          partitionCount x [int32 partition])
 *          version 1 then adds [int64 nextProducerId][int8 transactionVersion]
 * string = [int16 length][UTF-8 bytes], never null
 * </pre>
 *
 * <p>Version 1 is written only for metadata that version 0 cannot hold (a client of transaction version 2), so a
 * cluster whose clients all use version 1 keeps writing records an older Cairn reads.
 *
 * <p>Immutable and thread-safe.
 *
 * @param transactionalId the key
 * @param metadata        the value, or null for a tombstone
 */
public record TransactionRecord(String transactionalId, TransactionMetadata metadata)
        implements io.cairn.broker.coordinator.StoredRecord {

    public static final short KEY_VERSION = 0;
    public static final short VALUE_VERSION = 0;
    /** Adds the next producer id and the client's transaction version (KIP-890 part 2). */
    public static final short VALUE_VERSION_TV2 = 1;

    public TransactionRecord {
        Objects.requireNonNull(transactionalId, "transactionalId");
        if (metadata != null && !metadata.transactionalId().equals(transactionalId)) {
            throw new IllegalArgumentException("Record key " + transactionalId + " holds the metadata of "
                    + metadata.transactionalId());
        }
    }

    public static TransactionRecord of(TransactionMetadata metadata) {
        return new TransactionRecord(metadata.transactionalId(), metadata);
    }

    public static TransactionRecord tombstone(String transactionalId) {
        return new TransactionRecord(transactionalId, null);
    }

    public boolean isTombstone() {
        return metadata == null;
    }

    @Override
    public byte[] key() {
        ByteBuffer buf = ByteBuffer.allocate(2 + stringSize(transactionalId));
        buf.putShort(KEY_VERSION);
        putString(buf, transactionalId);
        return buf.array();
    }

    /** The value, or null for a tombstone. */
    @Override
    public byte[] value() {
        if (metadata == null) {
            return null;
        }
        Map<String, List<Integer>> byTopic = new LinkedHashMap<>();
        for (TopicPartition tp : metadata.topicPartitions()) {
            byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition());
        }
        boolean v1 = metadata.nextProducerId() != TransactionMetadata.NO_PRODUCER_ID
                || metadata.transactionVersion() != 0;
        int size = 2 + 8 + 8 + 2 + 2 + 4 + 1 + 8 + 8 + 4 + (v1 ? 8 + 1 : 0);
        for (Map.Entry<String, List<Integer>> e : byTopic.entrySet()) {
            size += stringSize(e.getKey()) + 4 + 4 * e.getValue().size();
        }
        ByteBuffer buf = ByteBuffer.allocate(size);
        buf.putShort(v1 ? VALUE_VERSION_TV2 : VALUE_VERSION).putLong(metadata.producerId()).putLong(metadata.previousProducerId())
                .putShort(metadata.producerEpoch()).putShort(metadata.lastProducerEpoch())
                .putInt(metadata.txnTimeoutMs()).put(metadata.state().id()).putLong(metadata.txnStartTimestamp())
                .putLong(metadata.txnLastUpdateTimestamp()).putInt(byTopic.size());
        for (Map.Entry<String, List<Integer>> e : byTopic.entrySet()) {
            putString(buf, e.getKey());
            buf.putInt(e.getValue().size());
            e.getValue().forEach(buf::putInt);
        }
        if (v1) {
            buf.putLong(metadata.nextProducerId()).put(metadata.transactionVersion());
        }
        return buf.array();
    }

    /**
     * Parses a record read from the log.
     *
     * @param key   the record's key, read from its position to its limit (the buffer is not moved)
     * @param value the record's value, or null for a tombstone
     * @throws IllegalArgumentException an unknown version (written by a newer Cairn), a truncated or overlong
     *                                  key or value, or a value that no coordinator writes (an unknown or
     *                                  transient state, negative counts, a negative producer id or epoch)
     */
    public static TransactionRecord parse(ByteBuffer key, ByteBuffer value) {
        Objects.requireNonNull(key, "a __transaction_state record always has a key");
        String transactionalId;
        ByteBuffer k = key.duplicate();
        try {
            short keyVersion = k.getShort();
            if (keyVersion != KEY_VERSION) {
                throw new IllegalArgumentException("Unknown __transaction_state key version " + keyVersion);
            }
            transactionalId = getString(k);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("Truncated __transaction_state key", e);
        }
        requireFullyRead(k, "key of " + transactionalId);
        if (transactionalId.isEmpty()) {
            throw new IllegalArgumentException("__transaction_state key with an empty transactional id");
        }
        if (value == null) {
            return tombstone(transactionalId);
        }
        ByteBuffer v = value.duplicate();
        try {
            short valueVersion = v.getShort();
            if (valueVersion != VALUE_VERSION && valueVersion != VALUE_VERSION_TV2) {
                throw new IllegalArgumentException("Unknown __transaction_state value version " + valueVersion
                        + " for " + transactionalId);
            }
            long producerId = v.getLong();
            long previousProducerId = v.getLong();
            short epoch = v.getShort();
            short lastEpoch = v.getShort();
            int timeoutMs = v.getInt();
            TransactionState state = TransactionState.fromId(v.get());
            long startTs = v.getLong();
            long updateTs = v.getLong();
            int topicCount = nonNegative(v.getInt(), "topic count", transactionalId);
            List<TopicPartition> partitions = new ArrayList<>();
            for (int i = 0; i < topicCount; i++) {
                String topic = getString(v);
                int partitionCount = nonNegative(v.getInt(), "partition count", transactionalId);
                if (partitionCount > v.remaining() / 4) {
                    throw new IllegalArgumentException("Truncated __transaction_state value for " + transactionalId);
                }
                for (int j = 0; j < partitionCount; j++) {
                    partitions.add(new TopicPartition(topic, v.getInt()));
                }
            }
            long nextProducerId = valueVersion >= VALUE_VERSION_TV2 ? v.getLong() : TransactionMetadata.NO_PRODUCER_ID;
            byte transactionVersion = valueVersion >= VALUE_VERSION_TV2 ? v.get() : 0;
            requireFullyRead(v, "value of " + transactionalId);
            return of(new TransactionMetadata(transactionalId, producerId, previousProducerId, epoch, lastEpoch,
                    timeoutMs, state, Set.copyOf(partitions), startTs, updateTs, nextProducerId,
                    transactionVersion));
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("Truncated __transaction_state value for " + transactionalId, e);
        }
    }

    private static int nonNegative(int n, String what, String transactionalId) {
        if (n < 0) {
            throw new IllegalArgumentException("Negative " + what + " " + n + " in the value of " + transactionalId);
        }
        return n;
    }

    private static void requireFullyRead(ByteBuffer buf, String what) {
        if (buf.hasRemaining()) {
            throw new IllegalArgumentException(buf.remaining() + " unexpected trailing bytes in the "
                    + "__transaction_state " + what);
        }
    }

    private static int stringSize(String s) {
        int n = s.getBytes(StandardCharsets.UTF_8).length;
        if (n > Short.MAX_VALUE) {
            throw new StringTooLongException("A string of " + n + " bytes does not fit a __transaction_state record "
                    + "(at most " + Short.MAX_VALUE + ")");
        }
        return 2 + n;
    }

    private static void putString(ByteBuffer buf, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        buf.putShort((short) b.length).put(b);
    }

    private static String getString(ByteBuffer buf) {
        short len = buf.getShort();
        if (len < 0) {
            throw new IllegalArgumentException("Null or negative-length string (" + len + ") in __transaction_state");
        }
        if (len > buf.remaining()) {
            throw new BufferUnderflowException();
        }
        ByteBuffer slice = buf.slice();
        slice.limit(len);
        buf.position(buf.position() + len);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(slice).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("A string in __transaction_state is not UTF-8", e);
        }
    }
}
