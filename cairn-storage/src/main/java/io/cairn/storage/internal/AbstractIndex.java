package io.cairn.storage.internal;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;

import org.apache.kafka.common.errors.KafkaStorageException;

/**
 * A memory-mapped file of fixed-size entries, appended in order, searched by binary search.
 * A new index creates its file on the first entry, preallocated to the maximum index size; an existing
 * file is mapped at its current length (it was trimmed when its segment was rolled or closed) until
 * {@link #resize} grows it. An empty index may have no file at all.
 *
 * <p>Thread-safety: one writer (the owning log's append lock) and any number of concurrent readers.
 * Writes use absolute puts and publish by bumping the volatile entry count, so readers only ever look
 * at entries that were fully written.
 */
abstract class AbstractIndex implements AutoCloseable {

    protected final long baseOffset;
    private final int entrySize;
    private volatile File file;
    private volatile MappedByteBuffer mmap;
    private volatile int entries;
    private volatile int maxEntries;

    AbstractIndex(File file, long baseOffset, int maxIndexSize, int entrySize) throws IOException {
        this.file = file;
        this.baseOffset = baseOffset;
        this.entrySize = entrySize;
        long existing = file.length();
        if (existing == 0) {
            // New, or trimmed empty: created on the first entry (a new partition's creation then costs one
            // file, not three: Kafka's LazyIndex does the same).
            this.entries = 0;
            this.maxEntries = roundDown(maxIndexSize) / entrySize;
            return;
        }
        try (RandomAccessFile raf = new RandomAccessFile(file, "rw")) {
            long length = existing - existing % entrySize;
            raf.setLength(length);
            this.entries = (int) (length / entrySize);
            map(raf, length);
        }
    }

    private int roundDown(long size) {
        return (int) Math.max(entrySize, size - size % entrySize);
    }

    private void map(RandomAccessFile raf, long length) throws IOException {
        this.mmap = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, length);
        this.maxEntries = (int) (length / entrySize);
    }

    /** Grows (or shrinks, never below the entries) the file and its mapping to {@code maxIndexSize}. */
    public synchronized void resize(int maxIndexSize) throws IOException {
        long length = Math.max(roundDown(maxIndexSize), (long) entries * entrySize);
        remap(length);
    }

    /** Shrinks the file to its entries, so that a reopen knows the entry count from the file length. */
    public synchronized void trimToValidSize() throws IOException {
        remap((long) entries * entrySize);
    }

    private void remap(long length) throws IOException {
        if (mmap == null) {
            maxEntries = (int) (length / entrySize);
            return;
        }
        if (length == (long) maxEntries * entrySize && file.length() == length) {
            return;
        }
        mmap.force();
        try (RandomAccessFile raf = new RandomAccessFile(file, "rw")) {
            raf.setLength(length);
            map(raf, length);
        }
    }

    public int entries() {
        return entries;
    }

    public boolean isFull() {
        return entries >= maxEntries;
    }

    /** Forgets every entry (used before rebuilding the index from the log). */
    public void reset() {
        entries = 0;
    }

    /** Keeps only the first {@code count} entries. */
    protected void truncateEntries(int count) {
        entries = Math.min(entries, count);
    }

    /**
     * The mapping, created with the file on first use: readers only call this when {@link #entries()} is
     * positive, so the file exists by then; the writer creates it before its first entry.
     */
    protected MappedByteBuffer buffer() {
        MappedByteBuffer buf = mmap;
        return buf != null ? buf : materialize();
    }

    private synchronized MappedByteBuffer materialize() {
        if (mmap == null) {
            try (RandomAccessFile raf = new RandomAccessFile(file, "rw")) {
                long length = (long) maxEntries * entrySize;
                raf.setLength(length);
                map(raf, length);
            } catch (IOException e) {
                throw new KafkaStorageException("Cannot create index " + file, e);
            }
        }
        return mmap;
    }

    protected int entrySize() {
        return entrySize;
    }

    /** Called by subclasses after writing entry number {@link #entries()} with absolute puts. */
    protected void publishEntry() {
        entries = entries + 1;
    }

    protected int relativeOffset(long offset) {
        long relative = offset - baseOffset;
        if (relative < 0 || relative > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("offset " + offset + " does not fit an index based at " + baseOffset);
        }
        return (int) relative;
    }

    /**
     * The largest entry slot whose key is at or below {@code target}, or -1 if none.
     * {@code keyOf} reads the key of one slot.
     */
    protected int largestSlotAtOrBelow(long target, SlotKey keyOf) {
        MappedByteBuffer buf = mmap;
        int lo = 0;
        int hi = entries - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (keyOf.key(buf, mid) <= target) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    @FunctionalInterface
    protected interface SlotKey {
        long key(MappedByteBuffer buffer, int slot);
    }

    public void flush() {
        MappedByteBuffer buf = mmap;
        if (buf != null) {
            buf.force();
        }
    }

    public File file() {
        return file;
    }

    /** Moves the file over {@code target}; an index whose file was never created removes {@code target}. */
    public synchronized void renameTo(File target) throws IOException {
        if (mmap == null && !file.exists()) {
            Files.deleteIfExists(target.toPath());
        } else {
            Files.move(file.toPath(), target.toPath(), StandardCopyOption.REPLACE_EXISTING);
        }
        file = target;
    }

    public void deleteIfExists() throws IOException {
        Files.deleteIfExists(file.toPath());
    }

    /** Trims the file. The mapping itself is released by the garbage collector. */
    @Override
    public void close() throws IOException {
        trimToValidSize();
    }
}
