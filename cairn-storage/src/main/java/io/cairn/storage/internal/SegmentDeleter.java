package io.cairn.storage.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes removed segments in two steps: at once their files are renamed with a {@code .deleted} suffix
 * (readers holding a slice keep reading through their open channel), and after file.delete.delay.ms
 * the files are closed and removed, on a later retention pass or at close.
 *
 * <p>Not thread-safe; guarded by the owning log's lock.
 */
public final class SegmentDeleter {

    private static final Logger log = LoggerFactory.getLogger(SegmentDeleter.class);

    private record Pending(LogSegment segment, long dueMs) {
    }

    private final Path dir;
    private final List<Pending> pending = new ArrayList<>();

    public SegmentDeleter(Path dir) {
        this.dir = dir;
    }

    public void schedule(List<LogSegment> segments, long dueMs) throws IOException {
        for (LogSegment segment : segments) {
            segment.renameToDeleted();
            pending.add(new Pending(segment, dueMs));
            log.info("Deleting segment {} of {}", segment, dir);
        }
    }

    /** Removes the files of segments whose delay has passed. */
    public void deleteDue(long nowMs) throws IOException {
        Iterator<Pending> it = pending.iterator();
        while (it.hasNext()) {
            Pending next = it.next();
            if (next.dueMs() <= nowMs) {
                next.segment().deleteFiles();
                it.remove();
            }
        }
    }

    public void deleteAll() throws IOException {
        deleteDue(Long.MAX_VALUE);
    }

    public int pendingCount() {
        return pending.size();
    }
}
