package io.cairn.testkit;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import io.cairn.broker.replica.Partition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;

/**
 * Writes transactional data batches and commit/abort markers straight into a partition's leader, as transactional
 * producers and the transaction coordinator do, so that tests can check the storage, replication and fetch side of
 * transactions on their own. Values are UTF-8 strings without keys; every producer id writes at epoch 0 with
 * sequence numbers continuing per producer, across {@link #leader} changes.
 *
 * <p>Not thread-safe.
 */
public final class TxnWriter {

    private static final short EPOCH = 0;
    private final Map<Long, Integer> sequences = new HashMap<>();
    private Partition leader;

    public TxnWriter(Partition leader) {
        this.leader = leader;
    }

    /** Writes to this partition from now on (after a leader change). */
    public void leader(Partition newLeader) {
        this.leader = newLeader;
    }

    /** A record outside any transaction. */
    public void plain(String value) {
        leader.appendAsLeader(MemoryRecords.withRecords(Compression.NONE, record(value)), (short) -1);
    }

    /** One transactional batch of {@code producerId}: opens its transaction here if none is open. */
    public void txn(long producerId, String... values) {
        txnAt(System.currentTimeMillis(), producerId, values);
    }

    /**
     * {@link #txn} with its records stamped {@code timestampMs} (CreateTime): a transaction a producer opened that
     * long ago, as tools that age transactions by their producer's last timestamp see it.
     *
     * @return the offset of the batch's first record
     */
    public long txnAt(long timestampMs, long producerId, String... values) {
        SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = record(timestampMs, values[i]);
        }
        int sequence = sequences.getOrDefault(producerId, 0);
        long first = leader.appendAsLeader(MemoryRecords.withTransactionalRecords(Compression.NONE, producerId,
                EPOCH, sequence, records), (short) -1).firstOffset();
        sequences.put(producerId, sequence + values.length);
        return first;
    }

    /** The coordinator's marker ending {@code producerId}'s transaction. */
    public void end(long producerId, boolean commit) {
        leader.appendTransactionMarker(producerId, EPOCH, commit, 0, (byte) 0);
    }

    private static SimpleRecord record(String value) {
        return record(System.currentTimeMillis(), value);
    }

    private static SimpleRecord record(long timestampMs, String value) {
        return new SimpleRecord(timestampMs, null, value.getBytes(StandardCharsets.UTF_8));
    }
}
