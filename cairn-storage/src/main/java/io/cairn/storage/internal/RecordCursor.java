package io.cairn.storage.internal;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;

import io.cairn.storage.BoundedRecords;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.ByteUtils;
import org.apache.kafka.common.utils.CloseableIterator;

/**
 * The records of a batch, one at a time, as much of each as validation needs: offset delta, timestamp, whether
 * it has a key.
 *
 * <p>Why not always kafka-clients' record iterator: for an uncompressed batch it builds a record object and
 * buffer slices per record, garbage that on the produce path of small records doubled the broker's resident
 * memory (the young generation fills faster). {@link #inPlace} instead walks the records' framing in the batch's
 * own bytes, allocating nothing, with the checks of {@code DefaultRecord.readFrom}: each record's size fits in
 * the batch, its key, value and headers fit in that size and fill it, header counts and key sizes are not
 * negative, and the batch holds exactly its declared count. A compressed batch has to be decompressed anyway;
 * {@link #decompressing} reads it through {@link BoundedRecords}.
 *
 * <p>Not thread-safe; close it.
 */
abstract class RecordCursor implements AutoCloseable {

    /** Moves to the next record; false when the batch has no more. */
    abstract boolean next();

    abstract int offsetDelta();

    abstract long timestamp();

    abstract boolean hasKey();

    @Override
    public void close() {
    }

    /**
     * @param records the batch's records: its bytes from the first record to the batch's end
     */
    static RecordCursor inPlace(DefaultRecordBatch batch, ByteBuffer records) {
        return new InPlace(batch, records);
    }

    static RecordCursor decompressing(RecordBatch batch, long maxDecompressedBytes, BufferSupplier buffers) {
        return new Decompressing(BoundedRecords.iterator(batch, maxDecompressedBytes, buffers), batch.baseOffset());
    }

    /**
     * The bytes of the records of the batch that starts {@code offset} bytes after {@code buffer}'s position (as
     * {@code MemoryRecords} iterates its batches from there).
     */
    static ByteBuffer recordsOf(ByteBuffer buffer, int offset, RecordBatch batch) {
        int start = buffer.position() + offset;
        ByteBuffer records = buffer.duplicate();
        records.limit(start + batch.sizeInBytes()).position(start + DefaultRecordBatch.RECORD_BATCH_OVERHEAD);
        return records;
    }

    private static final class InPlace extends RecordCursor {
        private final ByteBuffer buffer;
        private final int end;
        private final long baseTimestamp;
        private final boolean logAppendTime;
        private final long maxTimestamp;
        private int left;
        private int offsetDelta;
        private long timestamp;
        private boolean hasKey;

        InPlace(DefaultRecordBatch batch, ByteBuffer records) {
            this.buffer = records;
            this.end = records.limit();
            this.baseTimestamp = batch.baseTimestamp();
            this.logAppendTime = batch.timestampType() == TimestampType.LOG_APPEND_TIME;
            this.maxTimestamp = batch.maxTimestamp();
            Integer count = batch.countOrNull();
            this.left = count == null ? 0 : count;
            if (left < 0) {
                throw new InvalidRecordException("Found invalid record count " + left + " in a batch");
            }
        }

        @Override
        boolean next() {
            if (left == 0) {
                return false;
            }
            try {
                readRecord();
            } catch (BufferUnderflowException | IllegalArgumentException e) {
                throw new InvalidRecordException("Found invalid record structure", e);
            } finally {
                buffer.limit(end);
            }
            left--;
            if (left == 0 && buffer.hasRemaining()) {
                throw new InvalidRecordException("Incorrect declared batch size, records still remaining in batch");
            }
            return true;
        }

        /** One record's framing; a read past the record's declared end underflows, as it is the limit. */
        private void readRecord() {
            int size = ByteUtils.readVarint(buffer);
            if (size < 0 || size > buffer.remaining()) {
                throw new InvalidRecordException("Invalid record size: expected " + size + " bytes in record "
                        + "payload, but the batch has only " + buffer.remaining() + " remaining bytes");
            }
            int recordEnd = buffer.position() + size;
            buffer.limit(recordEnd);
            buffer.get(); // attributes
            long timestampDelta = ByteUtils.readVarlong(buffer);
            timestamp = logAppendTime ? maxTimestamp : baseTimestamp + timestampDelta;
            offsetDelta = ByteUtils.readVarint(buffer);
            int keySize = ByteUtils.readVarint(buffer);
            hasKey = keySize >= 0;
            skip(keySize);
            skip(ByteUtils.readVarint(buffer)); // the value
            int headers = ByteUtils.readVarint(buffer);
            if (headers < 0 || headers > buffer.remaining()) {
                throw new InvalidRecordException("Found invalid number of record headers " + headers);
            }
            for (int i = 0; i < headers; i++) {
                int headerKeySize = ByteUtils.readVarint(buffer);
                if (headerKeySize < 0) {
                    throw new InvalidRecordException("Invalid negative header key size " + headerKeySize);
                }
                skip(headerKeySize);
                skip(ByteUtils.readVarint(buffer)); // the header value
            }
            if (buffer.hasRemaining()) {
                throw new InvalidRecordException("Invalid record size: expected to read " + size + " bytes in "
                        + "record payload, but instead read " + (size - buffer.remaining()));
            }
        }

        /** Skips a key, value or header of {@code size} bytes; a negative size is null, as in the record format. */
        private void skip(int size) {
            if (size > buffer.remaining()) {
                throw new BufferUnderflowException();
            }
            if (size > 0) {
                buffer.position(buffer.position() + size);
            }
        }

        @Override
        int offsetDelta() {
            return offsetDelta;
        }

        @Override
        long timestamp() {
            return timestamp;
        }

        @Override
        boolean hasKey() {
            return hasKey;
        }
    }

    private static final class Decompressing extends RecordCursor {
        private final CloseableIterator<Record> records;
        private final long baseOffset;
        private Record current;

        Decompressing(CloseableIterator<Record> records, long baseOffset) {
            this.records = records;
            this.baseOffset = baseOffset;
        }

        @Override
        boolean next() {
            current = records.hasNext() ? records.next() : null;
            return current != null;
        }

        @Override
        int offsetDelta() {
            return (int) (current.offset() - baseOffset);
        }

        @Override
        long timestamp() {
            return current.timestamp();
        }

        @Override
        boolean hasKey() {
            return current.hasKey();
        }

        @Override
        public void close() {
            records.close();
        }
    }
}
