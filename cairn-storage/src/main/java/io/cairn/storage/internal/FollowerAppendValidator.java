package io.cairn.storage.internal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import io.cairn.storage.LogConfig;
import io.cairn.storage.RecordBatches;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.UnsupportedForMessageFormatException;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * Checks batches fetched from the leader before anything is written: magic 2, CRC, whole batches, and
 * offsets that continue this log exactly (the first batch starts at the log end offset, each next batch
 * right after the previous one). max.message.bytes is not checked (the leader accepted the data), but a
 * batch must fit a segment. Trailing bytes that are not a whole batch (a fetch response cut at its size
 * limit) are dropped, as Kafka's followers do.
 *
 * <p>Stateless and thread-safe.
 */
public final class FollowerAppendValidator {

    private FollowerAppendValidator() {
    }

    /** The whole batches of a fetched response and the records holding exactly them. */
    public record Validated(MemoryRecords records, List<MutableRecordBatch> batches) {
    }

    public static Validated validate(MemoryRecords records, long logEndOffset, LogConfig config) {
        List<MutableRecordBatch> batches = new ArrayList<>();
        long totalBytes = 0;
        long expectedBase = logEndOffset;
        for (MutableRecordBatch batch : RecordBatches.of(records)) {
            if (batch.magic() != RecordBatch.MAGIC_VALUE_V2) {
                throw new UnsupportedForMessageFormatException("Only record batches of magic 2 are accepted, got "
                        + batch.magic());
            }
            if (batch.sizeInBytes() > config.segmentBytes()) {
                throw new RecordBatchTooLargeException("Batch of " + batch.sizeInBytes()
                        + " bytes is over segment.bytes " + config.segmentBytes());
            }
            batch.ensureValid();
            // Offsets may jump forward (a compacted leader dropped whole batches), never back.
            if (batch.baseOffset() < expectedBase) {
                if (batches.isEmpty()) {
                    throw new OffsetOutOfRangeException("Replicated batch starts at offset " + batch.baseOffset()
                            + " but the log end offset is " + logEndOffset);
                }
                throw new CorruptRecordException("Replicated batch starts at offset " + batch.baseOffset()
                        + " but the previous batch ended at " + (expectedBase - 1));
            }
            if (batch.lastOffset() < batch.baseOffset()) {
                throw new CorruptRecordException("Replicated batch at " + batch.baseOffset()
                        + " has last offset " + batch.lastOffset());
            }
            expectedBase = batch.lastOffset() + 1;
            totalBytes += batch.sizeInBytes();
            batches.add(batch);
        }
        if (totalBytes == records.sizeInBytes()) {
            return new Validated(records, batches);
        }
        ByteBuffer whole = records.buffer().duplicate();
        whole.limit(whole.position() + (int) totalBytes);
        return new Validated(MemoryRecords.readableRecords(whole.slice()), batches);
    }
}
