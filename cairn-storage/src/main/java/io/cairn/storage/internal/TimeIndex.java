package io.cairn.storage.internal;

import java.io.File;
import java.io.IOException;

import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * The sparse time index of one segment: 12-byte entries of (largest timestamp so far, offset relative
 * to the segment's base offset). An entry (t, o) says that every record at or before offset o has a
 * timestamp at or below t. Timestamps in the index strictly increase.
 *
 * <p>Thread-safety: see {@link AbstractIndex}.
 */
public final class TimeIndex extends AbstractIndex {

    static final int ENTRY_SIZE = 12;

    public TimeIndex(File file, long baseOffset, int maxIndexSize) throws IOException {
        super(file, baseOffset, maxIndexSize, ENTRY_SIZE);
    }

    /** Appends (t, o) if t is above the last entry's timestamp and o above its offset; else does nothing. */
    public void maybeAppend(long timestamp, long offset) {
        if (timestamp == RecordBatch.NO_TIMESTAMP || isFull()) {
            return;
        }
        int slot = entries();
        if (slot > 0 && (timestamp <= timestampAt(slot - 1) || offset <= offsetAt(slot - 1))) {
            return;
        }
        buffer().putLong(slot * ENTRY_SIZE, timestamp);
        buffer().putInt(slot * ENTRY_SIZE + 8, relativeOffset(offset));
        publishEntry();
    }

    /**
     * The offset after which the first record with a timestamp at or above {@code target} must lie:
     * the offset of the last entry whose timestamp is below the target, or base offset - 1 if none.
     */
    public long offsetBefore(long target) {
        int slot = largestSlotAtOrBelow(target - 1, (buf, s) -> buf.getLong(s * ENTRY_SIZE));
        return slot < 0 ? baseOffset - 1 : offsetAt(slot);
    }

    public long timestampAt(int slot) {
        return buffer().getLong(slot * ENTRY_SIZE);
    }

    public long offsetAt(int slot) {
        return baseOffset + buffer().getInt(slot * ENTRY_SIZE + 8);
    }

    /** The largest timestamp in the index, or NO_TIMESTAMP when empty. */
    public long lastTimestamp() {
        int n = entries();
        return n == 0 ? RecordBatch.NO_TIMESTAMP : timestampAt(n - 1);
    }

    /** The offset of the last entry, or base offset - 1 when empty. */
    public long lastOffset() {
        int n = entries();
        return n == 0 ? baseOffset - 1 : offsetAt(n - 1);
    }

    /** @return false when entries do not increase and the index must be rebuilt */
    public boolean isSane() {
        for (int slot = 1; slot < entries(); slot++) {
            if (timestampAt(slot) <= timestampAt(slot - 1) || offsetAt(slot) <= offsetAt(slot - 1)) {
                return false;
            }
        }
        return entries() == 0 || offsetAt(0) >= baseOffset;
    }

    /**
     * Forgets the entries whose offset is at or after {@code offset} (log truncation). The file is not
     * shrunk, so concurrent readers of the mapping never touch unmapped pages.
     */
    public void truncateTo(long offset) {
        truncateEntries(largestSlotAtOrBelow(offset - 1, (buf, s) -> baseOffset + buf.getInt(s * ENTRY_SIZE + 8)) + 1);
    }
}
