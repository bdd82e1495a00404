package io.cairn.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.cairn.storage.internal.LogCleaner;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.utils.MockTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogCleanerTest {

    @TempDir
    Path dir;
    MockTime time = new MockTime(0, 1_000_000L, 1_000_000L * 1_000_000L);
    PartitionLog log;

    @AfterEach
    void close() {
        if (log != null) {
            log.close();
        }
    }

    private static LogConfig compactedConfig(long deleteRetentionMs, double ratio) {
        return TestLogs.withSegmentBytes(TestLogs.config(), 400).withCompaction(true, deleteRetentionMs, ratio);
    }

    private void put(String key, String value) {
        SimpleRecord record = new SimpleRecord(time.milliseconds(), key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8));
        log.appendAsLeader(MemoryRecords.withRecords(Compression.NONE, record), 0);
    }

    private Map<String, String> latestByKey() {
        Map<String, String> latest = new LinkedHashMap<>();
        for (Record r : TestLogs.readAll(log, log.logStartOffset())) {
            latest.put(string(r.key()), r.hasValue() ? string(r.value()) : null);
        }
        return latest;
    }

    private static String string(ByteBuffer b) {
        byte[] bytes = new byte[b.remaining()];
        b.duplicate().get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Test
    void keepsTheLatestValuePerKeyAndKeepsOffsets() throws Exception {
        // given a compacted log with many updates of five keys over several segments
        log = TestLogs.open(dir, compactedConfig(60_000, 0.5), time);
        Map<String, String> expected = new HashMap<>();
        for (int i = 0; i < 200; i++) {
            String key = "key-" + (i % 5);
            put(key, "v" + i);
            expected.put(key, "v" + i);
        }
        long end = log.logEndOffset();
        Map<String, String> before = latestByKey();

        // when it is compacted below the log end
        LogCleaner.Cleaned cleaned = log.compact(end);

        // then only the latest record of each key remains in the closed segments, offsets and the end unchanged
        assertThat(cleaned).isNotNull();
        assertThat(cleaned.recordsAfter()).isLessThan(cleaned.recordsBefore());
        assertThat(latestByKey()).isEqualTo(before).isEqualTo(expected);
        assertThat(log.logEndOffset()).isEqualTo(end);
        List<Record> all = TestLogs.readAll(log, 0);
        assertThat(all.size()).isLessThan(60);
        assertThat(all.stream().map(Record::offset).toList()).isSorted().doesNotHaveDuplicates();

        // and a reopened log reads the same
        log.close();
        log = TestLogs.open(dir, compactedConfig(60_000, 0.5), time);
        assertThat(latestByKey()).isEqualTo(expected);
        assertThat(Files.exists(dir.resolve(LogCleaner.SWAP_DIR))).isFalse();
    }

    @Test
    void removesTombstonesOnlyAfterDeleteRetention() {
        // given keys written then deleted with tombstones
        log = TestLogs.open0(dir, compactedConfig(10_000, 0.01), time);
        for (int i = 0; i < 50; i++) {
            put("key-" + (i % 5), "v" + i);
        }
        put("key-0", null);
        put("key-1", null);
        for (int i = 0; i < 30; i++) {
            put("other-" + (i % 3), "w" + i);
        }

        // when compacted before delete.retention.ms has passed, the tombstones stay
        log.compact(log.logEndOffset());
        Map<String, String> latest = latestByKey();
        assertThat(latest).containsEntry("key-0", null).containsEntry("key-1", null).containsEntry("key-2", "v47");

        // when compacted again after it has passed (more writes make the log dirty again), they are gone
        time.sleep(11_000);
        for (int i = 0; i < 30; i++) {
            put("other-" + (i % 3), "x" + i);
        }
        log.compact(log.logEndOffset());
        latest = latestByKey();
        assertThat(latest).doesNotContainKeys("key-0", "key-1").containsEntry("key-2", "v47")
                .containsEntry("other-2", "x29");
    }

    @Test
    void waitsForTheDirtyRatio() {
        // given a log whose closed part is fully cleaned
        log = TestLogs.open0(dir, compactedConfig(60_000, 0.9), time);
        for (int i = 0; i < 100; i++) {
            put("key-" + (i % 5), "v" + i);
        }
        assertThat(log.compact(log.logEndOffset())).isNotNull();

        // when a little more is written, below min.cleanable.dirty.ratio
        put("key-1", "late");
        put("key-2", "late");

        // then nothing is cleaned
        assertThat(log.compact(log.logEndOffset())).isNull();
    }

    @Test
    void neverCleansAtOrAboveTheHighWatermark() {
        log = TestLogs.open0(dir, compactedConfig(60_000, 0.5), time);
        for (int i = 0; i < 100; i++) {
            put("key-" + (i % 5), "v" + i);
        }
        assertThat(log.compact(0)).isNull();
        assertThat(TestLogs.readAll(log, 0)).hasSize(100);
    }

    @Test
    void aStoredCompressedRecordClaimingGigabytesStopsCompactionWithoutAllocatingThem() throws Exception {
        // given: a replicated (not leader-validated) gzip batch whose one record declares 1.5 GB, then keyed
        // updates over several segments
        log = TestLogs.open(dir, compactedConfig(60_000, 0.1), time);
        log.appendAsFollower(CraftedBatches.compressedClaiming(Compression.gzip().build(), 1_500_000_000));
        for (int i = 0; i < 40; i++) {
            SimpleRecord record = new SimpleRecord(time.milliseconds(), "k".getBytes(StandardCharsets.UTF_8),
                    ("v" + i).getBytes(StandardCharsets.UTF_8));
            log.appendAsFollower(MemoryRecords.withRecords(log.logEndOffset(), Compression.NONE, record));
        }
        long sizeBefore = log.sizeInBytes();
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long allocatedBefore = threads.getCurrentThreadAllocatedBytes();

        // when
        LogCleaner.Cleaned first = log.compact(log.logEndOffset());
        LogCleaner.Cleaned second = log.compact(log.logEndOffset());

        // then: nothing cleaned, nothing lost, no gigabytes asked for, and no retry
        assertThat(first).isNull();
        assertThat(second).isNull();
        assertThat(threads.getCurrentThreadAllocatedBytes() - allocatedBefore).isLessThan(16L << 20);
        assertThat(log.sizeInBytes()).isEqualTo(sizeBefore);
        assertThat(Files.exists(dir.resolve(LogCleaner.SWAP_DIR))).isFalse();
    }
}
