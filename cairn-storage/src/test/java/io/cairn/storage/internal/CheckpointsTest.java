package io.cairn.storage.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import ch.qos.logback.classic.Level;
import io.cairn.storage.LogEvents;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A checkpoint with bytes that are not text, or text that is not a checkpoint, reads as absent, as its readers
 * promise, instead of throwing; a malformed one is said once at WARN.
 */
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

    @ParameterizedTest
    @ValueSource(strings = {"0\n-5\n", "0\n", "1\n42\n", "0\nforty-two\n", "0\n99999999999999999999\n", ""})
    void aMalformedOffsetCheckpointReadsAsAbsentWithOneWarning(String content) throws Exception {
        // given
        Path file = dir.resolve("log-start-offset-checkpoint");
        Files.writeString(file, content);
        try (LogEvents events = LogEvents.capture()) {
            // when
            assertThat(Checkpoints.readOffset(file)).isEmpty();
            assertThat(Checkpoints.readOffset(file)).isEmpty();
            // then
            assertThat(events.at(Level.WARN)).singleElement().asString().contains(file.toString());
        }
    }

    @Test
    void aMalformedPartitionMetadataFileReadsAsAbsentWithOneWarning() throws Exception {
        Path file = dir.resolve(Checkpoints.PARTITION_METADATA);
        Files.writeString(file, "version: 0\ntopic_id: not-a-uuid\n");
        try (LogEvents events = LogEvents.capture()) {
            assertThat(Checkpoints.readTopicId(dir)).isEmpty();
            assertThat(Checkpoints.readTopicId(dir)).isEmpty();
            assertThat(events.at(Level.WARN)).singleElement().asString().contains(file.toString());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"0\n2\n0 0\n", "0\n2\n3 10\n2 20\n", "0\n2\n2 10\n3 5\n", "0\n1\n-1 0\n",
        "0\n1\n1 x\n", "0\n1\n1\n", "7\n0\n", "0\n-3\n"})
    void aMalformedLeaderEpochCheckpointReadsAsAbsent(String content) throws Exception {
        Path file = dir.resolve("leader-epoch-checkpoint");
        Files.writeString(file, content);
        assertThat(LeaderEpochCache.read(file)).isEmpty();
    }
}
