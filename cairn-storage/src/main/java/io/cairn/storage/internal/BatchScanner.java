package io.cairn.storage.internal;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.record.internal.LegacyRecord;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.Records;

/**
 * Reads the batches of a segment file front to back in large chunks (one read of up to {@link #CHUNK_BYTES} into a
 * reusable buffer, then batches sliced out of it in memory; a batch cut by the chunk's end is read again at the
 * start of the next chunk, one larger than the buffer is read on its own), where
 * {@code FileRecords.batches()} costs two or three small reads per batch. It ends where
 * {@code FileRecords.batches()} ends: when fewer than {@link Records#HEADER_SIZE_UP_TO_MAGIC} bytes are left, or
 * the next batch's length runs past the end (a torn tail); a length below {@link LegacyRecord#RECORD_OVERHEAD_V0}
 * throws {@link CorruptRecordException}, as there.
 *
 * <p>A {@link Batch} (and the {@link RecordBatch} it gives) is valid until the next call of {@link #next}; its
 * bytes are then overwritten. Not thread-safe: one scanner per thread.
 */
final class BatchScanner {

    /** The chunk read at once: large enough that reads are few, small enough to keep one per loading thread. */
    static final int CHUNK_BYTES = 4 * 1024 * 1024;

    private final FileChannel channel;
    private final int end;
    private final ByteBuffer chunk;
    /** The file position of {@code chunk}'s first byte; its valid bytes are [0, chunk.limit()). */
    private long chunkStart;
    private int position;

    /** One batch as read: where it starts in the file, its length (log overhead included), magic, bytes. */
    static final class Batch {
        int position;
        int sizeInBytes;
        long headerOffset;
        byte magic;
        ByteBuffer bytes;
        private MutableRecordBatch batch;

        /** The batch's bytes as a record batch (only for magic 2 and at least a batch header of bytes). */
        RecordBatch recordBatch() {
            if (batch == null) {
                batch = MemoryRecords.readableRecords(bytes).batchIterator().next();
            }
            return batch;
        }
    }

    private final Batch current = new Batch();

    /**
     * Scans {@code channel} from {@code start} to {@code end} (exclusive; the file's size as
     * {@code FileRecords.sizeInBytes()} gives it) through {@code chunk}, whose contents it overwrites.
     */
    BatchScanner(FileChannel channel, int start, int end, ByteBuffer chunk) {
        this.channel = channel;
        this.position = start;
        this.end = end;
        this.chunk = chunk;
        this.chunk.clear().limit(0);
        this.chunkStart = start;
    }

    /** A buffer for scanning {@code bytes} bytes at most: a direct one of at most {@link #CHUNK_BYTES}. */
    static ByteBuffer chunkFor(long bytes) {
        return ByteBuffer.allocateDirect((int) Math.max(64 * 1024, Math.min(CHUNK_BYTES, bytes)));
    }

    /** The file position after the last batch returned. */
    int position() {
        return position;
    }

    /**
     * The next batch, or null at the end.
     *
     * @throws CorruptRecordException the next batch's length is below the smallest batch overhead
     * @throws IOException            the file cannot be read
     */
    Batch next() throws IOException {
        if (position >= end - Records.HEADER_SIZE_UP_TO_MAGIC) {
            return null;
        }
        ByteBuffer header = window(position, Records.HEADER_SIZE_UP_TO_MAGIC);
        int at = header.position();
        long offset = header.getLong(at + Records.OFFSET_OFFSET);
        int size = header.getInt(at + Records.SIZE_OFFSET);
        byte magic = header.get(at + Records.MAGIC_OFFSET);
        if (size < LegacyRecord.RECORD_OVERHEAD_V0) {
            throw new CorruptRecordException(String.format("Found record size %d smaller than minimum record "
                    + "overhead (%d) at position %d.", size, LegacyRecord.RECORD_OVERHEAD_V0, position));
        }
        if (position > end - Records.LOG_OVERHEAD - size) {
            return null;
        }
        int total = Records.LOG_OVERHEAD + size;
        ByteBuffer bytes;
        if (total > chunk.capacity()) {
            bytes = ByteBuffer.allocate(total);
            readFully(bytes, position);
            bytes.flip();
        } else {
            bytes = window(position, total);
        }
        current.position = position;
        current.sizeInBytes = total;
        current.headerOffset = offset;
        current.magic = magic;
        current.bytes = bytes.slice(bytes.position(), total);
        current.batch = null;
        position += total;
        return current;
    }

    /** A buffer whose [position, position + length) are the file's bytes [filePosition, filePosition + length). */
    private ByteBuffer window(long filePosition, int length) throws IOException {
        if (filePosition < chunkStart || filePosition + length > chunkStart + chunk.limit()) {
            chunk.clear();
            chunk.limit((int) Math.min(chunk.capacity(), end - filePosition));
            readFully(chunk, filePosition);
            chunk.flip();
            chunkStart = filePosition;
        }
        return chunk.duplicate().position((int) (filePosition - chunkStart));
    }

    private void readFully(ByteBuffer buffer, long filePosition) throws IOException {
        long at = filePosition;
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, at);
            if (read < 0) {
                throw new EOFException("The file ended at " + at + " while reading " + buffer.remaining()
                        + " more bytes (expected " + end + " bytes)");
            }
            at += read;
        }
    }

    /** Whether {@code batch} holds at least a whole v2 batch header (shorter ones are never valid). */
    static boolean holdsHeader(Batch batch) {
        return batch.sizeInBytes >= DefaultRecordBatch.RECORD_BATCH_OVERHEAD;
    }
}
