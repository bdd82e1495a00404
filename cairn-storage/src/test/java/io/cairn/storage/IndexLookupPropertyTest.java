package io.cairn.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.utils.MockTime;

class IndexLookupPropertyTest {

    @Property(tries = 60)
    void readReturnsTheBatchContainingTheOffset(
            @ForAll @Size(min = 1, max = 40) List<@IntRange(min = 1, max = 12) Integer> recordsPerBatch,
            @ForAll @IntRange(min = 1, max = 600) int indexIntervalBytes,
            @ForAll @IntRange(min = 600, max = 3000) int segmentBytes,
            @ForAll @Size(min = 1, max = 20) List<@IntRange(min = 0, max = 10_000) Integer> reads) throws IOException {
        Path dir = Files.createTempDirectory("cairn-prop");
        // given
        LogConfig config = TestLogs.withIndexInterval(TestLogs.withSegmentBytes(LogConfig.defaults(), segmentBytes),
                indexIntervalBytes);
        try (PartitionLog log = TestLogs.open(dir, config, new MockTime(0, 0, 0))) {
            for (int count : recordsPerBatch) {
                SimpleRecord[] records = new SimpleRecord[count];
                for (int i = 0; i < count; i++) {
                    records[i] = new SimpleRecord(i, ("k" + i).getBytes(), new byte[20]);
                }
                log.appendAsLeader(MemoryRecords.withRecords(Compression.NONE, records), 0);
            }
            for (int read : reads) {
                long offset = read % log.logEndOffset();
                // when
                List<RecordBatch> batches = new ArrayList<>();
                log.read(offset, 1, Long.MAX_VALUE, true).records().batches().forEach(batches::add);
                // then
                assertThat(batches).hasSize(1);
                assertThat(batches.get(0).baseOffset()).isLessThanOrEqualTo(offset);
                assertThat(batches.get(0).lastOffset()).isGreaterThanOrEqualTo(offset);
            }
        } finally {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
