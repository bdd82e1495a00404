package io.cairn.storage.internal;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Idempotent-producer state of one partition: per producer id, its epoch and last five batches.
 * Appends are checked in a {@link Staged} view first and committed once written. State is snapshotted
 * to {@code <offset>.snapshot} files (a CRC32C-protected binary format) so that a reopen only replays
 * the batches after the latest snapshot.
 *
 * <p>Not thread-safe; guarded by the owning log's append lock.
 */
public final class ProducerStateManager {

    private static final Logger log = LoggerFactory.getLogger(ProducerStateManager.class);
    public static final String SNAPSHOT_SUFFIX = ".snapshot";
    private static final int MAGIC = 0x43534E50; // "CSNP"
    private static final short VERSION = 1;
    private static final int SNAPSHOTS_KEPT = 2;

    private final Path dir;
    private final Map<Long, ProducerEntry> producers = new HashMap<>();

    public ProducerStateManager(Path dir) {
        this.dir = dir;
    }

    public Optional<ProducerEntry> entry(long producerId) {
        return Optional.ofNullable(producers.get(producerId));
    }

    public int producerCount() {
        return producers.size();
    }

    /** Starts checking one append. */
    public Staged stage(long logStartOffset) {
        return new Staged(logStartOffset);
    }

    /**
     * The producer updates of one append, checked against committed state plus earlier batches of
     * the same append.
     */
    public final class Staged {
        private final long logStartOffset;
        private final Map<Long, ProducerEntry> updates = new HashMap<>();

        private Staged(long logStartOffset) {
            this.logStartOffset = logStartOffset;
        }

        /**
         * Checks the batch's epoch and sequence.
         *
         * @return the original batch if this one is a retried duplicate
         * @throws OutOfOrderSequenceException   sequence gap or a new epoch/producer not starting at 0
         * @throws InvalidProducerEpochException epoch below the producer's current epoch
         */
        public Optional<BatchMetadata> check(RecordBatch batch) {
            ProducerEntry current = current(batch.producerId());
            int first = batch.baseSequence();
            if (current == null) {
                if (first != 0 && logStartOffset == 0) {
                    throw new OutOfOrderSequenceException("Unknown producer " + batch.producerId()
                            + " must start at sequence 0, got " + first);
                }
                return Optional.empty();
            }
            if (batch.producerEpoch() < current.epoch()) {
                throw new InvalidProducerEpochException("Producer " + batch.producerId() + " epoch "
                        + batch.producerEpoch() + " is older than the current epoch " + current.epoch());
            }
            if (batch.producerEpoch() > current.epoch()) {
                if (first != 0) {
                    throw new OutOfOrderSequenceException("Producer " + batch.producerId() + " new epoch "
                            + batch.producerEpoch() + " must start at sequence 0, got " + first);
                }
                return Optional.empty();
            }
            Optional<BatchMetadata> duplicate = current.find(first, batch.lastSequence());
            if (duplicate.isPresent()) {
                return duplicate;
            }
            Optional<BatchMetadata> last = current.last();
            if (last.isPresent() && first != nextSequence(last.get().lastSequence())) {
                throw new OutOfOrderSequenceException("Producer " + batch.producerId() + " expected sequence "
                        + nextSequence(last.get().lastSequence()) + ", got " + first);
            }
            return Optional.empty();
        }

        /** Records the batch (with its assigned offsets) in the staged state. */
        public void update(RecordBatch batch) {
            ProducerEntry current = current(batch.producerId());
            ProducerEntry updated = current == null || current.epoch() != batch.producerEpoch()
                    ? new ProducerEntry(batch.producerEpoch(), List.of()) : current.copy();
            updated.add(metadataOf(batch));
            updates.put(batch.producerId(), updated);
        }

        private ProducerEntry current(long producerId) {
            ProducerEntry staged = updates.get(producerId);
            return staged != null ? staged : producers.get(producerId);
        }

        public void commit() {
            producers.putAll(updates);
        }
    }

    static int nextSequence(int sequence) {
        return sequence == Integer.MAX_VALUE ? 0 : sequence + 1;
    }

    private static BatchMetadata metadataOf(RecordBatch batch) {
        return new BatchMetadata(batch.baseSequence(), batch.lastSequence(), batch.baseOffset(), batch.lastOffset());
    }

    /** Applies a batch read back from the log during load, without checks. */
    public void replay(RecordBatch batch) {
        if (!batch.hasProducerId()) {
            return;
        }
        ProducerEntry current = producers.get(batch.producerId());
        if (current == null || current.epoch() != batch.producerEpoch()) {
            current = new ProducerEntry(batch.producerEpoch(), List.of());
            producers.put(batch.producerId(), current);
        }
        current.add(metadataOf(batch));
    }

    /** Forgets producers whose last batch is below the log start offset. */
    public void evictBelow(long logStartOffset) {
        producers.values().removeIf(entry -> entry.lastOffset() < logStartOffset);
    }

    public void clear() {
        producers.clear();
    }

    /** Writes a snapshot of the state as of {@code offset} (the log end offset) and prunes old ones. */
    public void takeSnapshot(long offset) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeShort(VERSION);
            out.writeLong(offset);
            out.writeInt(producers.size());
            for (Map.Entry<Long, ProducerEntry> e : producers.entrySet()) {
                out.writeLong(e.getKey());
                out.writeShort(e.getValue().epoch());
                List<BatchMetadata> batches = e.getValue().batches();
                out.writeInt(batches.size());
                for (BatchMetadata b : batches) {
                    out.writeInt(b.firstSequence());
                    out.writeInt(b.lastSequence());
                    out.writeLong(b.firstOffset());
                    out.writeLong(b.lastOffset());
                }
            }
        }
        byte[] body = bytes.toByteArray();
        CRC32C crc = new CRC32C();
        crc.update(body);
        ByteBuffer file = ByteBuffer.allocate(body.length + 4).put(body).putInt((int) crc.getValue());
        Checkpoints.writeAtomically(snapshotFile(offset), file.array());
        pruneSnapshots(offset);
    }

    private void pruneSnapshots(long newest) throws IOException {
        List<Long> offsets = snapshotOffsets();
        for (int i = 0; i < offsets.size() - SNAPSHOTS_KEPT; i++) {
            Files.deleteIfExists(snapshotFile(offsets.get(i)));
        }
    }

    /**
     * Loads the newest readable snapshot at or below {@code logEndOffset}, deleting newer and corrupt ones.
     *
     * @return the snapshot's offset (replay the log from there), or empty when there is none (replay all)
     */
    public Optional<Long> loadLatestSnapshot(long logEndOffset) throws IOException {
        producers.clear();
        List<Long> offsets = snapshotOffsets();
        Collections.reverse(offsets);
        for (long offset : offsets) {
            Path file = snapshotFile(offset);
            if (offset > logEndOffset || !tryLoad(file)) {
                Files.deleteIfExists(file);
                continue;
            }
            return Optional.of(offset);
        }
        return Optional.empty();
    }

    private boolean tryLoad(Path file) throws IOException {
        byte[] content = Files.readAllBytes(file);
        if (content.length < 4) {
            return false;
        }
        CRC32C crc = new CRC32C();
        crc.update(content, 0, content.length - 4);
        if ((int) crc.getValue() != ByteBuffer.wrap(content, content.length - 4, 4).getInt()) {
            log.info("Ignoring producer snapshot {} with a bad CRC", file);
            return false;
        }
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(content))) {
            if (in.readInt() != MAGIC || in.readShort() != VERSION) {
                return false;
            }
            in.readLong();
            int count = in.readInt();
            for (int i = 0; i < count; i++) {
                long producerId = in.readLong();
                short epoch = in.readShort();
                int batchCount = in.readInt();
                List<BatchMetadata> batches = new ArrayList<>();
                for (int j = 0; j < batchCount; j++) {
                    batches.add(new BatchMetadata(in.readInt(), in.readInt(), in.readLong(), in.readLong()));
                }
                producers.put(producerId, new ProducerEntry(epoch, batches));
            }
        }
        return true;
    }

    private List<Long> snapshotOffsets() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(SNAPSHOT_SUFFIX))
                    .map(n -> n.substring(0, n.length() - SNAPSHOT_SUFFIX.length()))
                    .filter(n -> n.matches("\\d{1,20}"))
                    .map(Long::parseLong)
                    .sorted()
                    .collect(java.util.stream.Collectors.toCollection(ArrayList::new));
        }
    }

    private Path snapshotFile(long offset) {
        return dir.resolve(LogSegment.fileName(offset) + SNAPSHOT_SUFFIX);
    }

    /** Forgets every producer and deletes every snapshot (the log restarts empty). */
    public void truncateFully() throws IOException {
        producers.clear();
        for (long offset : snapshotOffsets()) {
            Files.deleteIfExists(snapshotFile(offset));
        }
    }
}
