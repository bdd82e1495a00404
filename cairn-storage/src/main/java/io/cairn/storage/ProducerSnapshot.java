package io.cairn.storage;

/**
 * One idempotent or transactional producer's state in one partition log, copied at one moment (what
 * DescribeProducers answers; not the producer snapshot files, which persist the same state). Immutable.
 *
 * @param producerId            the producer id
 * @param producerEpoch         its current epoch here
 * @param lastSequence          the last sequence number of its last remembered batch, -1 when none at this epoch
 * @param lastTimestamp         the max timestamp of its last batch here (data or transaction marker), -1 when
 *                              unknown (state restored from a snapshot written before timestamps were kept)
 * @param coordinatorEpoch      the transaction coordinator epoch of its last marker here, -1 before any
 * @param currentTxnStartOffset the first offset of its open transaction here, -1 when none
 */
public record ProducerSnapshot(long producerId, short producerEpoch, int lastSequence, long lastTimestamp,
                               int coordinatorEpoch, long currentTxnStartOffset) {
}
