package io.cairn.broker.group;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.cairn.broker.coordinator.StoredRecord;
import io.cairn.broker.coordinator.StringTooLongException;
import org.apache.kafka.common.Uuid;

/**
 * One record of {@code __consumer_offsets}, in Cairn's own versioned binary format. The key names what the
 * record is about (a committed offset of one group and partition, or a group's metadata), so that log
 * compaction keeps only the latest value per key; a null value is a tombstone (the offset or the group was
 * deleted).
 *
 * <pre>
 * key   = [int16 version=0][int8 type][string group]                       type 1: classic group metadata
 *       = [int16 version=0][int8 type][string group][string topic][int32 partition]  type 0: offset
 *       = [int16 version=0][int8 type][string group]                       type 2: consumer group (KIP-848)
 *       = [int16 version=0][int8 type][string group][string member]        type 3: consumer group member
 *         (its value ends with [int8 classic] and, when 1, [int32 session][int32 n][string name][bytes metadata]*n;
 *         a value without it is a consumer-protocol member)
 * value = [int16 version=0] then the fields of {@link OffsetValue}, {@link GroupValue}, {@link ConsumerGroupValue}
 *         or {@link ConsumerMember}
 * assignment = [int32 topics] then per topic [int64 id msb][int64 id lsb][int32 n][int32 partition]*n
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
    byte CONSUMER_GROUP_TYPE = 2;
    byte CONSUMER_MEMBER_TYPE = 3;
    /** The longest string the format holds: its length is an int16. */
    int MAX_STRING_BYTES = Short.MAX_VALUE;
    /** The fewest bytes a member of a group value takes: four null strings, two int32s, two null byte arrays. */
    int MIN_MEMBER_BYTES = 4 * 2 + 2 * 4 + 2 * 4;
    /** The fewest bytes a topic of an assignment takes: its id and an empty partition list. */
    int MIN_ASSIGNED_TOPIC_BYTES = 8 + 8 + 4;

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

    /** A consumer group's epochs; {@code group} null deletes the group (its members have tombstones of their own). */
    record ConsumerGroupRecord(String groupId, ConsumerGroupValue group) implements CoordinatorRecord {
        @Override
        public byte[] key() {
            return new Writer().int16(KEY_VERSION).int8(CONSUMER_GROUP_TYPE).string(groupId).bytes();
        }

        @Override
        public byte[] value() {
            if (group == null) {
                return null;
            }
            return new Writer().int16(VALUE_VERSION).int32(group.groupEpoch()).int32(group.assignmentEpoch())
                    .int64(group.subscriptionHash()).bytes();
        }
    }

    /** One member of a consumer group; {@code member} null removes it. */
    record ConsumerMemberRecord(String groupId, String memberId, ConsumerMember member) implements CoordinatorRecord {
        @Override
        public byte[] key() {
            return new Writer().int16(KEY_VERSION).int8(CONSUMER_MEMBER_TYPE).string(groupId).string(memberId)
                    .bytes();
        }

        @Override
        public byte[] value() {
            if (member == null) {
                return null;
            }
            Writer w = new Writer();
            w.int16(VALUE_VERSION).string(member.instanceId()).string(member.rackId()).string(member.clientId())
                    .string(member.clientHost()).int32(member.rebalanceTimeoutMs())
                    .int32(member.subscribedTopicNames().size());
            member.subscribedTopicNames().forEach(w::string);
            w.string(member.subscribedTopicRegex()).string(member.serverAssignor()).int32(member.memberEpoch())
                    .int32(member.previousMemberEpoch()).int8(member.state().value)
                    .assignment(member.assigned()).assignment(member.pendingRevocation())
                    .assignment(member.target());
            ConsumerMember.Classic classic = member.classic();
            w.int8((byte) (classic == null ? 0 : 1));
            if (classic != null) {
                w.int32(classic.sessionTimeoutMs()).int32(classic.protocols().size());
                classic.protocols().forEach(p -> w.string(p.name()).bytes(p.metadata()));
            }
            return w.bytes();
        }
    }

    record ConsumerGroupValue(int groupEpoch, int assignmentEpoch, long subscriptionHash) {
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
     * Parses a record read from the log. Every length and count is checked against the bytes left before anything
     * is allocated, so a record with absurd lengths (produced by a client before produce to internal topics was
     * refused, or damaged on disk) is refused, never an OutOfMemoryError.
     *
     * @throws IllegalArgumentException an unknown version or type (written by a newer Cairn), or a key or value
     *                                  that is truncated, has a length or count past its end, or trailing bytes
     */
    static CoordinatorRecord parse(ByteBuffer key, ByteBuffer value) {
        try {
            return parseUnchecked(key, value);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("Truncated __consumer_offsets record", e);
        }
    }

    private static CoordinatorRecord parseUnchecked(ByteBuffer key, ByteBuffer value) {
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
                k.requireFullyRead("key");
                OffsetValue offset = v == null ? null
                        : new OffsetValue(v.int64(), v.int32(), v.string(), v.int64());
                if (v != null) {
                    v.requireFullyRead("value");
                }
                return new Offset(group, topic, partition, offset);
            }
            case GROUP_TYPE: {
                k.requireFullyRead("key");
                if (v == null) {
                    return new Group(group, null);
                }
                String protocolType = v.string();
                int generation = v.int32();
                String protocolName = v.string();
                String leader = v.string();
                long stateTs = v.int64();
                int count = v.count(MIN_MEMBER_BYTES);
                List<MemberValue> members = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    members.add(new MemberValue(v.string(), v.string(), v.string(), v.string(), v.int32(), v.int32(),
                            v.bytes(), v.bytes()));
                }
                v.requireFullyRead("value");
                return new Group(group, new GroupValue(protocolType, generation, protocolName, leader, stateTs,
                        members));
            }
            case CONSUMER_GROUP_TYPE: {
                k.requireFullyRead("key");
                if (v == null) {
                    return new ConsumerGroupRecord(group, null);
                }
                ConsumerGroupValue epochs = new ConsumerGroupValue(v.int32(), v.int32(), v.int64());
                v.requireFullyRead("value");
                return new ConsumerGroupRecord(group, epochs);
            }
            case CONSUMER_MEMBER_TYPE: {
                String memberId = k.string();
                k.requireFullyRead("key");
                if (memberId == null) {
                    throw new IllegalArgumentException("A consumer group member record without a member id");
                }
                if (v == null) {
                    return new ConsumerMemberRecord(group, memberId, null);
                }
                String instanceId = v.string();
                String rackId = v.string();
                String clientId = v.string();
                String clientHost = v.string();
                int rebalanceTimeoutMs = v.int32();
                int names = v.count(2);
                List<String> topics = new ArrayList<>(names);
                for (int i = 0; i < names; i++) {
                    topics.add(v.string());
                }
                String regex = v.string();
                String assignor = v.string();
                int epoch = v.int32();
                int previousEpoch = v.int32();
                ConsumerMember.State state = ConsumerMember.State.of(v.int8());
                Assignment assigned = v.assignment();
                Assignment pending = v.assignment();
                Assignment target = v.assignment();
                ConsumerMember.Classic classic = null;
                if (v.hasRemaining() && v.int8() == 1) {
                    int sessionTimeoutMs = v.int32();
                    int count = v.count(2 + 4);
                    List<ConsumerMember.Protocol> protocols = new ArrayList<>(count);
                    for (int i = 0; i < count; i++) {
                        protocols.add(new ConsumerMember.Protocol(v.string(), v.bytes()));
                    }
                    classic = new ConsumerMember.Classic(sessionTimeoutMs, protocols);
                }
                ConsumerMember member = new ConsumerMember(memberId, instanceId, rackId, clientId, clientHost,
                        rebalanceTimeoutMs, topics, regex, assignor, epoch, previousEpoch, state, assigned, pending,
                        target, classic);
                v.requireFullyRead("value");
                return new ConsumerMemberRecord(group, memberId, member);
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

        /**
         * @throws StringTooLongException a string of more than {@link #MAX_STRING_BYTES} UTF-8 bytes: its length would
         *                                not fit, and a cut string would be another id
         */
        Writer string(String s) {
            if (s == null) {
                return int16((short) -1);
            }
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            if (b.length > MAX_STRING_BYTES) {
                throw new StringTooLongException("A string of " + b.length + " bytes does not fit a "
                        + "__consumer_offsets record (at most " + MAX_STRING_BYTES + ")");
            }
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

        Writer assignment(Assignment assignment) {
            int32(assignment.partitions().size());
            assignment.partitions().forEach((topicId, partitions) -> {
                int64(topicId.getMostSignificantBits()).int64(topicId.getLeastSignificantBits())
                        .int32(partitions.size());
                partitions.forEach(this::int32);
            });
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
            byte[] b = new byte[within(len)];
            buf.get(b);
            return new String(b, StandardCharsets.UTF_8);
        }

        byte[] bytes() {
            int len = buf.getInt();
            if (len < 0) {
                return null;
            }
            byte[] b = new byte[within(len)];
            buf.get(b);
            return b;
        }

        Assignment assignment() {
            int topics = count(MIN_ASSIGNED_TOPIC_BYTES);
            Map<Uuid, Set<Integer>> partitions = new HashMap<>();
            for (int i = 0; i < topics; i++) {
                Uuid topicId = new Uuid(int64(), int64());
                int n = count(4);
                Set<Integer> set = new HashSet<>(n);
                for (int j = 0; j < n; j++) {
                    set.add(int32());
                }
                partitions.put(topicId, set);
            }
            return new Assignment(partitions);
        }

        /** A count of items of at least {@code minItemBytes} each, checked against the bytes left. */
        int count(int minItemBytes) {
            int count = buf.getInt();
            if (count < 0 || count > buf.remaining() / minItemBytes) {
                throw new IllegalArgumentException("A count of " + count + " in a __consumer_offsets record with "
                        + buf.remaining() + " bytes left");
            }
            return count;
        }

        boolean hasRemaining() {
            return buf.hasRemaining();
        }

        void requireFullyRead(String what) {
            if (buf.hasRemaining()) {
                throw new IllegalArgumentException(buf.remaining() + " unexpected trailing bytes in a "
                        + "__consumer_offsets " + what);
            }
        }

        private int within(int len) {
            if (len > buf.remaining()) {
                throw new IllegalArgumentException("A length of " + len + " in a __consumer_offsets record with "
                        + buf.remaining() + " bytes left");
            }
            return len;
        }
    }
}
