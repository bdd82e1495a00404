package io.cairn.storage.internal;

import java.util.ArrayList;
import java.util.List;

import io.cairn.storage.LogConfig;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * Chooses which oldest segments retention deletes: those wholly below the log start offset, and with
 * cleanup.policy=delete those past retention.ms or beyond retention.bytes. Only a prefix of the log is
 * chosen, never past the high watermark. The active segment is chosen only when it has expired by time
 * (the caller must roll it first); never for size, and never when empty.
 *
 * <p>Stateless and thread-safe.
 */
public final class RetentionPolicy {

    private RetentionPolicy() {
    }

    public static List<LogSegment> select(List<LogSegment> segments, LogConfig config, long nowMs,
                                          long highWatermark, long logStartOffset) {
        List<LogSegment> doomed = new ArrayList<>();
        long remainingBytes = 0;
        for (LogSegment segment : segments) {
            remainingBytes += segment.sizeInBytes();
        }
        for (int i = 0; i < segments.size(); i++) {
            LogSegment segment = segments.get(i);
            boolean active = i == segments.size() - 1;
            if (segment.nextOffset() > highWatermark || (active && segment.isEmpty())) {
                break;
            }
            boolean belowStart = !active && segment.nextOffset() <= logStartOffset;
            boolean expired = config.delete() && config.retentionMs() >= 0
                    && largestTimestamp(segment) < nowMs - config.retentionMs();
            boolean oversize = !active && config.delete() && config.retentionBytes() >= 0
                    && remainingBytes - segment.sizeInBytes() >= config.retentionBytes();
            if (!(belowStart || expired || oversize)) {
                break;
            }
            doomed.add(segment);
            remainingBytes -= segment.sizeInBytes();
        }
        return doomed;
    }

    private static long largestTimestamp(LogSegment segment) {
        return segment.maxTimestamp() == RecordBatch.NO_TIMESTAMP ? segment.rollingBaseMs() : segment.maxTimestamp();
    }
}
