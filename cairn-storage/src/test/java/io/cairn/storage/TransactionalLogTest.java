package io.cairn.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.cairn.storage.internal.TransactionIndex;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.TransactionCoordinatorFencedException;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.utils.MockTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactions in one partition log: the last stable offset, markers, the aborted-transaction index, and that
 * all of them survive restarts (clean and unclean), follower replication, truncation, retention and compaction.
 */
class TransactionalLogTest {

    private static final long P1 = 1001L;
    private static final long P2 = 1002L;
    private static final short EPOCH = 3;

    @TempDir
    Path dir;
    MockTime time = new MockTime(0, 1_000_000L, 1_000_000L * 1_000_000L);
    PartitionLog log;

    @AfterEach
    void close() {
        if (log != null) {
            log.close();
        }
    }

    private final java.util.Map<Long, Integer> sequences = new java.util.HashMap<>();

    /** Appends one transactional batch of {@code producerId} (sequence numbers continue per producer). */
    private AppendResult txn(PartitionLog target, long producerId, String... values) {
        return txnAt(target, time.milliseconds(), producerId, values);
    }

    /** {@link #txn} with records stamped {@code timestamp}. */
    private AppendResult txnAt(PartitionLog target, long timestamp, long producerId, String... values) {
        int sequence = sequences.getOrDefault(producerId, 0);
        sequences.put(producerId, sequence + values.length);
        return target.appendAsLeader(MemoryRecords.withTransactionalRecords(Compression.NONE, producerId, EPOCH,
                sequence, TestLogs.records(timestamp, values)), 0);
    }

    private AppendResult end(PartitionLog target, long producerId, boolean commit) {
        return target.appendTransactionMarker(producerId, EPOCH, commit, 7, 0);
    }

    @Test
    void anOpenTransactionHoldsTheLastStableOffsetUntilItsMarkerIsReplicated() {
        // given a committed plain record, then an open transaction
        log = TestLogs.open0(dir, TestLogs.config(), time);
        log.appendAsLeader(TestLogs.batch(10L, "plain"), 0);
        long first = txn(log, P1, "a", "b").firstOffset();
        txn(log, P1, "c");

        // then the last stable offset stays at the transaction's first offset, whatever the high watermark
        assertThat(first).isEqualTo(1);
        assertThat(log.lastStableOffset(log.logEndOffset())).isEqualTo(1);
        assertThat(log.lastStableOffset(1)).isEqualTo(1);
        assertThat(log.lastStableOffset(0)).isZero();

        // when it commits, the marker must pass the high watermark before the transaction is stable
        long marker = end(log, P1, true).lastOffset();
        assertThat(marker).isEqualTo(4);
        assertThat(log.lastStableOffset(marker)).isEqualTo(1);
        assertThat(log.lastStableOffset(marker + 1)).isEqualTo(marker + 1);
        assertThat(log.abortedTransactions(0, marker + 1)).isEmpty();
    }

    @Test
    void abortsAreIndexedAndListedForTheFetchedRange() {
        // given two producers' interleaved transactions: P1 aborts, P2 commits, then P1 aborts again
        log = TestLogs.open0(dir, TestLogs.config(), time);
        txn(log, P1, "p1-a");       // 0
        txn(log, P2, "p2-a");       // 1
        txn(log, P1, "p1-b");       // 2
        end(log, P1, false);        // 3
        end(log, P2, true);         // 4
        txn(log, P1, "p1-c");       // 5
        end(log, P1, false);        // 6

        // then the index holds both aborts with Kafka's last stable offsets (P2 was still open at the first)
        List<AbortedTxn> all = log.abortedTransactions(0, log.logEndOffset());
        assertThat(all).containsExactly(new AbortedTxn(P1, 0, 3, 1), new AbortedTxn(P1, 5, 6, 7));
        assertThat(Files.exists(dir.resolve("00000000000000000000" + TransactionIndex.SUFFIX))).isTrue();

        // and a fetch lists only the aborts overlapping its range
        assertThat(log.abortedTransactions(4, 5)).isEmpty();
        assertThat(log.abortedTransactions(3, 4)).containsExactly(new AbortedTxn(P1, 0, 3, 1));
        assertThat(log.abortedTransactions(4, 7)).containsExactly(new AbortedTxn(P1, 5, 6, 7));
        assertThat(log.lastStableOffset(7)).isEqualTo(7);
    }

    @Test
    void markersFenceOlderProducerAndCoordinatorEpochs() {
        // given a transaction ended by coordinator epoch 7
        log = TestLogs.open0(dir, TestLogs.config(), time);
        txn(log, P1, "a");
        end(log, P1, true);

        // then a marker from an older coordinator epoch or an older producer epoch is refused
        assertThatThrownBy(() -> log.appendTransactionMarker(P1, EPOCH, false, 6, 0))
                .isInstanceOf(TransactionCoordinatorFencedException.class);
        assertThatThrownBy(() -> log.appendTransactionMarker(P1, (short) (EPOCH - 1), false, 7, 0))
                .isInstanceOf(InvalidProducerEpochException.class);
        assertThat(log.logEndOffset()).isEqualTo(2);

        // and a marker for a producer with nothing open ends an empty transaction at the marker itself
        long marker = log.appendTransactionMarker(P2, (short) 0, false, 7, 0).lastOffset();
        assertThat(log.abortedTransactions(0, marker + 1)).containsExactly(new AbortedTxn(P2, marker, marker,
                marker + 1));
    }

    @Test
    void activeProducersShowEachProducersTransactionSequenceAndLastTimestamp() {
        // given an old open transaction of P1 (its records stamped ten minutes ago) and an idempotent producer
        log = TestLogs.open0(dir, TestLogs.config(), time);
        long old = time.milliseconds() - 600_000;
        log.appendAsLeader(TestLogs.batch(10L, "plain"), 0);
        txnAt(log, old, P1, "a", "b");
        log.appendAsLeader(TestLogs.idempotent(P2, (short) 0, 0, "x", "y", "z"), 0);

        // then each shows its epoch, last sequence, batch timestamp, no coordinator epoch yet, open transaction
        assertThat(log.activeProducers()).containsExactly(
                new ProducerSnapshot(P1, EPOCH, 1, old, -1, 1),
                new ProducerSnapshot(P2, (short) 0, 2, 1000L, -1, -1));

        // when P1's transaction commits (coordinator epoch 7) a little later
        time.sleep(5);
        end(log, P1, true);

        // then P1 has no open transaction, the marker's coordinator epoch and the marker's timestamp
        assertThat(log.activeProducers()).first()
                .isEqualTo(new ProducerSnapshot(P1, EPOCH, 1, time.milliseconds(), 7, -1));
    }

    @Test
    void activeProducersSurviveACleanRestart() throws IOException {
        // given an old open transaction and an ended one, closed cleanly (a producer snapshot at the end)
        log = TestLogs.open(dir, TestLogs.config(), time);
        long old = time.milliseconds() - 600_000;
        txnAt(log, old, P1, "a");
        txn(log, P2, "b");
        end(log, P2, false);
        List<ProducerSnapshot> before = log.activeProducers();
        log.close();

        // when reopened from that snapshot alone
        log = TestLogs.open(dir, TestLogs.config(), time);

        // then every producer is as it was, timestamps included
        assertThat(log.activeProducers()).isEqualTo(before);
        assertThat(before.get(0).lastTimestamp()).isEqualTo(old);
        assertThat(before.get(0).currentTxnStartOffset()).isZero();
    }

    @Test
    void aVersionTwoProducerSnapshotIsStillRead() throws IOException {
        // given a cleanly closed log with P1's transaction open at offset 1, whose snapshot is replaced by the same
        // state in version 2 (no last timestamp)
        log = TestLogs.open(dir, TestLogs.config(), time);
        log.appendAsLeader(TestLogs.batch(10L, "plain"), 0);
        txn(log, P1, "a", "b");
        log.close();
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(body)) {
            out.writeInt(0x43534E50);
            out.writeShort(2);
            out.writeLong(3);
            out.writeInt(1);
            out.writeLong(P1);
            out.writeShort(EPOCH);
            out.writeInt(5);     // coordinator epoch
            out.writeLong(1);    // open transaction's first offset
            out.writeInt(1);
            out.writeInt(0);
            out.writeInt(1);
            out.writeLong(1);
            out.writeLong(2);
        }
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(body.toByteArray());
        java.nio.ByteBuffer file = java.nio.ByteBuffer.allocate(body.size() + 4).put(body.toByteArray())
                .putInt((int) crc.getValue());
        Files.write(dir.resolve(io.cairn.storage.internal.LogSegment.fileName(3) + ".snapshot"), file.array());

        // when reopened
        log = TestLogs.open(dir, TestLogs.config(), time);

        // then the state is the version-2 file's (not a replay of the log): no timestamp known, coordinator epoch 5
        assertThat(log.activeProducers()).containsExactly(new ProducerSnapshot(P1, EPOCH, 1, -1, 5, 1));
        assertThat(log.lastStableOffset(3)).isEqualTo(1);
    }

    @Test
    void aProducerWithAnOpenTransactionCannotWriteOutsideIt() {
        log = TestLogs.open0(dir, TestLogs.config(), time);
        txn(log, P1, "a");
        MemoryRecords plain = MemoryRecords.withIdempotentRecords(Compression.NONE, P1, EPOCH, 1,
                TestLogs.records(10L, "b"));
        assertThatThrownBy(() -> log.appendAsLeader(plain, 0)).isInstanceOf(InvalidTxnStateException.class);
    }

    @Test
    void aVerificationEndedByAMarkerCannotOpenATransaction() {
        // given a producer verified (KIP-890) for its next transaction here, and an abort marker written meanwhile
        log = TestLogs.open0(dir, TestLogs.config(), time);
        Object guard = log.startTransactionVerification(P1, EPOCH, false);
        log.appendTransactionMarker(P1, EPOCH, false, 7, 0);
        MemoryRecords late = MemoryRecords.withTransactionalRecords(Compression.NONE, P1, EPOCH, 0,
                TestLogs.records(10L, "late"));

        // then its late batch is refused and opens nothing; without any verification it is refused too
        assertThatThrownBy(() -> log.appendAsLeader(late, 0, AppendOrigin.CLIENT, new PartitionLog.Verification(guard)))
                .isInstanceOf(InvalidTxnStateException.class);
        assertThatThrownBy(() -> log.appendAsLeader(late, 0, AppendOrigin.CLIENT, new PartitionLog.Verification(null)))
                .isInstanceOf(InvalidTxnStateException.class);
        assertThat(log.lastStableOffset(log.logEndOffset())).isEqualTo(log.logEndOffset());

        // and a fresh verification lets it open its transaction, after which no guard is needed
        Object fresh = log.startTransactionVerification(P1, EPOCH, false);
        log.appendAsLeader(late, 0, AppendOrigin.CLIENT, new PartitionLog.Verification(fresh));
        assertThat(log.startTransactionVerification(P1, EPOCH, false)).isNull();
        assertThat(log.lastStableOffset(log.logEndOffset())).isEqualTo(1);
    }

    @Test
    void aVersion2MarkerMustBeAboveTheProducersEpochUnlessItRepeatsOne() {
        // given a transaction of version 2 open at EPOCH
        log = TestLogs.open0(dir, TestLogs.config(), time);
        short bumped = EPOCH + 1;
        txn(log, P1, "first");

        // when its coordinator ends it at the bumped epoch, and repeats the marker (a lost answer, a failover)
        log.appendTransactionMarker(P1, bumped, true, 7, 0, (byte) 2);
        log.appendTransactionMarker(P1, bumped, true, 7, 0, (byte) 2);
        assertThat(log.lastStableOffset(log.logEndOffset())).isEqualTo(log.logEndOffset());

        // and the producer's next transaction opens at the bumped epoch
        log.appendAsLeader(MemoryRecords.withTransactionalRecords(Compression.NONE, P1, bumped, 0,
                TestLogs.records(10L, "second")), 0);
        long open = log.logEndOffset() - 1;

        // then a stale marker of the previous transaction cannot end it, while one of version 1 at that epoch would
        assertThatThrownBy(() -> log.appendTransactionMarker(P1, bumped, false, 7, 0, (byte) 2))
                .isInstanceOf(InvalidProducerEpochException.class);
        assertThat(log.lastStableOffset(log.logEndOffset())).isEqualTo(open);
        log.appendTransactionMarker(P1, (short) (bumped + 1), false, 7, 0, (byte) 2);
        assertThat(log.lastStableOffset(log.logEndOffset())).isEqualTo(log.logEndOffset());
    }

    @Test
    void aVersion2VerificationSurvivesThePreviousTransactionsMarkerAtItsEpoch() {
        // given a version 2 producer whose next transaction verifies here at the bumped epoch before its previous
        // transaction's marker (which carries that epoch) arrives
        log = TestLogs.open0(dir, TestLogs.config(), time);
        short bumped = EPOCH + 1;
        txn(log, P1, "first");
        Object next = log.startTransactionVerification(P1, bumped, true);
        Object otherProducer = log.startTransactionVerification(P2, EPOCH, false);
        log.appendTransactionMarker(P1, bumped, true, 7, 0, (byte) 2);
        log.appendTransactionMarker(P2, EPOCH, false, 7, 0, (byte) 0);

        // then the next transaction still opens with that verification; a version 1 verification is ended
        log.appendAsLeader(MemoryRecords.withTransactionalRecords(Compression.NONE, P1, bumped, 0,
                TestLogs.records(10L, "second")), 0, AppendOrigin.CLIENT, new PartitionLog.Verification(next));
        assertThat(log.lastStableOffset(log.logEndOffset())).isEqualTo(log.logEndOffset() - 1);
        MemoryRecords late = MemoryRecords.withTransactionalRecords(Compression.NONE, P2, EPOCH, 0,
                TestLogs.records(10L, "late"));
        assertThatThrownBy(() -> log.appendAsLeader(late, 0, AppendOrigin.CLIENT,
                new PartitionLog.Verification(otherProducer))).isInstanceOf(InvalidTxnStateException.class);
    }

    @Test
    void pipelinedProduceRequestsOfOneTransactionShareTheVerification() {
        // given two produce requests of one producer's new transaction here, both verifying before either appends
        // (a client keeps up to 5 requests in flight per connection)
        log = TestLogs.open0(dir, TestLogs.config(), time);
        Object first = log.startTransactionVerification(P1, EPOCH, false);
        Object second = log.startTransactionVerification(P1, EPOCH, false);
        MemoryRecords a = MemoryRecords.withTransactionalRecords(Compression.NONE, P1, EPOCH, 0,
                TestLogs.records(10L, "a"));
        MemoryRecords b = MemoryRecords.withTransactionalRecords(Compression.NONE, P1, EPOCH, 1,
                TestLogs.records(10L, "b"));

        // then the second does not invalidate the first: both append, in order, in one open transaction
        log.appendAsLeader(a, 0, AppendOrigin.CLIENT, new PartitionLog.Verification(first));
        log.appendAsLeader(b, 0, AppendOrigin.CLIENT, new PartitionLog.Verification(second));
        assertThat(log.logEndOffset()).isEqualTo(2);
        assertThat(log.lastStableOffset(log.logEndOffset())).isEqualTo(0);
    }

    @Test
    void openTransactionsAndAbortsSurviveACleanRestart() throws IOException {
        // given an abort and an open transaction, closed cleanly (a producer snapshot at the end)
        log = TestLogs.open(dir, TestLogs.config(), time);
        txn(log, P1, "a");
        end(log, P1, false);
        txn(log, P2, "b");
        log.close();

        // when reopened
        log = TestLogs.open(dir, TestLogs.config(), time);

        // then P2's transaction is still open and P1's abort still indexed
        assertThat(log.lastStableOffset(log.logEndOffset())).isEqualTo(2);
        assertThat(log.abortedTransactions(0, 3)).containsExactly(new AbortedTxn(P1, 0, 1, 2));
        long marker = end(log, P2, true).lastOffset();
        assertThat(log.lastStableOffset(marker + 1)).isEqualTo(marker + 1);
    }

    @Test
    void recoveryRebuildsTheAbortedTransactionIndex() throws IOException {
        // given a log over several segments with aborts in each, abandoned without a close (kill -9), and its
        // transaction index files removed as if never written
        LogConfig config = TestLogs.withSegmentBytes(TestLogs.config(), 300);
        PartitionLog crashed = TestLogs.open(dir, config, time);
        List<AbortedTxn> expected = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            long first = txn(crashed, P1, "value-" + i).firstOffset();
            txn(crashed, P2, "other-" + i);
            long marker = end(crashed, P1, i % 3 != 0).lastOffset();
            end(crashed, P2, true);
            if (i % 3 == 0) {
                expected.add(new AbortedTxn(P1, first, marker, first + 1));
            }
        }
        txn(crashed, P2, "left-open");
        long end = crashed.logEndOffset();
        assertThat(crashed.abortedTransactions(0, end)).isEqualTo(expected);
        assertThat(crashed.segmentCount()).isGreaterThan(3);
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(TransactionIndex.SUFFIX)).toList()) {
                Files.delete(f);
            }
        }
        Files.deleteIfExists(dir.resolve("recovery-point-offset-checkpoint"));

        // when reopened, every segment is recovered
        log = TestLogs.open(dir, config, time);

        // then the aborts are indexed again and P2's last transaction is open again
        assertThat(log.abortedTransactions(0, end)).isEqualTo(expected);
        assertThat(log.lastStableOffset(end)).isEqualTo(end - 1);
    }

    /** A log over several segments with an abort in each, closed cleanly (every segment below the recovery point). */
    private List<AbortedTxn> abortInEverySegmentAndClose(LogConfig config) {
        PartitionLog closed = TestLogs.open0(dir, config, time);
        for (int i = 0; i < 6; i++) {
            txn(closed, P1, "value-" + i);
            end(closed, P1, false);
            txn(closed, P2, "other-" + i);
            end(closed, P2, true);
        }
        List<AbortedTxn> expected = closed.abortedTransactions(0, closed.logEndOffset());
        assertThat(expected).hasSize(6);
        assertThat(closed.segmentCount()).isGreaterThan(3);
        closed.close();
        return expected;
    }

    @Test
    void aMalformedTransactionIndexBelowTheRecoveryPointIsRebuiltFromTheLog() throws IOException {
        // given
        LogConfig config = TestLogs.withSegmentBytes(TestLogs.config(), 300);
        List<AbortedTxn> expected = abortInEverySegmentAndClose(config);
        Path index = dir.resolve("00000000000000000000" + TransactionIndex.SUFFIX);
        byte[] content = Files.readAllBytes(index);
        content[1] = 7;
        Files.write(index, content);

        // when
        log = TestLogs.open(dir, config, time);

        // then
        assertThat(log.abortedTransactions(0, log.logEndOffset())).isEqualTo(expected);
    }

    @Test
    void rebuildingTheIndexesOfOneSegmentLeavesTheLaterSegmentsAbortsAsTheyWere() throws IOException {
        // given: the first segment's offset index is garbage
        LogConfig config = TestLogs.withSegmentBytes(TestLogs.config(), 300);
        List<AbortedTxn> expected = abortInEverySegmentAndClose(config);
        Files.write(dir.resolve("00000000000000000000.index"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});

        // when
        log = TestLogs.open(dir, config, time);

        // then: no abort indexed twice
        assertThat(log.abortedTransactions(0, log.logEndOffset())).isEqualTo(expected);
    }

    @Test
    void aFollowerCopiesTransactionsAndMarkersAndIndexesTheSameAborts() throws IOException {
        // given a leader with an aborted and an open transaction
        log = TestLogs.open0(dir.resolve("leader"), TestLogs.config(), time);
        txn(log, P1, "a");
        end(log, P1, false);
        txn(log, P2, "b");
        txn(log, P1, "c");

        // when a follower copies the leader's log
        try (PartitionLog follower = TestLogs.open(dir.resolve("follower"), TestLogs.config(), time)) {
            ReplicationTest.catchUp(log, follower);

            // then it holds the same aborts and the same open transactions
            assertThat(follower.abortedTransactions(0, 4)).isEqualTo(log.abortedTransactions(0, 4));
            assertThat(follower.lastStableOffset(4)).isEqualTo(2);

            // and, truncated below the abort marker, the abort is gone and P1's transaction open again
            follower.truncateTo(1);
            assertThat(follower.abortedTransactions(0, 1)).isEmpty();
            assertThat(follower.lastStableOffset(1)).isZero();
        }
    }

    @Test
    void retentionNeverDeletesAnOpenTransaction() {
        // given small segments by time, then an open transaction, then more plain data
        LogConfig config = TestLogs.withRetention(TestLogs.withSegmentBytes(TestLogs.config(), 200), 1_000, 5_000, -1);
        log = TestLogs.open0(dir, config, time);
        for (int i = 0; i < 5; i++) {
            log.appendAsLeader(TestLogs.batch(time.milliseconds(), "old-" + i), 0);
        }
        long open = txn(log, P1, "open").firstOffset();
        for (int i = 0; i < 10; i++) {
            log.appendAsLeader(TestLogs.batch(time.milliseconds(), "new-" + i), 0);
        }

        // when everything is past retention.ms
        time.sleep(60_000);
        log.enforceRetention(log.logEndOffset());

        // then the log starts at or before the open transaction
        assertThat(log.logStartOffset()).isLessThanOrEqualTo(open);
        assertThat(log.logStartOffset()).isGreaterThan(0);
    }

    @Test
    void compactionDropsAbortedDataAndNeverLetsItHideACommittedValue() {
        // given key k committed, then overwritten by an aborted transaction, then many other keys
        LogConfig config = TestLogs.withSegmentBytes(TestLogs.config(), 400).withCompaction(true, 60_000, 0.01);
        log = TestLogs.open0(dir, config, time);
        keyed(P1, "k", "committed");
        end(log, P1, true);
        keyed(P1, "k", "aborted");
        end(log, P1, false);
        for (int i = 0; i < 40; i++) {
            log.appendAsLeader(MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(time.milliseconds(),
                    ("other-" + (i % 4)).getBytes(), ("v" + i).getBytes())), 0);
        }

        // when compacted
        assertThat(log.compact(log.logEndOffset())).isNotNull();

        // then the committed value of k is kept, the aborted one is gone, both markers are kept
        List<String> kValues = new ArrayList<>();
        int markers = 0;
        for (RecordBatch batch : log.read(0, Integer.MAX_VALUE, Long.MAX_VALUE, true).records().batches()) {
            if (batch.isControlBatch()) {
                markers++;
                continue;
            }
            for (Record r : batch) {
                if (new String(bytes(r.key())).equals("k")) {
                    kValues.add(new String(bytes(r.value())));
                }
            }
        }
        assertThat(kValues).containsExactly("committed");
        assertThat(markers).isEqualTo(2);
        assertThat(log.abortedTransactions(0, log.logEndOffset())).hasSize(1);
    }

    @Test
    void compactionDropsMarkersWithNothingLeftToMarkOnceOlderThanDeleteRetention() {
        // given: k1's committed value survives compaction, k2's committed value and k3's aborted one do not
        LogConfig config = TestLogs.withSegmentBytes(TestLogs.config(), 400).withCompaction(true, 10_000, 0.01);
        log = TestLogs.open0(dir, config, time);
        keyed(P1, "k1", "kept");
        end(log, P1, true);
        keyed(P2, "k2", "overwritten");
        end(log, P2, true);
        keyed(P2, "k3", "aborted");
        end(log, P2, false);
        for (int i = 0; i < 40; i++) {
            String key = i == 0 ? "k2" : "other-" + (i % 4);
            log.appendAsLeader(MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(time.milliseconds(),
                    key.getBytes(), ("v" + i).getBytes())), 0);
        }

        // when compacted before delete.retention.ms has passed, every marker stays
        log.compact(log.logEndOffset());
        assertThat(markers()).isEqualTo(3);

        // when compacted again after it has passed, only the marker of k1's transaction (its data is kept) stays
        time.sleep(11_000);
        for (int i = 0; i < 40; i++) {
            log.appendAsLeader(MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(time.milliseconds(),
                    ("other-" + (i % 4)).getBytes(), ("w" + i).getBytes())), 0);
        }
        log.compact(log.logEndOffset());
        assertThat(markers()).isEqualTo(1);
        List<String> values = new ArrayList<>();
        for (Record r : TestLogs.readAll(log, log.logStartOffset())) {
            values.add(new String(bytes(r.value())));
        }
        assertThat(values).contains("kept").doesNotContain("overwritten", "aborted");
    }

    @Test
    void aMarkerOlderThanDeleteRetentionIsKeptThatLongAfterItsDataIsCleanedAway() {
        // given a committed transaction whose marker is already older than delete.retention.ms when its only
        // record is overwritten
        LogConfig config = TestLogs.withSegmentBytes(TestLogs.config(), 400).withCompaction(true, 10_000, 0.01);
        log = TestLogs.open0(dir, config, time);
        keyed(P1, "k1", "old");
        end(log, P1, true);
        time.sleep(20_000);
        for (int i = 0; i < 40; i++) {
            String key = i == 0 ? "k1" : "other-" + (i % 4);
            log.appendAsLeader(MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(time.milliseconds(),
                    key.getBytes(), ("v" + i).getBytes())), 0);
        }

        // when compacted, the record goes but the marker stays, stamped with its delete horizon (Kafka's KIP-534)
        log.compact(log.logEndOffset());
        assertThat(markers()).isEqualTo(1);

        // when compacted again before that horizon the marker stays; after it, the marker goes
        time.sleep(5_000);
        log.compact(log.logEndOffset());
        assertThat(markers()).isEqualTo(1);
        time.sleep(6_000);
        for (int i = 0; i < 40; i++) {
            log.appendAsLeader(MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(time.milliseconds(),
                    ("other-" + (i % 4)).getBytes(), ("w" + i).getBytes())), 0);
        }
        log.compact(log.logEndOffset());
        assertThat(markers()).isZero();
    }

    /** Control batches in the whole log (a read returns one segment's batches at most). */
    private int markers() {
        int markers = 0;
        long next = log.logStartOffset();
        while (next < log.logEndOffset()) {
            long before = next;
            for (RecordBatch batch : log.read(next, Integer.MAX_VALUE, Long.MAX_VALUE, true).records().batches()) {
                markers += batch.isControlBatch() ? 1 : 0;
                next = batch.nextOffset();
            }
            if (next == before) {
                break;
            }
        }
        return markers;
    }

    @Test
    void compactionStopsAtTheLastStableOffset() {
        // given an open transaction early in a compacted log
        LogConfig config = TestLogs.withSegmentBytes(TestLogs.config(), 300).withCompaction(true, 60_000, 0.01);
        log = TestLogs.open0(dir, config, time);
        keyed(P1, "k", "open");
        for (int i = 0; i < 40; i++) {
            log.appendAsLeader(MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(time.milliseconds(),
                    "k".getBytes(), ("v" + i).getBytes())), 0);
        }
        // when compaction is asked to clean up to the log end, nothing at or past the open transaction is touched
        assertThat(log.compact(log.logEndOffset())).isNull();
        assertThat(TestLogs.readAll(log, 0)).hasSize(41);
    }

    private void keyed(long producerId, String key, String value) {
        int sequence = sequences.getOrDefault(producerId, 0);
        sequences.put(producerId, sequence + 1);
        log.appendAsLeader(MemoryRecords.withTransactionalRecords(Compression.NONE, producerId, EPOCH, sequence,
                new SimpleRecord(time.milliseconds(), key.getBytes(), value.getBytes())), 0);
    }

    private static byte[] bytes(java.nio.ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
