package io.cairn.storage.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery reads segments in chunks ({@link BatchScanner}): batches cut by a chunk's end, batches larger than the
 * chunk and torn tails at any byte give what reading batch by batch through {@code FileRecords.batches()} gave.
 */
class ChunkedRecoveryTest {

    private static final int MAX_INDEX = 64 * 1024;

    @TempDir
    Path dir;

    /** {@code count} batches of one to three records with values of the given sizes, offsets from 0. */
    static List<MemoryRecords> batches(long seed, int count, int maxValue) {
        Random random = new Random(seed);
        List<MemoryRecords> out = new ArrayList<>();
        long offset = 0;
        int epoch = 0;
        for (int i = 0; i < count; i++) {
            int records = 1 + random.nextInt(3);
            SimpleRecord[] simple = new SimpleRecord[records];
            for (int r = 0; r < records; r++) {
                simple[r] = new SimpleRecord(1000L + random.nextInt(500), ("k" + i).getBytes(),
                        new byte[random.nextInt(maxValue + 1)]);
            }
            if (random.nextInt(5) == 0) {
                epoch++;
            }
            out.add(MemoryRecords.withRecords(RecordBatch.MAGIC_VALUE_V2, offset, Compression.NONE,
                    TimestampType.CREATE_TIME, -1L, (short) -1, -1, epoch, false, simple));
            offset += records;
        }
        return out;
    }

    private Path write(String name, List<MemoryRecords> batches) throws IOException {
        return write(dir.resolve(name), batches);
    }

    private static Path write(Path file, List<MemoryRecords> batches) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            for (MemoryRecords batch : batches) {
                ByteBuffer bytes = batch.buffer().duplicate();
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
            }
        }
        return file;
    }

    /** (position, size, base offset) of each batch as FileRecords.batches() reads the first {@code end} bytes. */
    private static List<List<Long>> byFileRecords(Path file, int end) throws IOException {
        List<List<Long>> out = new ArrayList<>();
        try (FileRecords records = FileRecords.open(file.toFile())) {
            for (FileChannelRecordBatch batch : records.slice(0, end).batches()) {
                out.add(List.of((long) batch.position(), (long) batch.sizeInBytes(), batch.baseOffset()));
            }
        }
        return out;
    }

    private static List<List<Long>> byScanner(Path file, int end, int chunkBytes) throws IOException {
        List<List<Long>> out = new ArrayList<>();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            BatchScanner scanner = new BatchScanner(channel, 0, end, ByteBuffer.allocateDirect(chunkBytes));
            for (BatchScanner.Batch batch = scanner.next(); batch != null; batch = scanner.next()) {
                out.add(List.of((long) batch.position, (long) batch.sizeInBytes,
                        batch.recordBatch().baseOffset()));
            }
        }
        return out;
    }

    @Test
    void batchesCutByTheChunksEndAreReadWhole() throws IOException {
        // given: ~100-byte batches, a 256-byte chunk: most chunks end inside a batch
        Path file = write("a.log", batches(1, 60, 60));
        int size = (int) Files.size(file);
        // when / then
        assertThat(byScanner(file, size, 256)).hasSize(60).isEqualTo(byFileRecords(file, size));
    }

    @Test
    void aBatchLargerThanTheChunkIsReadOnItsOwn() throws IOException {
        // given: small batches around one of 5000 bytes, a 256-byte chunk
        List<MemoryRecords> batches = new ArrayList<>(batches(2, 5, 20));
        batches.add(MemoryRecords.withRecords(RecordBatch.MAGIC_VALUE_V2, 100, Compression.NONE,
                TimestampType.CREATE_TIME, -1L, (short) -1, -1, 0, false, new SimpleRecord(5L, new byte[5000])));
        batches.add(MemoryRecords.withRecords(101, Compression.NONE, new SimpleRecord(6L, new byte[10])));
        Path file = write("b.log", batches);
        int size = (int) Files.size(file);
        // when
        List<List<Long>> scanned = byScanner(file, size, 256);
        // then
        assertThat(scanned).hasSize(7).isEqualTo(byFileRecords(file, size));
        assertThat(scanned.get(5).get(1)).isGreaterThan(5000L);
    }

    @Test
    void aTornLastBatchEndsTheScanWhereverTheChunkEnds() throws IOException {
        // given: every possible torn tail of a file read through a 128-byte chunk (each cut meets the chunk's end
        // somewhere: at, before or after a batch's start)
        Path file = write("c.log", batches(3, 12, 80));
        int size = (int) Files.size(file);
        for (int cut = 0; cut <= size; cut++) {
            // when / then
            assertThat(byScanner(file, cut, 128)).as("cut at %d", cut).isEqualTo(byFileRecords(file, cut));
        }
    }

    /**
     * Recovery through chunks of any size, of a segment torn or corrupted anywhere, keeps exactly the bytes that
     * validating batch by batch through FileRecords.batches() kept (the code before chunks), and its indexes are
     * those of a segment to which the kept batches were appended.
     */
    @Property(tries = 80)
    void recoveryThroughChunksKeepsWhatBatchByBatchValidationKept(
            @ForAll @LongRange(min = 0, max = 1_000_000) long seed,
            @ForAll @IntRange(min = 1, max = 40) int count,
            @ForAll @IntRange(min = 64, max = 2048) int chunkBytes,
            @ForAll @IntRange(min = 1, max = 600) int indexInterval,
            @ForAll @IntRange(min = 0, max = 2) int damage) throws IOException {
        Path root = Files.createTempDirectory("cairn-chunked-recovery"); // jqwik injects no @TempDir
        try {
            checkRecovery(root, seed, count, chunkBytes, indexInterval, damage);
        } finally {
            try (java.util.stream.Stream<Path> files = Files.walk(root)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static void checkRecovery(Path root, long seed, int count, int chunkBytes, int indexInterval,
                                      int damage) throws IOException {
        List<MemoryRecords> batches = batches(seed, count, 300);
        Path recoveredDir = Files.createDirectories(root.resolve("recovered"));
        Path file = LogSegment.file(recoveredDir, 0, LogSegment.LOG_SUFFIX).toPath();
        write(file, batches);
        int size = (int) Files.size(file);
        Random random = new Random(seed ^ count);
        if (damage == 1) {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.truncate(random.nextInt(size + 1));
            }
        } else if (damage == 2) {
            // anywhere but a batch's base offset: no CRC covers it, so neither this recovery nor Kafka's can see a
            // flip there, and one that moves the offset past what a segment's index can hold fails the reference
            // append below rather than the recovery under test
            java.util.Set<Integer> baseOffsetBytes = new java.util.HashSet<>();
            int start = 0;
            for (MemoryRecords batch : batches) {
                for (int i = 0; i < 8; i++) {
                    baseOffsetBytes.add(start + i);
                }
                start += batch.sizeInBytes();
            }
            int at = random.nextInt(size);
            while (baseOffsetBytes.contains(at)) {
                at = random.nextInt(size);
            }
            byte[] bytes = Files.readAllBytes(file);
            bytes[at] ^= (byte) (1 + random.nextInt(255));
            Files.write(file, bytes);
        }
        int expectedValid = validBytesBatchByBatch(file);
        // The kept bytes as they are on disk
        byte[] kept = java.util.Arrays.copyOf(Files.readAllBytes(file), expectedValid);

        LogSegment recovered = LogSegment.open(recoveredDir, 0, indexInterval, MAX_INDEX);
        recovered.recover(MAX_INDEX, ByteBuffer.allocateDirect(chunkBytes), null);

        Path appendedDir = Files.createDirectories(root.resolve("appended"));
        LogSegment appended = LogSegment.open(appendedDir, 0, indexInterval, MAX_INDEX);
        appended.append(MemoryRecords.readableRecords(ByteBuffer.wrap(kept)), 0);
        assertThat(recovered.sizeInBytes()).isEqualTo(expectedValid);
        assertThat(recovered.nextOffset()).isEqualTo(appended.nextOffset());
        assertThat(recovered.maxTimestamp()).isEqualTo(appended.maxTimestamp());
        assertThat(indexEntries(recovered)).isEqualTo(indexEntries(appended));
        recovered.closeHandlers();
        appended.closeHandlers();
    }

    /** The bytes the recovery before chunks kept: batch by batch through FileRecords.batches(), same checks. */
    private static int validBytesBatchByBatch(Path file) throws IOException {
        int valid = 0;
        long next = 0;
        try (FileRecords records = FileRecords.open(file.toFile())) {
            for (FileChannelRecordBatch batch : records.batches()) {
                if (batch.magic() != RecordBatch.MAGIC_VALUE_V2 || batch.baseOffset() < next
                        || batch.lastOffset() < batch.baseOffset() || !batch.isValid()) {
                    break;
                }
                next = batch.nextOffset();
                valid += batch.sizeInBytes();
            }
        } catch (KafkaException e) {
            // CorruptRecordException and friends ended the old scan there; a batch shorter than a batch header
            // at the very end made it fail the whole load (KafkaException), which chunked recovery truncates
        }
        return valid;
    }

    /** The offset index's (offset, position) entries and the time index's (timestamp, offset) entries. */
    private static List<List<Long>> indexEntries(LogSegment segment) {
        try {
            Field offsets = LogSegment.class.getDeclaredField("offsetIndex");
            offsets.setAccessible(true);
            OffsetIndex offsetIndex = (OffsetIndex) offsets.get(segment);
            Field times = LogSegment.class.getDeclaredField("timeIndex");
            times.setAccessible(true);
            TimeIndex timeIndex = (TimeIndex) times.get(segment);
            List<List<Long>> out = new ArrayList<>();
            for (int i = 0; i < offsetIndex.entries(); i++) {
                out.add(List.of(offsetIndex.offsetAt(i), (long) offsetIndex.positionAt(i)));
            }
            out.add(List.of((long) timeIndex.entries(), timeIndex.lastTimestamp(), timeIndex.lastOffset()));
            return out;
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }
}
