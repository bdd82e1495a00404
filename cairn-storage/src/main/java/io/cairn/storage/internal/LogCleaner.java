package io.cairn.storage.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Stream;

import io.cairn.storage.AbortedTxn;
import io.cairn.storage.BoundedRecords;
import io.cairn.storage.LogConfig;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.utils.ByteBufferOutputStream;
import org.apache.kafka.common.utils.CloseableIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Log compaction for cleanup.policy=compact: rewrites closed segments keeping only the latest record of
 * each key, and drops a key's tombstone (null value) once it is older than delete.retention.ms. Data of aborted
 * transactions is dropped and never counts as a key's latest record. A transaction marker is kept while any
 * record of its transaction is; the cleaning that finds none left stamps the marker's batch with a delete horizon
 * of delete.retention.ms from then (so that a consumer that read the transaction's data sees it end), and a
 * cleaning after the horizon drops it, as Kafka does (KIP-534). The segments' aborted-transaction index entries are
 * kept (offsets do not change; an entry whose data is gone filters nothing). Runs when the uncleaned ("dirty")
 * share of the closed log reaches min.cleanable.dirty.ratio.
 *
 * <p>Cleaned segments are written into {@code .cleaner-swap/} beside the log, flushed, and marked ready;
 * the owning log then swaps them in under its lock: the old segments are renamed {@code .deleted} (readers
 * holding them keep reading) and deleted after file.delete.delay.ms, the new files are moved into place,
 * and readers see the new segment list in one volatile write. A crash during the swap is completed at the
 * next load ({@link #completeInterruptedSwap}). The active segment and anything at or above the last
 * stable offset are never cleaned. Offsets are kept; only records disappear.
 *
 * <p>Stateless; a log is cleaned by one thread at a time (LogManager's single cleaner task).
 */
public final class LogCleaner {

    private static final Logger log = LoggerFactory.getLogger(LogCleaner.class);

    public static final String SWAP_DIR = ".cleaner-swap";
    public static final String READY_MARKER = "ready";
    public static final String CHECKPOINT = "cleaner-offset-checkpoint";

    private LogCleaner() {
    }

    /** What to clean: closed segments below the high watermark; the dirty part starts at firstDirty. */
    public record Plan(List<LogSegment> segments, long firstDirty, long endOffset, double dirtyRatio) {
    }

    /** Cleaned segments written in the swap directory, ready to replace {@code replaced}. */
    public record Cleaned(List<LogSegment> replaced, List<LogSegment> replacements, long recordsBefore,
                          long recordsAfter, long bytesBefore, long bytesAfter) {
    }

    /** Decides whether the cleanable segments are dirty enough; null when not. */
    public static Plan plan(List<LogSegment> cleanable, long firstDirty, double minCleanableDirtyRatio) {
        if (cleanable.isEmpty()) {
            return null;
        }
        long dirty = 0;
        long total = 0;
        for (LogSegment segment : cleanable) {
            total += segment.sizeInBytes();
            if (segment.nextOffset() > firstDirty) {
                dirty += segment.sizeInBytes();
            }
        }
        if (dirty == 0 || total == 0) {
            return null;
        }
        double ratio = (double) dirty / total;
        if (ratio < minCleanableDirtyRatio) {
            return null;
        }
        return new Plan(List.copyOf(cleanable), firstDirty, cleanable.get(cleanable.size() - 1).nextOffset(), ratio);
    }

    /**
     * Writes the cleaned segments of the plan into the swap directory and marks them ready.
     *
     * @param aborted the aborted transactions overlapping the plan's offsets
     */
    public static Cleaned clean(Path dir, Plan plan, List<AbortedTxn> aborted, LogConfig config, long nowMs)
            throws IOException {
        Map<Long, List<AbortedTxn>> abortedByProducer = new HashMap<>();
        for (AbortedTxn txn : aborted) {
            abortedByProducer.computeIfAbsent(txn.producerId(), id -> new ArrayList<>()).add(txn);
        }
        Map<ByteBuffer, Long> latest = new HashMap<>();
        for (LogSegment segment : plan.segments()) {
            for (FileChannelRecordBatch batch : segment.records().batches()) {
                if (batch.isControlBatch() || isAborted(batch, abortedByProducer)) {
                    continue;
                }
                try (CloseableIterator<Record> records = records(batch, config)) {
                    while (records.hasNext()) {
                        Record record = records.next();
                        if (record.hasKey()) {
                            latest.put(copy(record.key()), record.offset());
                        }
                    }
                }
            }
        }
        Path swap = dir.resolve(SWAP_DIR);
        deleteRecursively(swap);
        Files.createDirectories(swap);
        long deleteHorizonMs = nowMs - config.deleteRetentionMs();
        List<LogSegment> replacements = new ArrayList<>();
        List<Long> oldBases = new ArrayList<>();
        long recordsBefore = 0;
        long recordsAfter = 0;
        long bytesBefore = 0;
        // Per producer: whether a record of its transaction being read (since its previous marker) is kept. Every
        // transaction below the cleaning bound has ended, and its data lies before its marker, in the plan.
        Map<Long, Boolean> transactionDataKept = new HashMap<>();
        try {
            for (List<LogSegment> group : groups(plan.segments(), config.segmentBytes())) {
                LogSegment target = LogSegment.open(swap, group.get(0).baseOffset(), config.indexIntervalBytes(),
                        config.segmentIndexBytes());
                replacements.add(target);
                for (LogSegment source : group) {
                    oldBases.add(source.baseOffset());
                    bytesBefore += source.sizeInBytes();
                    for (AbortedTxn txn : source.abortedTxns()) {
                        target.appendAborted(txn);
                    }
                    for (FileChannelRecordBatch batch : source.records().batches()) {
                        if (batch.isControlBatch() && batch.hasProducerId()) {
                            boolean dataKept = Boolean.TRUE.equals(transactionDataKept.remove(batch.producerId()));
                            if (!dataKept) {
                                // A marker with nothing left to mark: Kafka's rule (KIP-534), kept for
                                // delete.retention.ms from the cleaning that first finds it so, then dropped.
                                recordsBefore++;
                                OptionalLong horizon = batch.deleteHorizonMs();
                                if (horizon.isEmpty()) {
                                    recordsAfter++;
                                    target.append(withDeleteHorizon(batch, config, nowMs + config.deleteRetentionMs()),
                                            nowMs);
                                } else if (horizon.getAsLong() > nowMs) {
                                    recordsAfter++;
                                    target.append(whole(batch), nowMs);
                                }
                                continue;
                            }
                        }
                        List<Record> kept = new ArrayList<>();
                        int count = 0;
                        boolean abortedData = isAborted(batch, abortedByProducer);
                        try (CloseableIterator<Record> records = records(batch, config)) {
                            while (records.hasNext()) {
                                Record record = records.next();
                                count++;
                                if (!abortedData && keep(record, latest, deleteHorizonMs, batch)) {
                                    kept.add(record);
                                }
                            }
                        }
                        recordsBefore += count;
                        recordsAfter += kept.size();
                        if (kept.isEmpty()) {
                            continue;
                        }
                        if (batch.isTransactional() && !batch.isControlBatch()) {
                            transactionDataKept.put(batch.producerId(), true);
                        }
                        target.append(kept.size() == count ? whole(batch) : rebuild(batch, kept), nowMs);
                    }
                }
                target.onRolled();
                target.flush();
            }
        } catch (RuntimeException e) {
            // An unreadable batch: nothing is swapped in, the log stays as it was.
            for (LogSegment replacement : replacements) {
                replacement.closeHandlers();
            }
            deleteRecursively(swap);
            throw e;
        }
        StringBuilder marker = new StringBuilder();
        oldBases.forEach(base -> marker.append(base).append('\n'));
        Checkpoints.writeAtomically(swap.resolve(READY_MARKER), marker.toString().getBytes(StandardCharsets.UTF_8));
        long bytesAfter = replacements.stream().mapToLong(LogSegment::sizeInBytes).sum();
        return new Cleaned(plan.segments(), replacements, recordsBefore, recordsAfter, bytesBefore, bytesAfter);
    }

    /** A stored batch's records, read under the decompression bound ({@link BoundedRecords#stored}). */
    private static CloseableIterator<Record> records(RecordBatch batch, LogConfig config) {
        return BoundedRecords.stored(batch, config.maxMessageBytes());
    }

    /** Whether a batch is data of a transaction its producer aborted. */
    private static boolean isAborted(RecordBatch batch, Map<Long, List<AbortedTxn>> abortedByProducer) {
        if (!batch.isTransactional() || batch.isControlBatch()) {
            return false;
        }
        List<AbortedTxn> txns = abortedByProducer.get(batch.producerId());
        if (txns == null) {
            return false;
        }
        for (AbortedTxn txn : txns) {
            if (batch.baseOffset() >= txn.firstOffset() && batch.baseOffset() < txn.lastOffset()) {
                return true;
            }
        }
        return false;
    }

    private static boolean keep(Record record, Map<ByteBuffer, Long> latest, long deleteHorizonMs,
                                RecordBatch batch) {
        if (batch.isControlBatch() || !record.hasKey()) {
            return true;
        }
        Long newest = latest.get(record.key());
        if (newest != null && newest != record.offset()) {
            return false;
        }
        if (!record.hasValue()) {
            // A tombstone stays long enough for every consumer to see the deletion.
            long timestamp = record.timestamp() >= 0 ? record.timestamp() : batch.maxTimestamp();
            return timestamp > deleteHorizonMs;
        }
        return true;
    }

    /** Consecutive segments merged while their combined size stays within segment.bytes. */
    private static List<List<LogSegment>> groups(List<LogSegment> segments, int segmentBytes) {
        List<List<LogSegment>> groups = new ArrayList<>();
        List<LogSegment> current = new ArrayList<>();
        long size = 0;
        for (LogSegment segment : segments) {
            boolean fitsOffsets = current.isEmpty()
                    || segment.nextOffset() - current.get(0).baseOffset() <= Integer.MAX_VALUE;
            if (!current.isEmpty() && (size + segment.sizeInBytes() > segmentBytes || !fitsOffsets)) {
                groups.add(current);
                current = new ArrayList<>();
                size = 0;
            }
            current.add(segment);
            size += segment.sizeInBytes();
        }
        if (!current.isEmpty()) {
            groups.add(current);
        }
        return groups;
    }

    private static MemoryRecords whole(FileChannelRecordBatch batch) {
        ByteBuffer buffer = ByteBuffer.allocate(batch.sizeInBytes());
        batch.writeTo(buffer);
        buffer.flip();
        return MemoryRecords.readableRecords(buffer);
    }

    /** A control batch rewritten with its delete horizon set (the batch header's, as Kafka's cleaner sets it). */
    private static MemoryRecords withDeleteHorizon(RecordBatch batch, LogConfig config, long deleteHorizonMs) {
        ByteBuffer buffer = ByteBuffer.allocate(Math.max(64, batch.sizeInBytes() + 16));
        MemoryRecordsBuilder builder = new MemoryRecordsBuilder(new ByteBufferOutputStream(buffer),
                RecordBatch.MAGIC_VALUE_V2,
                Compression.NONE, batch.timestampType(), batch.baseOffset(), batch.maxTimestamp(),
                batch.producerId(), batch.producerEpoch(), batch.baseSequence(), batch.isTransactional(), true,
                batch.partitionLeaderEpoch(), buffer.capacity(), deleteHorizonMs);
        try (CloseableIterator<Record> records = records(batch, config)) {
            while (records.hasNext()) {
                Record record = records.next();
                builder.appendControlRecordWithOffset(record.offset(), new SimpleRecord(record));
            }
        }
        return builder.build();
    }

    private static MemoryRecords rebuild(RecordBatch batch, List<Record> kept) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(Math.max(64, batch.sizeInBytes())),
                RecordBatch.MAGIC_VALUE_V2, Compression.of(batch.compressionType()).build(), batch.timestampType(),
                kept.get(0).offset(), batch.maxTimestamp(), batch.producerId(), batch.producerEpoch(),
                batch.baseSequence(), batch.isTransactional(), batch.partitionLeaderEpoch());
        for (Record record : kept) {
            builder.appendWithOffset(record.offset(), record);
        }
        return builder.build();
    }

    private static ByteBuffer copy(ByteBuffer key) {
        ByteBuffer copy = ByteBuffer.allocate(key.remaining());
        copy.put(key.duplicate());
        copy.flip();
        return copy;
    }

    /**
     * Swaps cleaned segments in: old files renamed {@code .deleted} (through the deleter), new files moved
     * into place, the swap directory removed. Caller holds the log's lock and publishes the new segment list.
     */
    public static void swap(Path dir, Cleaned cleaned, SegmentDeleter deleter, long deleteDueMs) throws IOException {
        deleter.schedule(cleaned.replaced(), deleteDueMs);
        for (LogSegment replacement : cleaned.replacements()) {
            replacement.moveTo(dir);
        }
        deleteRecursively(dir.resolve(SWAP_DIR));
    }

    /** Abandons cleaned segments that could not be swapped in (the log changed meanwhile). */
    public static void abort(Path dir, Cleaned cleaned) throws IOException {
        for (LogSegment replacement : cleaned.replacements()) {
            replacement.closeHandlers();
        }
        deleteRecursively(dir.resolve(SWAP_DIR));
    }

    /**
     * At load: finishes a swap that a crash interrupted (the cleaned segments were ready), or discards
     * cleaned segments that were not ready yet.
     */
    public static void completeInterruptedSwap(Path dir) throws IOException {
        Path swap = dir.resolve(SWAP_DIR);
        if (!Files.isDirectory(swap)) {
            return;
        }
        Path marker = swap.resolve(READY_MARKER);
        if (Files.exists(marker)) {
            Set<String> fresh = new HashSet<>();
            try (Stream<Path> files = Files.list(swap)) {
                files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(LogSegment.LOG_SUFFIX))
                        .forEach(n -> fresh.add(n.substring(0, n.length() - LogSegment.LOG_SUFFIX.length())));
            }
            for (String line : Files.readAllLines(marker, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                String name = LogSegment.fileName(Long.parseLong(line.trim()));
                boolean replacedByFresh = fresh.contains(name);
                boolean alreadyMoved = !replacedByFresh && Files.exists(dir.resolve(name + LogSegment.LOG_SUFFIX))
                        && isBaseOfCleaned(marker, name);
                if (!alreadyMoved) {
                    for (String suffix : List.of(LogSegment.LOG_SUFFIX, LogSegment.INDEX_SUFFIX,
                            LogSegment.TIME_INDEX_SUFFIX, TransactionIndex.SUFFIX)) {
                        Files.deleteIfExists(dir.resolve(name + suffix));
                    }
                }
            }
            try (Stream<Path> files = Files.list(swap)) {
                for (Path file : files.filter(p -> !p.getFileName().toString().equals(READY_MARKER)).toList()) {
                    Files.move(file, dir.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            log.info("Completed an interrupted compaction swap in {}", dir);
        }
        deleteRecursively(swap);
    }

    /**
     * Whether the segment file {@code name}.log in the log directory is a cleaned one already moved into
     * place: the swap renames every old segment to {@code .deleted} before moving any cleaned file, so a
     * present file with a {@code .deleted} twin is a moved cleaned segment.
     */
    private static boolean isBaseOfCleaned(Path marker, String name) {
        return Files.exists(marker.getParent().getParent().resolve(name + LogSegment.LOG_SUFFIX
                + LogSegment.DELETED_SUFFIX));
    }

    static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
