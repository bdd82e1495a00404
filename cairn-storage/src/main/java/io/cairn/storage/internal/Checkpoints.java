package io.cairn.storage.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Small files of a partition directory, written atomically (temp file, fsync, rename): offset
 * checkpoints ({@code version\noffset\n}) and Kafka's {@code partition.metadata} (the latter without
 * fsync, see {@link #writeTopicId}).
 *
 * <p>Stateless and thread-safe; callers serialize writes to the same file.
 */
public final class Checkpoints {

    private static final Logger log = LoggerFactory.getLogger(Checkpoints.class);

    public static final String PARTITION_METADATA = "partition.metadata";
    private static final int VERSION = 0;

    private Checkpoints() {
    }

    public static void writeAtomically(Path target, byte[] content) throws IOException {
        writeAtomically(target, content, true);
    }

    /**
     * Writes {@code content} to a temp file and renames it over {@code target}, so readers see the old or
     * the new content, never a mix. With {@code sync} the temp file is fsynced before the rename, so the
     * new content survives a crash; without it a crash may leave the old content, or on some file systems
     * an empty file: only for files whose loss is recoverable (rebuilt or re-written on open).
     */
    public static void writeAtomically(Path target, byte[] content, boolean sync) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buffer = ByteBuffer.wrap(content);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            if (sync) {
                channel.force(true);
            }
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    public static void writeOffset(Path file, long offset) throws IOException {
        writeAtomically(file, (VERSION + "\n" + offset + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The offset in the checkpoint, or empty if it is absent or malformed (not {@code 0\n<offset>\n} with a
     * non-negative offset): a malformed one is logged at WARN, and the caller's fallback for a missing file
     * applies (recovery from the first segment, the log start at the first segment's base).
     *
     * @throws IOException the file exists but cannot be read
     */
    public static OptionalLong readOffset(Path file) throws IOException {
        if (!Files.exists(file)) {
            return OptionalLong.empty();
        }
        List<String> lines = readLines(file);
        try {
            if (lines.size() >= 2 && Integer.parseInt(lines.get(0).trim()) == VERSION) {
                long offset = Long.parseLong(lines.get(1).trim());
                if (offset >= 0) {
                    return OptionalLong.of(offset);
                }
            }
        } catch (NumberFormatException e) {
            // malformed: treated as absent
        }
        ignoreMalformed(file);
        return OptionalLong.empty();
    }

    /**
     * Writes {@code partition.metadata} without fsync: if a crash loses it, the log opens with no topic id
     * (it is then taken from the metadata and written again), as when the file was never written. Saves an
     * fsync per partition when topics are created.
     */
    public static void writeTopicId(Path dir, Uuid topicId) throws IOException {
        writeAtomically(dir.resolve(PARTITION_METADATA), topicIdFile(topicId), false);
    }

    /**
     * Writes {@code partition.metadata} into the directory of a new log, where it cannot exist yet: written
     * in place, without the temp file and rename of {@link #writeTopicId} (a torn file reads as absent, as a
     * missing one does, and the id is then re-written from metadata).
     */
    public static void writeNewTopicId(Path dir, Uuid topicId) throws IOException {
        Files.write(dir.resolve(PARTITION_METADATA), topicIdFile(topicId), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE);
    }

    private static byte[] topicIdFile(Uuid topicId) {
        return ("version: 0\ntopic_id: " + topicId + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The topic id in {@code partition.metadata}, or empty if the file is absent or malformed (logged at WARN:
     * the id is then taken from the metadata and the file written again).
     */
    public static Optional<Uuid> readTopicId(Path dir) throws IOException {
        Path file = dir.resolve(PARTITION_METADATA);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        for (String line : readLines(file)) {
            if (line.startsWith("topic_id:")) {
                try {
                    return Optional.of(Uuid.fromString(line.substring("topic_id:".length()).trim()));
                } catch (IllegalArgumentException e) {
                    break;
                }
            }
        }
        ignoreMalformed(file);
        return Optional.empty();
    }

    /**
     * Logs a malformed checkpoint once at WARN and removes it: from then on it is absent, as its readers
     * already treat it, and the next write puts a good one in its place (until then a re-read, e.g. the
     * cleaner's on every pass, does not warn again).
     */
    public static void ignoreMalformed(Path file) {
        log.warn("Ignoring malformed {}: read as absent", file);
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.debug("Cannot remove malformed {}: {}", file, e.toString());
        }
    }

    /**
     * The file's lines, bytes that are not UTF-8 read as replacement characters: a file with bad bytes is
     * then malformed (absent, to the readers above) instead of failing the whole log's opening.
     */
    public static List<String> readLines(Path file) throws IOException {
        return new String(Files.readAllBytes(file), StandardCharsets.UTF_8).lines().toList();
    }
}
