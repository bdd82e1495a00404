package io.cairn.storage.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;

import ch.qos.logback.classic.Level;
import io.cairn.storage.LogEvents;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A producer snapshot that is not what its writer wrote (even under a matching CRC) is ignored with one WARN
 * naming it, and producer state is rebuilt from the log, instead of loading nonsense.
 */
class ProducerSnapshotFileTest {

    private static final long PRODUCER = 77L;

    @TempDir
    Path dir;
    Path snapshot;

    @BeforeEach
    void oneProducerSnapshottedAtOffsetThree() throws Exception {
        ProducerStateManager producers = new ProducerStateManager(dir);
        MemoryRecords batch = MemoryRecords.withIdempotentRecords(0L, Compression.NONE, PRODUCER, (short) 0, 0, 0,
                new SimpleRecord(1000L, null, "a".getBytes()), new SimpleRecord(1000L, null, "b".getBytes()),
                new SimpleRecord(1000L, null, "c".getBytes()));
        producers.replay(batch.batches().iterator().next());
        producers.takeSnapshot(3);
        snapshot = dir.resolve(LogSegment.fileName(3) + ProducerStateManager.SNAPSHOT_SUFFIX);
    }

    @Test
    void aGoodSnapshotLoads() throws Exception {
        ProducerStateManager reloaded = new ProducerStateManager(dir);
        assertThat(reloaded.loadLatestSnapshot(3)).contains(3L);
        assertThat(reloaded.activeProducers()).singleElement().extracting(p -> p.producerId()).isEqualTo(PRODUCER);
    }

    @Test
    void aNegativeProducerCountUnderAGoodCrcIsIgnored() throws Exception {
        // given: magic(4) version(2) offset(8) count(4)
        byte[] body = body();
        ByteBuffer.wrap(body).putInt(14, -1);
        assertIgnored(body);
    }

    @Test
    void bytesAfterTheLastEntryUnderAGoodCrcAreIgnored() throws Exception {
        byte[] body = body();
        byte[] longer = java.util.Arrays.copyOf(body, body.length + 8);
        assertIgnored(longer);
    }

    @Test
    void aSnapshotOfAnotherOffsetIsIgnored() throws Exception {
        byte[] body = body();
        ByteBuffer.wrap(body).putLong(6, 2);
        assertIgnored(body);
    }

    @Test
    void aBatchPastTheSnapshotsOffsetIsIgnored() throws Exception {
        // given: the one producer's entry starts at 18: id(8) epoch(2) coordinator epoch(4) txn first(8) last
        // timestamp(8) batch count(4), then its batch: first and last sequence(4+4), first offset(8), last(8)
        byte[] body = body();
        ByteBuffer.wrap(body).putLong(18 + 34 + 8 + 8, 9);
        assertIgnored(body);
    }

    private byte[] body() throws Exception {
        byte[] content = Files.readAllBytes(snapshot);
        return java.util.Arrays.copyOf(content, content.length - 4);
    }

    private void assertIgnored(byte[] body) throws Exception {
        CRC32C crc = new CRC32C();
        crc.update(body);
        Files.write(snapshot, ByteBuffer.allocate(body.length + 4).put(body).putInt((int) crc.getValue()).array());
        try (LogEvents events = LogEvents.capture()) {
            // when
            ProducerStateManager reloaded = new ProducerStateManager(dir);
            // then
            assertThat(reloaded.loadLatestSnapshot(3)).isEmpty();
            assertThat(reloaded.activeProducers()).isEmpty();
            assertThat(events.at(Level.WARN)).singleElement().asString().contains(snapshot.toString());
            assertThat(snapshot).doesNotExist();
        }
    }
}
