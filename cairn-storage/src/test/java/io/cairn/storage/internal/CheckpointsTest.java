package io.cairn.storage.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A checkpoint with bytes that are not text reads as absent, as its readers promise, instead of throwing. */
class CheckpointsTest {

    private static final byte[] GARBAGE = {(byte) 0xff, (byte) 0xfe, 0, 10, (byte) 0xc3, 0x28, 10};

    @TempDir
    Path dir;

    @Test
    void anOffsetCheckpointWithBadBytesReadsAsAbsent() throws Exception {
        Path file = dir.resolve("recovery-point-offset-checkpoint");
        Files.write(file, GARBAGE);
        assertThat(Checkpoints.readOffset(file)).isEmpty();
        Checkpoints.writeOffset(file, 42);
        assertThat(Checkpoints.readOffset(file)).hasValue(42);
    }

    @Test
    void aPartitionMetadataFileWithBadBytesReadsAsAbsent() throws Exception {
        Files.write(dir.resolve(Checkpoints.PARTITION_METADATA), GARBAGE);
        assertThat(Checkpoints.readTopicId(dir)).isEmpty();
        Uuid id = Uuid.randomUuid();
        Checkpoints.writeTopicId(dir, id);
        assertThat(Checkpoints.readTopicId(dir)).contains(id);
    }

    @Test
    void aLeaderEpochCheckpointWithBadBytesReadsAsAbsent() throws Exception {
        Path file = dir.resolve("leader-epoch-checkpoint");
        Files.write(file, GARBAGE);
        assertThat(LeaderEpochCache.read(file)).isEmpty();
    }
}
