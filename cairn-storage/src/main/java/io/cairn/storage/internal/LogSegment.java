package io.cairn.storage.internal;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import io.cairn.storage.AbortedTxn;
import io.cairn.storage.BoundedRecords;
import io.cairn.storage.TimestampAndOffset;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.record.internal.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.CloseableIterator;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One segment of a partition log: {@code <base>.log} with its {@code .index} and {@code .timeindex}, and a
 * {@code .txnindex} of the transactions aborted by markers in it once there is one.
 *
 * <p>Thread-safety: mutations (append, recover, roll-related trimming, rename, close) must be serialized
 * by the owning log; reads ({@link #read}, {@link #firstAtOrAfter}, the getters) may run concurrently
 * with one another and with appends, and only see whole batches.
 */
public final class LogSegment {

    private static final Logger log = LoggerFactory.getLogger(LogSegment.class);

    public static final String LOG_SUFFIX = ".log";
    public static final String INDEX_SUFFIX = ".index";
    public static final String TIME_INDEX_SUFFIX = ".timeindex";
    public static final String DELETED_SUFFIX = ".deleted";

    private final long baseOffset;
    private final FileRecords records;
    private final OffsetIndex offsetIndex;
    private final TimeIndex timeIndex;
    private final TransactionIndex txnIndex;
    private final int indexIntervalBytes;
    private int bytesSinceLastIndexEntry;
    private volatile long nextOffset;
    private volatile long maxTimestamp = RecordBatch.NO_TIMESTAMP;
    private volatile long lastOffsetOfMaxTimestamp = -1;
    /** When the first batch was appended (wall clock), or the first batch's timestamp for loaded segments. */
    private volatile long rollingBaseMs = -1;

    private LogSegment(long baseOffset, FileRecords records, OffsetIndex offsetIndex, TimeIndex timeIndex,
                       TransactionIndex txnIndex, int indexIntervalBytes) {
        this.baseOffset = baseOffset;
        this.records = records;
        this.offsetIndex = offsetIndex;
        this.timeIndex = timeIndex;
        this.txnIndex = txnIndex;
        this.indexIntervalBytes = indexIntervalBytes;
        this.nextOffset = baseOffset;
    }

    /** Opens (creating if absent) the files of the segment at {@code baseOffset} in {@code dir}. */
    public static LogSegment open(Path dir, long baseOffset, int indexIntervalBytes, int maxIndexSize)
            throws IOException {
        FileRecords records = FileRecords.open(file(dir, baseOffset, LOG_SUFFIX));
        OffsetIndex offsetIndex = new OffsetIndex(file(dir, baseOffset, INDEX_SUFFIX), baseOffset, maxIndexSize);
        TimeIndex timeIndex = new TimeIndex(file(dir, baseOffset, TIME_INDEX_SUFFIX), baseOffset, maxIndexSize);
        TransactionIndex txnIndex = TransactionIndex.open(file(dir, baseOffset, TransactionIndex.SUFFIX));
        return new LogSegment(baseOffset, records, offsetIndex, timeIndex, txnIndex, indexIntervalBytes);
    }

    public static File file(Path dir, long baseOffset, String suffix) {
        return dir.resolve(fileName(baseOffset) + suffix).toFile();
    }

    public static String fileName(long offset) {
        return String.format("%020d", offset);
    }

    /** Whether {@code stem} is a {@link #fileName} (20 digits, at most Long.MAX_VALUE); other files are not ours. */
    static boolean isOffsetName(String stem) {
        return stem.length() == 20 && stem.chars().allMatch(c -> c >= '0' && c <= '9')
                && stem.compareTo(fileName(Long.MAX_VALUE)) <= 0;
    }

    /**
     * Appends batches whose offsets are already assigned, adding index entries every
     * index.interval.bytes. {@code nowMs} is the wall clock, used to start the segment.ms clock.
     */
    public void append(MemoryRecords batches, long nowMs) throws IOException {
        int position = records.sizeInBytes();
        records.append(batches);
        for (RecordBatch batch : batches.batches()) {
            onBatchAppended(batch, position);
            position += batch.sizeInBytes();
        }
        if (rollingBaseMs < 0) {
            rollingBaseMs = nowMs;
        }
    }

    private void onBatchAppended(RecordBatch batch, int position) {
        if (batch.maxTimestamp() > maxTimestamp) {
            maxTimestamp = batch.maxTimestamp();
            lastOffsetOfMaxTimestamp = batch.lastOffset();
        }
        if (bytesSinceLastIndexEntry >= indexIntervalBytes && position > 0) {
            offsetIndex.append(batch.lastOffset(), position);
            timeIndex.maybeAppend(maxTimestamp, batch.lastOffset());
            bytesSinceLastIndexEntry = 0;
        }
        bytesSinceLastIndexEntry += batch.sizeInBytes();
        nextOffset = batch.nextOffset();
    }

    /**
     * Loads in-memory state of a segment that needs no recovery: the next offset and largest timestamp,
     * reading the batches after the last index entry.
     *
     * @return false if the indexes look corrupt or the batches after the last index entry do not read as whole
     *         batches up to the end of the file (the caller should {@link #recover} instead)
     */
    public boolean loadTrusted() {
        if (!offsetIndex.isSane(records.sizeInBytes()) || !timeIndex.isSane() || txnIndex.wasMalformed()) {
            return false;
        }
        maxTimestamp = timeIndex.lastTimestamp();
        lastOffsetOfMaxTimestamp = timeIndex.lastOffset();
        long position = offsetIndex.lastPosition();
        try {
            for (FileChannelRecordBatch batch : records.batchesFrom(offsetIndex.lastPosition())) {
                if (batch.maxTimestamp() > maxTimestamp) {
                    maxTimestamp = batch.maxTimestamp();
                    lastOffsetOfMaxTimestamp = batch.lastOffset();
                }
                nextOffset = batch.nextOffset();
                position += batch.sizeInBytes();
            }
        } catch (CorruptRecordException | KafkaStorageException | IllegalStateException e) {
            log.warn("Segment {} has an unreadable batch after position {}: {}; validating it whole",
                    records.file(), position, e.getMessage());
            return false;
        }
        if (position != records.sizeInBytes()) {
            log.warn("Segment {} has {} bytes after its last whole batch; validating it whole", records.file(),
                    records.sizeInBytes() - position);
            return false;
        }
        loadRollingBase();
        return true;
    }

    private void loadRollingBase() {
        for (FileChannelRecordBatch batch : records.batches()) {
            rollingBaseMs = batch.maxTimestamp();
            return;
        }
    }

    /** Sees each batch of a scan, in file order; the batch is valid only during the call (its bytes are reused). */
    @FunctionalInterface
    public interface BatchVisitor {
        void visit(RecordBatch batch) throws IOException;
    }

    /** {@link #recover(int, ByteBuffer, BatchVisitor)} with a buffer of its own and no visitor. */
    public int recover(int maxIndexSize) throws IOException {
        return recover(maxIndexSize, null, null);
    }

    /**
     * Validates every batch (size, magic, CRC, increasing offsets), truncates the file at the first
     * invalid or torn batch and rebuilds the offset and time indexes, in one pass over the file read in chunks
     * of {@code chunk} (null: one of its own). {@code visitor}, if any, sees each valid batch as it is indexed
     * (never one after the first invalid one); what it throws ends the recovery, the file untouched. The
     * transaction index is emptied: the caller rebuilds it from producer state ({@link LogLoader}).
     *
     * @return the number of bytes truncated
     */
    public int recover(int maxIndexSize, ByteBuffer chunk, BatchVisitor visitor) throws IOException {
        Validated validated = validateAndIndex(maxIndexSize, chunk, visitor);
        int truncated = records.sizeInBytes() - validated.validBytes();
        if (truncated > 0) {
            log.info("Segment {} has a corrupt batch at position {}: {}", records.file(), validated.validBytes(),
                    validated.problem());
            records.truncateTo(validated.validBytes());
        }
        return truncated;
    }

    /**
     * As {@link #recover}, for a segment whose data was flushed (below the recovery point): the indexes are
     * rebuilt, but invalid data is never truncated, since it may hold acknowledged records.
     *
     * @throws KafkaStorageException a batch is invalid (the file is left as it is); the message names the file,
     *                               the position and the problem
     */
    public void rebuildIndexes(int maxIndexSize, ByteBuffer chunk, BatchVisitor visitor) throws IOException {
        Validated validated = validateAndIndex(maxIndexSize, chunk, visitor);
        if (validated.validBytes() < records.sizeInBytes()) {
            throw new KafkaStorageException("Segment " + records.file() + " is corrupt at position "
                    + validated.validBytes() + " of " + records.sizeInBytes() + " (" + validated.problem()
                    + "); it is below the recovery point, so it is not truncated");
        }
    }

    /**
     * Every batch of the segment, in file order, read in chunks of {@code chunk} (null: one of its own), without
     * validation: where {@code records().batches()} would end or throw, so does this.
     */
    public void scan(ByteBuffer chunk, BatchVisitor visitor) throws IOException {
        int end = records.sizeInBytes();
        if (end == 0) {
            return;
        }
        BatchScanner scanner = new BatchScanner(records.channel(), 0, end,
                chunk != null ? chunk : BatchScanner.chunkFor(end));
        for (BatchScanner.Batch batch = scanner.next(); batch != null; batch = scanner.next()) {
            if (batch.magic != RecordBatch.MAGIC_VALUE_V2 || !BatchScanner.holdsHeader(batch)) {
                throw new CorruptRecordException("Segment " + records.file() + " has a batch of magic "
                        + batch.magic + " and " + batch.sizeInBytes + " bytes at position " + batch.position);
            }
            visitor.visit(batch.recordBatch());
        }
    }

    private record Validated(int validBytes, String problem) {
    }

    private Validated validateAndIndex(int maxIndexSize, ByteBuffer chunk, BatchVisitor visitor) throws IOException {
        offsetIndex.reset();
        timeIndex.reset();
        txnIndex.reset();
        offsetIndex.resize(maxIndexSize);
        timeIndex.resize(maxIndexSize);
        bytesSinceLastIndexEntry = 0;
        nextOffset = baseOffset;
        maxTimestamp = RecordBatch.NO_TIMESTAMP;
        lastOffsetOfMaxTimestamp = -1;
        rollingBaseMs = -1;
        int end = records.sizeInBytes();
        int validBytes = 0;
        String problem = "bytes after the last whole batch";
        if (end == 0) {
            return new Validated(0, problem);
        }
        BatchScanner scanner = new BatchScanner(records.channel(), 0, end,
                chunk != null ? chunk : BatchScanner.chunkFor(end));
        while (true) {
            RecordBatch batch;
            try {
                BatchScanner.Batch read = scanner.next();
                if (read == null) {
                    break;
                }
                problem = invalidNext(read);
                if (problem != null) {
                    break;
                }
                batch = read.recordBatch();
            } catch (CorruptRecordException | KafkaStorageException | IllegalStateException e) {
                problem = e.getMessage();
                break;
            }
            // The visitor's own failures are not corruption: they propagate, the file untouched.
            onBatchAppended(batch, validBytes);
            if (validBytes == 0) {
                rollingBaseMs = batch.maxTimestamp();
            }
            validBytes += batch.sizeInBytes();
            if (visitor != null) {
                visitor.visit(batch);
            }
        }
        return new Validated(validBytes, problem);
    }

    /** What is wrong with {@code read} as the next batch of this segment, or null if nothing. */
    private String invalidNext(BatchScanner.Batch read) {
        if (read.magic != RecordBatch.MAGIC_VALUE_V2) {
            return "magic " + read.magic + " at offset " + read.headerOffset;
        }
        if (!BatchScanner.holdsHeader(read)) {
            return "a batch of " + read.sizeInBytes + " bytes, shorter than a batch header, at offset "
                    + read.headerOffset;
        }
        RecordBatch batch = read.recordBatch();
        if (batch.baseOffset() < nextOffset || batch.lastOffset() < batch.baseOffset()
                || batch.lastOffset() - baseOffset > Integer.MAX_VALUE) {
            return "offsets " + batch.baseOffset() + "-" + batch.lastOffset() + " out of order";
        }
        if (!batch.isValid()) {
            return "bad CRC of the batch at offset " + batch.baseOffset();
        }
        return null;
    }

    /**
     * Reads whole batches from the one containing {@code startOffset}.
     *
     * @return the batches, empty if none fit, or empty Optional if no batch here reaches startOffset
     */
    public Optional<FileRecords> read(long startOffset, int maxBytes, long maxOffsetExclusive, boolean minOneBatch) {
        int fileEnd = records.sizeInBytes();
        FileRecords.LogOffsetPosition start = records.searchForOffsetFromPosition(startOffset,
                offsetIndex.lookup(startOffset));
        if (start == null || start.position >= fileEnd) {
            return Optional.empty();
        }
        int size = 0;
        for (FileChannelRecordBatch batch : records.batchesFrom(start.position)) {
            if (batch.baseOffset() >= maxOffsetExclusive || start.position + size + batch.sizeInBytes() > fileEnd) {
                break;
            }
            boolean fits = (long) size + batch.sizeInBytes() <= maxBytes;
            if (!fits && !(size == 0 && minOneBatch)) {
                break;
            }
            size += batch.sizeInBytes();
        }
        return Optional.of(records.slice(start.position, size));
    }

    /**
     * The first record with a timestamp at or above {@code target} and an offset in
     * [{@code minOffset}, {@code maxOffsetExclusive}), using the time index to skip ahead. A compressed batch's
     * records are read under the decompression bound of {@code maxMessageBytes} ({@link BoundedRecords#stored}).
     *
     * @throws org.apache.kafka.common.InvalidRecordException        a batch's records are malformed
     * @throws org.apache.kafka.common.errors.CorruptRecordException a record is over the decompression bound
     */
    public Optional<TimestampAndOffset> firstAtOrAfter(long target, long minOffset, long maxOffsetExclusive,
                                                       int maxMessageBytes) {
        long afterOffset = target == Long.MIN_VALUE ? baseOffset - 1 : timeIndex.offsetBefore(target);
        afterOffset = Math.max(afterOffset, minOffset - 1);
        int position = offsetIndex.lookup(afterOffset + 1);
        for (FileChannelRecordBatch batch : records.batchesFrom(position)) {
            if (batch.baseOffset() >= maxOffsetExclusive) {
                break;
            }
            if (batch.lastOffset() <= afterOffset || batch.maxTimestamp() < target) {
                continue;
            }
            try (CloseableIterator<Record> records = BoundedRecords.stored(batch, maxMessageBytes)) {
                while (records.hasNext()) {
                    Record record = records.next();
                    if (record.offset() > afterOffset && record.offset() < maxOffsetExclusive
                            && record.timestamp() >= target) {
                        return Optional.of(new TimestampAndOffset(record.timestamp(), record.offset(),
                                batch.partitionLeaderEpoch()));
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** Records the final time index entry and shrinks both indexes: the segment takes no more appends. */
    public void onRolled() throws IOException {
        timeIndex.maybeAppend(maxTimestamp, Math.max(lastOffsetOfMaxTimestamp, nextOffset - 1));
        offsetIndex.trimToValidSize();
        timeIndex.trimToValidSize();
    }

    /** Makes this the active segment again (after a reopen): indexes get room to grow. */
    public void onActive(int maxIndexSize) throws IOException {
        offsetIndex.resize(maxIndexSize);
        timeIndex.resize(maxIndexSize);
    }

    public boolean indexesFull() {
        return offsetIndex.isFull() || timeIndex.isFull();
    }

    public void flush() throws IOException {
        records.flush();
        offsetIndex.flush();
        timeIndex.flush();
        txnIndex.flush();
    }

    /** Records a transaction aborted by a marker in this segment. */
    public void appendAborted(AbortedTxn txn) throws IOException {
        txnIndex.append(txn);
    }

    /** See {@link TransactionIndex#collect}. */
    public boolean collectAborted(long fetchOffset, long upperBoundOffset, List<AbortedTxn> out) {
        return txnIndex.collect(fetchOffset, upperBoundOffset, out);
    }

    /** The transactions aborted by markers in this segment, in marker order. */
    public List<AbortedTxn> abortedTxns() {
        return txnIndex.entries();
    }

    /** Renames all files with the {@code .deleted} suffix; open readers keep working. */
    public void renameToDeleted() throws IOException {
        records.renameTo(new File(records.file().getPath() + DELETED_SUFFIX));
        offsetIndex.renameTo(new File(offsetIndex.file().getPath() + DELETED_SUFFIX));
        timeIndex.renameTo(new File(timeIndex.file().getPath() + DELETED_SUFFIX));
        txnIndex.renameTo(new File(txnIndex.file().getPath() + DELETED_SUFFIX));
    }

    /** Moves the segment's files into {@code targetDir}, replacing files of the same name (compaction swap). */
    public void moveTo(Path targetDir) throws IOException {
        records.renameTo(file(targetDir, baseOffset, LOG_SUFFIX));
        offsetIndex.renameTo(file(targetDir, baseOffset, INDEX_SUFFIX));
        timeIndex.renameTo(file(targetDir, baseOffset, TIME_INDEX_SUFFIX));
        txnIndex.renameTo(file(targetDir, baseOffset, TransactionIndex.SUFFIX));
    }

    /** Closes the file and removes all files. */
    public void deleteFiles() throws IOException {
        records.closeHandlers();
        records.deleteIfExists();
        offsetIndex.deleteIfExists();
        timeIndex.deleteIfExists();
        txnIndex.deleteIfExists();
    }

    public void close() throws IOException {
        onRolled();
        records.close();
        txnIndex.flush();
        txnIndex.close();
    }

    /** Closes file handles without touching contents (used when abandoning files). */
    public void closeHandlers() throws IOException {
        records.closeHandlers();
        txnIndex.close();
    }

    public long baseOffset() {
        return baseOffset;
    }

    public long nextOffset() {
        return nextOffset;
    }

    public int sizeInBytes() {
        return records.sizeInBytes();
    }

    public boolean isEmpty() {
        return records.sizeInBytes() == 0;
    }

    public long maxTimestamp() {
        return maxTimestamp;
    }

    public long rollingBaseMs() {
        return rollingBaseMs;
    }

    public FileRecords records() {
        return records;
    }

    @Override
    public String toString() {
        return "LogSegment(base=" + baseOffset + ", next=" + nextOffset + ", size=" + sizeInBytes() + ")";
    }

    /**
     * Removes every batch that ends at or after {@code offset}: the file is cut at the start of the batch
     * containing {@code offset} (in place, as Kafka does; readers holding a slice of the removed bytes may
     * fail to read them, but nothing else breaks), index entries of removed batches are dropped and the
     * in-memory state (next offset, largest timestamp) recomputed. Must be serialized with appends.
     *
     * @return the number of bytes removed
     */
    public int truncateTo(long offset) throws IOException {
        FileRecords.LogOffsetPosition cut = records.searchForOffsetFromPosition(offset, offsetIndex.lookup(offset));
        if (cut == null) {
            return 0;
        }
        offsetIndex.truncateTo(offset);
        timeIndex.truncateTo(offset);
        txnIndex.truncateTo(offset);
        int removed = records.truncateTo(cut.position);
        maxTimestamp = timeIndex.lastTimestamp();
        lastOffsetOfMaxTimestamp = timeIndex.lastOffset();
        long lastOffset = -1;
        bytesSinceLastIndexEntry = 0;
        for (FileChannelRecordBatch batch : records.batchesFrom(offsetIndex.lastPosition())) {
            if (batch.maxTimestamp() > maxTimestamp) {
                maxTimestamp = batch.maxTimestamp();
                lastOffsetOfMaxTimestamp = batch.lastOffset();
            }
            bytesSinceLastIndexEntry += batch.sizeInBytes();
            lastOffset = batch.lastOffset();
        }
        nextOffset = lastOffset < 0 ? baseOffset : lastOffset + 1;
        if (isEmpty()) {
            rollingBaseMs = -1;
            maxTimestamp = RecordBatch.NO_TIMESTAMP;
            lastOffsetOfMaxTimestamp = -1;
        }
        return removed;
    }
}
