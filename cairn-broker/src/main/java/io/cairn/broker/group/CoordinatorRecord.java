package io.cairn.broker.group;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.cairn.broker.coordinator.StoredRecord;

/**
 * One record of {@code __consumer_offsets}, in Cairn's own versioned binary format. The key names what the
 * record is about (a committed offset of one group and partition, or a group's metadata), so that log
 * compaction keeps only the latest value per key; a null value is a tombstone (the offset or the group was
 * deleted).
 *
 * <pre>
 * key   = [int16 version=0][int8 type][string group]                       type 1: group metadata
 *       = [int16 version=0][int8 type][string group][string topic][int32 partition]  type 0: offset
 * value = [int16 version=0] then the fields of {@link OffsetValue} or {@link GroupValue}
 * string = [int16 length or -1 for null][UTF-8 bytes]; bytes = [int32 length or -1][bytes]
 * </pre>
 *
 * <p>Immutable and thread-safe.
 */
public sealed interface CoordinatorRecord extends StoredRecord {

    short KEY_VERSION = 0;
    short VALUE_VERSION = 0;
    byte OFFSET_TYPE = 0;
    byte GROUP_TYPE = 1;

    String groupId();

    byte[] key();

    /** The value, or null for a tombstone. */
    byte[] value();

    /** A committed offset; {@code value} null deletes it. */
    record Offset(String groupId, String topic, int partition, OffsetValue offset) implements CoordinatorRecord {
        @Override
        public byte[] key() {
            Writer w = new Writer();
            w.int16(KEY_VERSION).int8(OFFSET_TYPE).string(groupId).string(topic).int32(partition);
            return w.bytes();
        }

        @Override
        public byte[] value() {
            if (offset == null) {
                return null;
            }
            Writer w = new Writer();
            w.int16(VALUE_VERSION).int64(offset.offset()).int32(offset.leaderEpoch()).string(offset.metadata())
                    .int64(offset.commitTimestampMs());
            return w.bytes();
        }
    }

    /** A group's persisted metadata; {@code group} null deletes the group. */
    record Group(String groupId, GroupValue group) implements CoordinatorRecord {
        @Override
        public byte[] key() {
            Writer w = new Writer();
            w.int16(KEY_VERSION).int8(GROUP_TYPE).string(groupId);
            return w.bytes();
        }

        @Override
        public byte[] value() {
            if (group == null) {
                return null;
            }
            Writer w = new Writer();
            w.int16(VALUE_VERSION).string(group.protocolType()).int32(group.generation())
                    .string(group.protocolName()).string(group.leaderId()).int64(group.stateTimestampMs())
                    .int32(group.members().size());
            for (MemberValue m : group.members()) {
                w.string(m.memberId()).string(m.groupInstanceId()).string(m.clientId()).string(m.clientHost())
                        .int32(m.rebalanceTimeoutMs()).int32(m.sessionTimeoutMs()).bytes(m.subscription())
                        .bytes(m.assignment());
            }
            return w.bytes();
        }
    }

    record OffsetValue(long offset, int leaderEpoch, String metadata, long commitTimestampMs) {
    }

    record GroupValue(String protocolType, int generation, String protocolName, String leaderId,
                      long stateTimestampMs, List<MemberValue> members) {
    }

    record MemberValue(String memberId, String groupInstanceId, String clientId, String clientHost,
                       int rebalanceTimeoutMs, int sessionTimeoutMs, byte[] subscription, byte[] assignment) {
    }

    /**
     * Parses a record read from the log.
     *
     * @throws IllegalArgumentException an unknown version or type (written by a newer Cairn)
     */
    static CoordinatorRecord parse(ByteBuffer key, ByteBuffer value) {
        Reader k = new Reader(key);
        short keyVersion = k.int16();
        if (keyVersion != KEY_VERSION) {
            throw new IllegalArgumentException("Unknown __consumer_offsets key version " + keyVersion);
        }
        byte type = k.int8();
        String group = k.string();
        Reader v = value == null ? null : new Reader(value);
        if (v != null) {
            short valueVersion = v.int16();
            if (valueVersion != VALUE_VERSION) {
                throw new IllegalArgumentException("Unknown __consumer_offsets value version " + valueVersion);
            }
        }
        switch (type) {
            case OFFSET_TYPE: {
                String topic = k.string();
                int partition = k.int32();
                OffsetValue offset = v == null ? null
                        : new OffsetValue(v.int64(), v.int32(), v.string(), v.int64());
                return new Offset(group, topic, partition, offset);
            }
            case GROUP_TYPE: {
                if (v == null) {
                    return new Group(group, null);
                }
                String protocolType = v.string();
                int generation = v.int32();
                String protocolName = v.string();
                String leader = v.string();
                long stateTs = v.int64();
                int count = v.int32();
                List<MemberValue> members = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    members.add(new MemberValue(v.string(), v.string(), v.string(), v.string(), v.int32(), v.int32(),
                            v.bytes(), v.bytes()));
                }
                return new Group(group, new GroupValue(protocolType, generation, protocolName, leader, stateTs,
                        members));
            }
            default:
                throw new IllegalArgumentException("Unknown __consumer_offsets record type " + type);
        }
    }

    /** Not thread-safe. */
    final class Writer {
        private ByteBuffer buf = ByteBuffer.allocate(64);

        private void ensure(int n) {
            if (buf.remaining() < n) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + n));
                buf.flip();
                bigger.put(buf);
                buf = bigger;
            }
        }

        Writer int8(byte b) {
            ensure(1);
            buf.put(b);
            return this;
        }

        Writer int16(short s) {
            ensure(2);
            buf.putShort(s);
            return this;
        }

        Writer int32(int i) {
            ensure(4);
            buf.putInt(i);
            return this;
        }

        Writer int64(long l) {
            ensure(8);
            buf.putLong(l);
            return this;
        }

        Writer string(String s) {
            if (s == null) {
                return int16((short) -1);
            }
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            int16((short) b.length);
            ensure(b.length);
            buf.put(b);
            return this;
        }

        Writer bytes(byte[] b) {
            if (b == null) {
                return int32(-1);
            }
            int32(b.length);
            ensure(b.length);
            buf.put(b);
            return this;
        }

        byte[] bytes() {
            byte[] out = new byte[buf.position()];
            buf.flip();
            buf.get(out);
            return out;
        }
    }

    /** Not thread-safe. */
    final class Reader {
        private final ByteBuffer buf;

        Reader(ByteBuffer buf) {
            this.buf = buf.duplicate();
        }

        byte int8() {
            return buf.get();
        }

        short int16() {
            return buf.getShort();
        }

        int int32() {
            return buf.getInt();
        }

        long int64() {
            return buf.getLong();
        }

        String string() {
            short len = buf.getShort();
            if (len < 0) {
                return null;
            }
            byte[] b = new byte[len];
            buf.get(b);
            return new String(b, StandardCharsets.UTF_8);
        }

        byte[] bytes() {
            int len = buf.getInt();
            if (len < 0) {
                return null;
            }
            byte[] b = new byte[len];
            buf.get(b);
            return b;
        }
    }
}
