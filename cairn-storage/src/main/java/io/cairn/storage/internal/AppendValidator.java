package io.cairn.storage.internal;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.UnsupportedForMessageFormatException;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;

import io.cairn.storage.AppendOrigin;
import io.cairn.storage.LogConfig;

/**
 * Checks the batches of a produce request before anything is written: format, size, CRC, record
 * count and, for compacted logs, keys. Compressed batches are only decompressed when keys must be checked.
 *
 * <p>Stateless and thread-safe.
 */
public final class AppendValidator {

    private AppendValidator() {
    }

    /**
     * @param nowMs the time, for the timestamp bounds
     * @return the batches, in order, all valid
     */
    public static List<MutableRecordBatch> validate(MemoryRecords records, LogConfig config, long nowMs) {
        return validate(records, config, nowMs, AppendOrigin.CLIENT);
    }

    /** As above; a coordinator's transactional batches have no sequence numbers. */
    public static List<MutableRecordBatch> validate(MemoryRecords records, LogConfig config, long nowMs,
                                                    AppendOrigin origin) {
        List<MutableRecordBatch> batches = new ArrayList<>();
        long totalBytes = 0;
        for (MutableRecordBatch batch : records.batches()) {
            validateBatch(batch, config, origin);
            validateTimestamps(batch, config, nowMs);
            totalBytes += batch.sizeInBytes();
            batches.add(batch);
        }
        if (totalBytes != records.sizeInBytes()) {
            throw new CorruptRecordException("The request has " + (records.sizeInBytes() - totalBytes)
                    + " trailing bytes that are not a whole record batch");
        }
        return batches;
    }

    /**
     * With CreateTime, Kafka's message.timestamp.after.max.ms and before.max.ms. The batch's max timestamp is what
     * the time index and retention read, so it is the one held against the future bound; the records are read
     * one by one (and a compressed batch decompressed) only when a past bound is set (the default has none).
     */
    private static void validateTimestamps(MutableRecordBatch batch, LogConfig config, long nowMs) {
        if (config.timestampType() != TimestampType.CREATE_TIME) {
            return;
        }
        if (batch.maxTimestamp() - nowMs > config.timestampAfterMaxMs()) {
            throw new InvalidTimestampException("Timestamp " + batch.maxTimestamp() + " of a batch is more than "
                    + "message.timestamp.after.max.ms (" + config.timestampAfterMaxMs() + ") ahead of the broker's "
                    + nowMs);
        }
        if (config.timestampBeforeMaxMs() == Long.MAX_VALUE) {
            return;
        }
        for (Record record : batch) {
            if (record.timestamp() != RecordBatch.NO_TIMESTAMP
                    && nowMs - record.timestamp() > config.timestampBeforeMaxMs()) {
                throw new InvalidTimestampException("Timestamp " + record.timestamp() + " of a record is more than "
                        + "message.timestamp.before.max.ms (" + config.timestampBeforeMaxMs() + ") behind the "
                        + "broker's " + nowMs);
            }
        }
    }

    private static void validateBatch(MutableRecordBatch batch, LogConfig config, AppendOrigin origin) {
        if (batch.magic() != RecordBatch.MAGIC_VALUE_V2) {
            throw new UnsupportedForMessageFormatException("Only record batches of magic 2 are accepted, got "
                    + batch.magic());
        }
        int size = batch.sizeInBytes();
        if (size > config.maxMessageBytes()) {
            throw new RecordTooLargeException("Batch of " + size + " bytes is over max.message.bytes "
                    + config.maxMessageBytes());
        }
        if (size > config.segmentBytes()) {
            throw new RecordBatchTooLargeException("Batch of " + size + " bytes is over segment.bytes "
                    + config.segmentBytes());
        }
        batch.ensureValid();
        if (batch.isControlBatch()) {
            throw new InvalidRecordException("Clients cannot write control batches; transaction markers come from "
                    + "the transaction coordinator");
        }
        if (batch.isTransactional() && !batch.hasProducerId()) {
            throw new InvalidRecordException("A transactional batch needs a producer id");
        }
        Integer count = batch.countOrNull();
        long lastOffsetDelta = batch.lastOffset() - batch.baseOffset();
        if (count == null || count <= 0 || lastOffsetDelta != count - 1) {
            throw new InvalidRecordException("Batch record count " + count + " does not match its last offset delta "
                    + lastOffsetDelta);
        }
        if (batch.hasProducerId() && batch.baseSequence() < 0 && origin == AppendOrigin.CLIENT) {
            throw new InvalidRecordException("Idempotent batch without a sequence number");
        }
        if (config.compact()) {
            for (Record record : batch) {
                if (!record.hasKey()) {
                    throw new InvalidRecordException("Compacted topics accept only records with a key");
                }
            }
        }
    }
}
