package io.cairn.storage.internal;

import java.io.File;
import java.io.IOException;

/**
 * The sparse offset index of one segment: 8-byte entries of (offset relative to the segment's base
 * offset, position of a batch in the segment file). An entry (o, p) says that the batch starting at
 * position p ends at offset o, so a reader looking for offset t can start scanning at the position of
 * the largest entry with o &lt;= t.
 *
 * <p>Thread-safety: see {@link AbstractIndex}.
 */
public final class OffsetIndex extends AbstractIndex {

    static final int ENTRY_SIZE = 8;

    public OffsetIndex(File file, long baseOffset, int maxIndexSize) throws IOException {
        super(file, baseOffset, maxIndexSize, ENTRY_SIZE);
    }

    /** Appends an entry; offsets must increase. */
    public void append(long offset, int position) {
        if (isFull()) {
            throw new IllegalStateException("offset index " + file() + " is full");
        }
        int slot = entries();
        if (slot > 0 && offset <= offsetAt(slot - 1)) {
            throw new IllegalArgumentException("offset " + offset + " is not above the last indexed offset");
        }
        buffer().putInt(slot * ENTRY_SIZE, relativeOffset(offset));
        buffer().putInt(slot * ENTRY_SIZE + 4, position);
        publishEntry();
    }

    /** The file position to start scanning from to find {@code targetOffset}; 0 if no entry is at or below it. */
    public int lookup(long targetOffset) {
        int slot = largestSlotAtOrBelow(targetOffset, (buf, s) -> baseOffset + buf.getInt(s * ENTRY_SIZE));
        return slot < 0 ? 0 : positionAt(slot);
    }

    public long offsetAt(int slot) {
        return baseOffset + buffer().getInt(slot * ENTRY_SIZE);
    }

    public int positionAt(int slot) {
        return buffer().getInt(slot * ENTRY_SIZE + 4);
    }

    /** The last indexed offset, or the base offset when the index is empty. */
    public long lastOffset() {
        int n = entries();
        return n == 0 ? baseOffset : offsetAt(n - 1);
    }

    /** The position of the last entry, or 0 when the index is empty. */
    public int lastPosition() {
        int n = entries();
        return n == 0 ? 0 : positionAt(n - 1);
    }

    /**
     * Checks that entries increase and stay inside a log file of {@code logSize} bytes.
     *
     * @return false when the index cannot be trusted and must be rebuilt
     */
    public boolean isSane(int logSize) {
        long previousOffset = baseOffset - 1;
        int previousPosition = -1;
        for (int slot = 0; slot < entries(); slot++) {
            long offset = offsetAt(slot);
            int position = positionAt(slot);
            if (offset <= previousOffset || position <= previousPosition || position >= logSize) {
                return false;
            }
            previousOffset = offset;
            previousPosition = position;
        }
        return true;
    }

    /**
     * Forgets the entries of batches that end at or after {@code offset} (log truncation). The file is
     * not shrunk, so concurrent readers of the mapping never touch unmapped pages.
     */
    public void truncateTo(long offset) {
        truncateEntries(largestSlotAtOrBelow(offset - 1, (buf, s) -> baseOffset + buf.getInt(s * ENTRY_SIZE)) + 1);
    }
}
