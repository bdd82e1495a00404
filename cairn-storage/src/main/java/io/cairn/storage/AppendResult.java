package io.cairn.storage;

/**
 * What an append did.
 *
 * @param firstOffset    offset given to the first record of the first batch (a duplicate's original offset)
 * @param lastOffset     the highest offset given to a record of the request's batches
 * @param logAppendTimeMs the broker time written into the batches when the log uses LogAppendTime, else -1
 * @param logStartOffset the log start offset after the append
 * @param duplicate      true when every batch was a retry of one already in the log (idempotent producer):
 *                       nothing was written and the offsets are those the original appends were given
 */
public record AppendResult(long firstOffset, long lastOffset, long logAppendTimeMs, long logStartOffset,
                           boolean duplicate) {
}
