package io.cairn.storage.internal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import io.cairn.storage.AppendOrigin;
import io.cairn.storage.BoundedRecords;
import io.cairn.storage.LogConfig;
import io.cairn.storage.RecordBatches;
import io.cairn.storage.RecordValidationException;
import io.cairn.storage.RecordValidationException.RecordError;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.UnsupportedForMessageFormatException;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.BufferSupplier;

/**
 * Checks the batches of a produce request before anything is written, as Kafka's LogValidator does: the batch
 * header (format, size, CRC, record count, producer fields), then every record, read once (a compressed batch is
 * streamed, under {@link BoundedRecords}' decompression bound; an uncompressed one walked in place, see
 * {@link RecordCursor}): its offset delta is its position, it parses within the batch, and, for the record-level
 * checks Kafka reports per record (KIP-467), a compacted log's records have keys and CreateTime timestamps are
 * within bounds. The record-level failures of a batch are gathered and thrown together as a
 * {@link RecordValidationException}; any other fault throws the Kafka exception at once.
 *
 * <p>Cairn stores batches as produced, never rewritten or recompressed, so what Kafka repairs by rebuilding a
 * batch (inner offsets not 0..n-1 in a compressed batch) is refused here. A CreateTime batch's max timestamp is
 * set to its records' (Kafka does the same), so the time index and retention see the records' real time.
 *
 * <p>Stateless and thread-safe (decompression buffers are cached per thread).
 */
public final class AppendValidator {

    /** Decompression buffers, reused by each appending thread as Kafka's request handler threads do. */
    private static final ThreadLocal<BufferSupplier> BUFFERS = ThreadLocal.withInitial(BufferSupplier::create);

    private AppendValidator() {
    }

    /**
     * @param nowMs the time, for the timestamp bounds
     * @return the batches, in order, all valid
     */
    public static List<MutableRecordBatch> validate(MemoryRecords records, LogConfig config, long nowMs) {
        return validate(records, config, nowMs, AppendOrigin.CLIENT);
    }

    /**
     * As above; a coordinator's transactional batches have no sequence numbers.
     *
     * @throws RecordValidationException some records failed a record-level check (key, timestamp)
     * @throws CorruptRecordException    a bad CRC, trailing bytes, a record over the decompression bound
     * @throws InvalidRecordException    a malformed batch or record
     */
    public static List<MutableRecordBatch> validate(MemoryRecords records, LogConfig config, long nowMs,
                                                    AppendOrigin origin) {
        List<MutableRecordBatch> batches = new ArrayList<>();
        long totalBytes = 0;
        for (MutableRecordBatch batch : RecordBatches.of(records)) {
            validateBatch(batch, config, origin);
            validateRecords(batch, records.buffer(), (int) totalBytes, config, nowMs);
            totalBytes += batch.sizeInBytes();
            batches.add(batch);
        }
        if (totalBytes != records.sizeInBytes()) {
            throw new CorruptRecordException("The request has " + (records.sizeInBytes() - totalBytes)
                    + " trailing bytes that are not a whole record batch");
        }
        return batches;
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
    }

    /**
     * The one pass over the batch's records: structure (the cursor fails records that run past the batch, a
     * count that does not match), offset deltas, then the record-level checks, gathered per record. An
     * uncompressed batch is walked in place ({@link RecordCursor}), a compressed one decompressed under the bound.
     *
     * @param buffer the request's records, holding this batch {@code offset} bytes after its position
     */
    private static void validateRecords(MutableRecordBatch batch, ByteBuffer buffer, int offset, LogConfig config,
                                        long nowMs) {
        List<RecordError> errors = new ArrayList<>(0);
        boolean badTimestamp = false;
        long maxTimestamp = RecordBatch.NO_TIMESTAMP;
        try (RecordCursor records = batch.isCompressed()
                ? RecordCursor.decompressing(batch, BoundedRecords.decompressedLimit(config.maxMessageBytes()),
                        BUFFERS.get())
                : RecordCursor.inPlace((DefaultRecordBatch) batch, RecordCursor.recordsOf(buffer, offset, batch))) {
            for (int index = 0; records.next(); index++) {
                if (records.offsetDelta() != index) {
                    throw new InvalidRecordException("Inner record " + index + " of the batch has offset delta "
                            + records.offsetDelta() + "; a record's offset delta must be its position in the batch");
                }
                if (config.compact() && !records.hasKey()) {
                    errors.add(new RecordError(index, "Compacted topics accept only records with a key"));
                    continue;
                }
                String timestampError = timestampError(batch, records.timestamp(), config, nowMs);
                if (timestampError != null) {
                    errors.add(new RecordError(index, timestampError));
                    badTimestamp = true;
                }
                maxTimestamp = Math.max(maxTimestamp, records.timestamp());
            }
        }
        if (!errors.isEmpty()) {
            throw new RecordValidationException(summary(errors, badTimestamp), errors);
        }
        if (config.timestampType() == TimestampType.CREATE_TIME && batch.timestampType() == TimestampType.CREATE_TIME
                && batch.maxTimestamp() != maxTimestamp) {
            batch.setMaxTimestamp(TimestampType.CREATE_TIME, maxTimestamp);
        }
    }

    /**
     * Kafka's rules: with CreateTime, a record's timestamp (if it has one) is within
     * message.timestamp.before.max.ms behind and message.timestamp.after.max.ms ahead of now; otherwise a
     * client's batch may not claim LogAppendTime, which only the broker sets.
     *
     * @return why the record's timestamp is refused, or null
     */
    private static String timestampError(RecordBatch batch, long timestamp, LogConfig config, long nowMs) {
        if (config.timestampType() == TimestampType.CREATE_TIME && timestamp != RecordBatch.NO_TIMESTAMP) {
            if (nowMs - timestamp > config.timestampBeforeMaxMs()) {
                return "Timestamp " + timestamp + " of the record is more than message.timestamp.before.max.ms ("
                        + config.timestampBeforeMaxMs() + ") behind the broker's " + nowMs;
            }
            if (timestamp - nowMs > config.timestampAfterMaxMs()) {
                return "Timestamp " + timestamp + " of the record is more than message.timestamp.after.max.ms ("
                        + config.timestampAfterMaxMs() + ") ahead of the broker's " + nowMs;
            }
            return null;
        }
        if (batch.timestampType() == TimestampType.LOG_APPEND_TIME) {
            return "The batch's timestamp type is LogAppendTime, which only the broker sets";
        }
        return null;
    }

    /** The partition's error: INVALID_TIMESTAMP if any timestamp failed (as Kafka), else INVALID_RECORD. */
    private static ApiException summary(List<RecordError> errors, boolean badTimestamp) {
        String first = errors.get(0).message();
        if (badTimestamp) {
            return new InvalidTimestampException(errors.size() + " record(s) of the batch were refused for their "
                    + "timestamp or key; the first: " + first);
        }
        return new InvalidRecordException(errors.size() + " record(s) of the batch were refused; the first: "
                + first);
    }
}
