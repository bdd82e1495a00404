package io.cairn.storage;

import static io.cairn.storage.TestLogs.batch;
import static io.cairn.storage.TestLogs.config;
import static io.cairn.storage.TestLogs.idempotent;
import static io.cairn.storage.TestLogs.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.cairn.storage.internal.LeaderEpochCache.Entry;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.Records;
import org.apache.kafka.common.utils.MockTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A leader log A and a follower log B, replicated by copying what A's read() returns. */
class ReplicationTest {

    @TempDir
    Path root;
    final MockTime time = new MockTime(0, 1_000_000L, 1_000_000L * 1_000_000L);
    PartitionLog leader;
    PartitionLog follower;

    @AfterEach
    void closeLogs() {
        for (PartitionLog log : new PartitionLog[] {leader, follower}) {
            if (log != null) {
                log.close();
            }
        }
    }

    private PartitionLog open(String name, LogConfig config) throws IOException {
        return TestLogs.open(root.resolve(name), config, time);
    }

    /** What a fetch from {@code log} at {@code offset} would carry: one read, copied into memory. */
    static MemoryRecords fetch(PartitionLog log, long offset) throws IOException {
        Records records = log.read(offset, Integer.MAX_VALUE, Long.MAX_VALUE, true).records();
        return copy(records);
    }

    static MemoryRecords copy(Records records) throws IOException {
        if (records instanceof MemoryRecords memory) {
            ByteBuffer copy = ByteBuffer.allocate(memory.sizeInBytes()).put(memory.buffer().duplicate());
            return MemoryRecords.readableRecords(copy.flip());
        }
        FileRecords file = (FileRecords) records;
        ByteBuffer buffer = ByteBuffer.allocate(file.sizeInBytes());
        file.readInto(buffer, 0);
        if (buffer.position() != 0) {
            buffer.flip();
        }
        return MemoryRecords.readableRecords(buffer);
    }

    /** Replicates everything from the leader to the follower, one fetch at a time. */
    static void catchUp(PartitionLog from, PartitionLog to) throws IOException {
        while (to.logEndOffset() < from.logEndOffset()) {
            to.appendAsFollower(fetch(from, to.logEndOffset()));
        }
    }

    static byte[] allBytes(PartitionLog log) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        long next = log.logStartOffset();
        while (next < log.logEndOffset()) {
            MemoryRecords chunk = fetch(log, next);
            byte[] bytes = new byte[chunk.sizeInBytes()];
            chunk.buffer().duplicate().get(bytes);
            out.write(bytes);
            long last = -1;
            for (RecordBatch b : chunk.batches()) {
                last = b.lastOffset();
            }
            next = last + 1;
        }
        return out.toByteArray();
    }

    @Test
    void followerAppendsAreByteIdenticalWithTheLeadersOffsetsAndEpochs() throws IOException {
        // given
        LogConfig small = TestLogs.withSegmentBytes(config(), 300);
        leader = open("a", small);
        follower = open("b", small);
        leader.appendAsLeader(batch(10L, "a", "b"), 0);
        leader.appendAsLeader(batch(11L, "c"), 0);
        leader.appendAsLeader(batch(12L, "d", "e", "f"), 2);
        leader.appendAsLeader(idempotent(77L, (short) 0, 0, "p0", "p1"), 2);
        leader.appendAsLeader(batch(13L, "g"), 5);
        // when
        catchUp(leader, follower);
        // then
        assertThat(follower.logEndOffset()).isEqualTo(leader.logEndOffset()).isEqualTo(9);
        assertThat(allBytes(follower)).isEqualTo(allBytes(leader));
        assertThat(readAll(follower, 0)).extracting(Record::offset)
                .containsExactlyElementsOf(readAll(leader, 0).stream().map(Record::offset).toList());
        assertThat(follower.leaderEpochEntries()).containsExactly(new Entry(0, 0), new Entry(2, 3), new Entry(5, 8));
        assertThat(follower.endOffsetForEpoch(2)).isEqualTo(leader.endOffsetForEpoch(2)).isEqualTo(new EpochEndOffset(2, 8));
        assertThat(follower.segmentCount()).isGreaterThan(1);
    }

    @Test
    void batchesBelowTheLogEndAreRefusedAndGapsFromCompactionAccepted() throws IOException {
        // given
        leader = open("a", config());
        follower = open("b", config());
        leader.appendAsLeader(batch(10L, "a"), 0);
        leader.appendAsLeader(batch(10L, "b"), 0);
        leader.appendAsLeader(batch(10L, "c"), 0);
        follower.appendAsFollower(onlyBatchAt(leader, 0));
        // when / then: an overlap with what the follower has is refused
        assertThatThrownBy(() -> follower.appendAsFollower(fetch(leader, 0))).isInstanceOf(OffsetOutOfRangeException.class);
        // and so is a batch going backwards within one request: nothing of it is appended
        MemoryRecords backwards = concat(onlyBatchAt(leader, 2), batchWithBase(onlyBatchAt(leader, 1), 1));
        assertThatThrownBy(() -> follower.appendAsFollower(backwards)).isInstanceOf(CorruptRecordException.class);
        assertThat(follower.logEndOffset()).isEqualTo(1);
        // but offsets may jump forward, as a compacted leader's do when whole batches were cleaned away
        MemoryRecords withGap = concat(onlyBatchAt(leader, 1), batchWithBase(onlyBatchAt(leader, 2), 5));
        assertThat(follower.appendAsFollower(withGap).lastOffset()).isEqualTo(5);
        assertThat(follower.logEndOffset()).isEqualTo(6);
    }

    @Test
    void aCorruptBatchIsRefusedWithoutAppendingAnythingOfTheRequest() throws IOException {
        // given
        leader = open("a", config());
        follower = open("b", config());
        leader.appendAsLeader(batch(10L, "a"), 0);
        leader.appendAsLeader(batch(10L, "b", "c"), 0);
        MemoryRecords fetched = fetch(leader, 0);
        ByteBuffer bytes = fetched.buffer();
        int lastByte = fetched.sizeInBytes() - 1;
        bytes.put(lastByte, (byte) (bytes.get(lastByte) ^ 0x5a));
        // when / then
        assertThatThrownBy(() -> follower.appendAsFollower(fetched)).isInstanceOf(CorruptRecordException.class);
        assertThat(follower.logEndOffset()).isZero();
        assertThat(follower.sizeInBytes()).isZero();
        assertThat(follower.latestEpoch()).isEmpty();
    }

    @Test
    void aTrailingPartialBatchIsIgnored() throws IOException {
        // given
        leader = open("a", config());
        follower = open("b", config());
        leader.appendAsLeader(batch(10L, "a"), 0);
        leader.appendAsLeader(batch(10L, "b"), 0);
        MemoryRecords fetched = fetch(leader, 0);
        ByteBuffer cut = fetched.buffer().duplicate();
        cut.limit(cut.limit() - 5);
        // when
        AppendResult result = follower.appendAsFollower(MemoryRecords.readableRecords(cut.slice()));
        // then
        assertThat(result.firstOffset()).isZero();
        assertThat(result.lastOffset()).isZero();
        assertThat(follower.logEndOffset()).isEqualTo(1);
    }

    @Test
    void replicatedProducerStateLetsTheFollowerDeduplicateRetriesOnceLeader() throws IOException {
        // given
        leader = open("a", config());
        follower = open("b", config());
        leader.appendAsLeader(batch(10L, "x"), 0);
        leader.appendAsLeader(idempotent(42L, (short) 3, 0, "m0", "m1"), 0);
        leader.appendAsLeader(idempotent(42L, (short) 3, 2, "m2"), 0);
        catchUp(leader, follower);
        // when: the follower becomes leader and the producer retries its last batch
        follower.assignEpochStartOffset(1, follower.logEndOffset());
        AppendResult retry = follower.appendAsLeader(idempotent(42L, (short) 3, 2, "m2"), 1);
        AppendResult next = follower.appendAsLeader(idempotent(42L, (short) 3, 3, "m3"), 1);
        // then
        assertThat(retry).isEqualTo(new AppendResult(3, 3, -1, 0, true));
        assertThat(next.firstOffset()).isEqualTo(4);
        assertThat(next.duplicate()).isFalse();
        assertThat(follower.leaderEpochEntries()).containsExactly(new Entry(0, 0), new Entry(1, 4));
    }

    @Test
    void producerStateSurvivesAReopenOfTheFollower() throws IOException {
        // given
        leader = open("a", config());
        follower = open("b", config());
        leader.appendAsLeader(idempotent(42L, (short) 0, 0, "m0"), 0);
        catchUp(leader, follower);
        follower.close();
        // when
        follower = open("b", config());
        // then
        assertThat(follower.appendAsLeader(idempotent(42L, (short) 0, 0, "m0"), 1).duplicate()).isTrue();
    }

    private static MemoryRecords firstBatch(MemoryRecords records) {
        for (org.apache.kafka.common.record.internal.MutableRecordBatch b : records.batches()) {
            ByteBuffer one = ByteBuffer.allocate(b.sizeInBytes());
            b.writeTo(new org.apache.kafka.common.utils.ByteBufferOutputStream(one));
            return MemoryRecords.readableRecords(one.flip());
        }
        throw new IllegalArgumentException("no batch");
    }

    private static MemoryRecords onlyBatchAt(PartitionLog log, long offset) throws IOException {
        return firstBatch(fetch(log, offset));
    }

    /** A valid copy of a batch moved to another base offset (as a broken leader might send). */
    private static MemoryRecords batchWithBase(MemoryRecords one, long base) {
        ByteBuffer copy = ByteBuffer.allocate(one.sizeInBytes()).put(one.buffer().duplicate()).flip();
        MemoryRecords moved = MemoryRecords.readableRecords(copy);
        for (org.apache.kafka.common.record.internal.MutableRecordBatch b : moved.batches()) {
            b.setLastOffset(base + b.lastOffset() - b.baseOffset());
        }
        return moved;
    }

    private static MemoryRecords concat(MemoryRecords... parts) {
        List<MemoryRecords> list = new ArrayList<>(List.of(parts));
        int size = list.stream().mapToInt(MemoryRecords::sizeInBytes).sum();
        ByteBuffer all = ByteBuffer.allocate(size);
        for (MemoryRecords p : list) {
            all.put(p.buffer().duplicate());
        }
        return MemoryRecords.readableRecords(all.flip());
    }
}
