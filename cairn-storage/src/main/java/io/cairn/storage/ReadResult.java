package io.cairn.storage;

import org.apache.kafka.common.record.internal.Records;

/**
 * A read from a partition log.
 *
 * @param records        whole record batches, as stored; for reads from segment files a
 *                       {@code FileRecords} slice, so that a response can send them with sendfile.
 *                       Empty (not null) when nothing was readable.
 * @param logStartOffset the log start offset at the time of the read
 * @param logEndOffset   the log end offset at the time of the read
 */
public record ReadResult(Records records, long logStartOffset, long logEndOffset) {
}
