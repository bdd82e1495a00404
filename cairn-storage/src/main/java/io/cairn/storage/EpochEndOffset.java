package io.cairn.storage;

/**
 * The answer to an OffsetForLeaderEpoch question ({@link PartitionLog#endOffsetForEpoch}).
 *
 * @param epoch     the largest epoch known at or below the requested one (or the requested one itself
 *                  when it is below every known epoch), or {@link #UNDEFINED_EPOCH}
 * @param endOffset the offset where that epoch ends (exclusive: the first offset of the next epoch, or the
 *                  log end offset for the latest epoch), or {@link #UNDEFINED_EPOCH_OFFSET}
 */
public record EpochEndOffset(int epoch, long endOffset) {

    /** Kafka's {@code RecordBatch.NO_PARTITION_LEADER_EPOCH}: no epoch. */
    public static final int UNDEFINED_EPOCH = -1;
    /** Kafka's {@code OffsetsForLeaderEpochResponse.UNDEFINED_EPOCH_OFFSET}: no offset. */
    public static final long UNDEFINED_EPOCH_OFFSET = -1L;
    public static final EpochEndOffset UNDEFINED = new EpochEndOffset(UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET);

    public boolean isUndefined() {
        return endOffset == UNDEFINED_EPOCH_OFFSET;
    }
}
