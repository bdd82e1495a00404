package io.cairn.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.NoSuchElementException;

import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.DefaultRecord;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.ByteUtils;
import org.apache.kafka.common.utils.CloseableIterator;

/**
 * Reads the records of a batch, one at a time, without letting a compressed batch make the broker allocate more
 * than its records really hold.
 *
 * <p>Why not the batch's own iterators: kafka-clients reads a record of a compressed batch by allocating the size
 * the record declares, before reading it ({@code DefaultRecord.readFrom(InputStream, ...)}), and
 * {@code batch.iterator()} first sizes a list by the batch's declared record count. A batch of a few hundred bytes
 * with a valid CRC can so demand gigabytes. Here a compressed batch has a budget of decompressed bytes
 * ({@link #decompressedLimit}); a record declaring more than what is left of it is refused with
 * {@link CorruptRecordException} before anything is allocated, and a large record is read in chunks, so memory
 * follows the bytes that really arrive. An uncompressed batch is read in place (a declared size past the batch's
 * end fails before any allocation), as kafka-clients does.
 *
 * <p>Structural faults fail as Kafka's iterators fail them, with {@link InvalidRecordException}: a record running
 * past the end of the batch, fewer or more records than the batch declares; a compressed payload that does not
 * decompress is an {@link InvalidRecordException} as well (Kafka answers UNKNOWN_SERVER_ERROR to it).
 *
 * <p>Stateless and thread-safe; each iterator is confined to its caller's thread and must be closed.
 */
public final class BoundedRecords {

    /**
     * How much larger than {@code max.message.bytes} a batch may grow when decompressed. Kafka's own producer
     * builds batches of at most {@code max.request.size} (1 MiB by default) uncompressed bytes, typical data
     * compresses 3 to 20 times; a batch compressing better than 128 times is a compression bomb or a lie.
     */
    public static final int MAX_COMPRESSION_RATIO = 128;

    /** Records up to this size are read straight into their buffer; larger ones in chunks, as bytes arrive. */
    private static final int DIRECT_READ_BYTES = 64 * 1024;

    private BoundedRecords() {
    }

    /**
     * The decompressed bytes a batch of a log with this {@code max.message.bytes} may hold:
     * {@value #MAX_COMPRESSION_RATIO} times it, at most 2 GiB.
     */
    public static long decompressedLimit(int maxMessageBytes) {
        return Math.min(Integer.MAX_VALUE, (long) Math.max(maxMessageBytes, 1) * MAX_COMPRESSION_RATIO);
    }

    /**
     * The records of {@code batch}, in order; close the iterator (it may hold a decompression stream).
     *
     * @param maxDecompressedBytes the budget of a compressed batch's records, varint size prefixes included
     * @throws CorruptRecordException  (from {@code next}) a record declares more than the budget left
     * @throws InvalidRecordException  (from {@code next}) the records do not match the batch's framing
     */
    public static CloseableIterator<Record> iterator(RecordBatch batch, long maxDecompressedBytes,
                                                     BufferSupplier bufferSupplier) {
        if (!batch.isCompressed() || batch.magic() < RecordBatch.MAGIC_VALUE_V2) {
            return batch.streamingIterator(bufferSupplier);
        }
        DefaultRecordBatch loaded = batch instanceof DefaultRecordBatch inMemory ? inMemory : load(batch);
        return new CompressedIterator(loaded, maxDecompressedBytes, bufferSupplier);
    }

    /**
     * The records of a batch already in a log, for a reader of stored data (the cleaner, ListOffsets, coordinator
     * loading): bounded by the larger of {@code maxMessageBytes} and the batch's own size, so a batch accepted
     * under an earlier, larger max.message.bytes still reads.
     */
    public static CloseableIterator<Record> stored(RecordBatch batch, int maxMessageBytes) {
        return iterator(batch, decompressedLimit(Math.max(maxMessageBytes, batch.sizeInBytes())),
                BufferSupplier.NO_CACHING);
    }

    /** A batch read from a file, into memory: its compressed bytes, which the file already holds in full. */
    private static DefaultRecordBatch load(RecordBatch batch) {
        ByteBuffer buffer = ByteBuffer.allocate(batch.sizeInBytes());
        batch.writeTo(buffer);
        buffer.flip();
        return (DefaultRecordBatch) MemoryRecords.readableRecords(buffer).batches().iterator().next();
    }

    /** Streams a compressed batch's records, checking each declared size against the budget before reading it. */
    private static final class CompressedIterator implements CloseableIterator<Record> {
        private final InputStream in;
        private final long baseOffset;
        private final long baseTimestamp;
        private final int baseSequence;
        private final Long logAppendTime;
        private final int count;
        private int read;
        private long budget;

        CompressedIterator(DefaultRecordBatch batch, long budget, BufferSupplier bufferSupplier) {
            this.count = batch.countOrNull();
            if (count < 0) {
                throw new InvalidRecordException("Found invalid record count " + count + " in a batch");
            }
            this.baseOffset = batch.baseOffset();
            this.baseTimestamp = batch.baseTimestamp();
            this.baseSequence = batch.baseSequence();
            this.logAppendTime = batch.timestampType() == TimestampType.LOG_APPEND_TIME ? batch.maxTimestamp() : null;
            this.budget = budget;
            this.in = decompressing(() -> batch.recordInputStream(bufferSupplier));
        }

        @Override
        public boolean hasNext() {
            return read < count;
        }

        @Override
        public Record next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Record record = decompressing(this::readRecord);
            read++;
            if (read == count && decompressing(in::read) != -1) {
                throw new InvalidRecordException("Incorrect declared batch size, records still remaining in batch");
            }
            return record;
        }

        private Record readRecord() throws IOException {
            int size;
            try {
                size = ByteUtils.readVarint(in);
            } catch (IllegalArgumentException e) {
                throw new InvalidRecordException("Incorrect declared batch size, premature EOF reached", e);
            }
            if (size < 0) {
                throw new InvalidRecordException("Invalid record size " + size + " in a compressed batch");
            }
            int prefix = ByteUtils.sizeOfVarint(size);
            if (prefix + (long) size > budget) {
                throw new CorruptRecordException("Record " + read + " of a compressed batch declares " + size
                        + " bytes, more than the " + budget + " bytes left of the batch's decompression bound");
            }
            budget -= prefix + size;
            ByteBuffer buffer = readFramed(size, prefix);
            return DefaultRecord.readFrom(buffer, baseOffset, baseTimestamp, baseSequence, logAppendTime);
        }

        /** The record's size varint and body, as {@code DefaultRecord.readFrom(ByteBuffer, ...)} reads them. */
        private ByteBuffer readFramed(int size, int prefix) throws IOException {
            ByteBuffer buffer;
            if (size <= DIRECT_READ_BYTES) {
                buffer = ByteBuffer.allocate(prefix + size);
                ByteUtils.writeVarint(size, buffer);
                int got = in.readNBytes(buffer.array(), prefix, size);
                buffer.position(prefix + got);
            } else {
                byte[] body = in.readNBytes(size); // grows with what arrives, not with what is declared
                buffer = ByteBuffer.allocate(prefix + body.length);
                ByteUtils.writeVarint(size, buffer);
                buffer.put(body);
            }
            if (buffer.position() != prefix + size) {
                throw new InvalidRecordException("Invalid record size: expected " + size + " bytes in record payload, "
                        + "but the record payload reached EOF");
            }
            return buffer.flip();
        }

        @Override
        public void close() {
            try {
                in.close();
            } catch (IOException e) {
                throw new KafkaException("Failed to close a record stream", e);
            }
        }
    }

    private interface StreamRead<T> {
        T read() throws IOException;
    }

    /** Runs a read of the decompressed stream: a payload that does not decompress is an invalid record. */
    private static <T> T decompressing(StreamRead<T> read) {
        try {
            return read.read();
        } catch (IOException e) {
            throw new InvalidRecordException("The records of a compressed batch do not decompress: " + e, e);
        } catch (ApiException e) {
            throw e;
        } catch (KafkaException e) {
            throw new InvalidRecordException("The records of a compressed batch do not decompress: " + e, e);
        } catch (VirtualMachineError e) {
            throw e;
        } catch (RuntimeException | Error e) {
            // Codec libraries report malformed input their own way: snappy-java with an Error (SnappyError on a
            // negative chunk length), others with unchecked exceptions. Both mean the client's payload is bad.
            throw new InvalidRecordException("The records of a compressed batch do not decompress: " + e, e);
        }
    }
}
