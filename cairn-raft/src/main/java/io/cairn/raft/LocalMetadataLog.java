package io.cairn.raft;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

import io.cairn.metadata.log.MetadataLog;
import io.cairn.metadata.record.MetadataBatch;
import io.cairn.metadata.record.MetadataRecord;
import io.cairn.metadata.record.MetadataRecordSerde;
import org.apache.kafka.common.errors.NotControllerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node {@link MetadataLog}: a file journal that is always the leader of term 1 once it has replayed
 * its file. Apache Ratis replaces it for clusters.
 *
 * <p>File format ({@code metadata.journal}): an 8-byte magic {@code CAIRNMJ1}, then one entry per batch:
 * {@code int length, int crc32c(payload), payload} where the payload is {@link MetadataRecordSerde#serialize}.
 * Every append is fsynced before it counts as committed. At open, a torn tail (a crash mid-append) or a
 * corrupt entry is truncated away, logged at WARN with the number of bytes dropped; an entry whose checksum
 * is good but whose content this version cannot read fails the open loudly.
 *
 * <p>Threading: thread-safe. The log owns one thread (the apply thread): appends are written, fsynced and
 * handed to the listeners there, in order, so listener callbacks never run concurrently.
 */
public final class LocalMetadataLog implements MetadataLog {

    private static final Logger LOG = LoggerFactory.getLogger(LocalMetadataLog.class);
    private static final byte[] MAGIC = "CAIRNMJ1".getBytes(StandardCharsets.US_ASCII);
    private static final int ENTRY_HEADER = 8;
    /** The only term of a single-node log. */
    public static final int TERM = 1;
    public static final String FILE_NAME = "metadata.journal";

    private final int nodeId;
    private final String logPrefix;
    private final FileChannel channel;
    private final ExecutorService applyThread;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    /** Batches read at open, handed to listeners at start. Apply thread after construction. */
    private List<MetadataBatch> replay;
    /** Apply thread only. */
    private long nextOffset;
    /** Apply thread only: the term this node leads, -1 before start and after close. */
    private int leaderTerm = -1;
    private volatile boolean closed;

    private LocalMetadataLog(int nodeId, FileChannel channel, List<MetadataBatch> replay) {
        this.nodeId = nodeId;
        this.logPrefix = "[node " + nodeId + "] ";
        this.channel = channel;
        this.replay = replay;
        this.nextOffset = replay.size();
        this.applyThread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "cairn-metadata-log-" + nodeId);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Opens (creating if absent) the journal in {@code dir}, reads it and truncates a torn or corrupt tail.
     *
     * @throws IOException              when the file cannot be read or written
     * @throws IllegalArgumentException when a checksummed entry is of an unknown format (refuse to guess)
     */
    public static LocalMetadataLog open(Path dir, int nodeId) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(FILE_NAME);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            List<MetadataBatch> batches = readAndRepair(channel, file, "[node " + nodeId + "] ");
            LOG.info("[node {}] opened metadata journal {} with {} batches", nodeId, file, batches.size());
            return new LocalMetadataLog(nodeId, channel, batches);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static List<MetadataBatch> readAndRepair(FileChannel channel, Path file, String logPrefix)
            throws IOException {
        long size = channel.size();
        if (size < MAGIC.length) {
            if (size > 0) {
                LOG.warn("{}metadata journal {} has a torn header ({} bytes); starting it afresh", logPrefix, file,
                        size);
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(MAGIC), 0);
            channel.force(true);
            channel.position(MAGIC.length);
            return new ArrayList<>();
        }
        ByteBuffer magic = ByteBuffer.allocate(MAGIC.length);
        readFully(channel, magic, 0);
        if (!java.util.Arrays.equals(magic.array(), MAGIC)) {
            throw new IllegalArgumentException(logPrefix + file + " is not a Cairn metadata journal (bad magic)");
        }
        List<MetadataBatch> batches = new ArrayList<>();
        long position = MAGIC.length;
        while (position < size) {
            String problem = null;
            byte[] payload = null;
            if (size - position < ENTRY_HEADER) {
                problem = "torn entry header";
            } else {
                ByteBuffer header = ByteBuffer.allocate(ENTRY_HEADER);
                readFully(channel, header, position);
                int length = header.getInt(0);
                int crc = header.getInt(4);
                if (length < 0 || length > size - position - ENTRY_HEADER) {
                    problem = "torn entry (length " + length + ")";
                } else {
                    ByteBuffer body = ByteBuffer.allocate(length);
                    readFully(channel, body, position + ENTRY_HEADER);
                    payload = body.array();
                    if (crc32c(payload) != crc) {
                        problem = "checksum mismatch";
                    }
                }
            }
            if (problem != null) {
                LOG.warn("{}metadata journal {}: {} at byte {}; truncating {} bytes after {} good batches",
                        logPrefix, file, problem, position, size - position, batches.size());
                channel.truncate(position);
                channel.force(true);
                break;
            }
            batches.add(MetadataRecordSerde.deserialize(batches.size(), payload));
            position += ENTRY_HEADER + payload.length;
        }
        channel.position(channel.size());
        return batches;
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, position + buffer.position());
            if (n < 0) {
                throw new IOException("unexpected end of file at " + (position + buffer.position()));
            }
        }
        buffer.flip();
    }

    private static int crc32c(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return (int) crc.getValue();
    }

    @Override
    public int nodeId() {
        return nodeId;
    }

    @Override
    public void register(Listener listener) {
        listeners.add(listener);
    }

    /** Replays the journal to the listeners, then announces leadership of term 1, on the apply thread. */
    @Override
    public void start() {
        applyThread.execute(() -> {
            for (MetadataBatch batch : replay) {
                deliver(batch);
            }
            LOG.info("{}replayed {} metadata batches; leading term {}", logPrefix, replay.size(), TERM);
            replay = List.of();
            leaderTerm = TERM;
            for (Listener listener : listeners) {
                listener.onBecomeLeader(TERM, OptionalInt.empty());
            }
        });
    }

    @Override
    public CompletableFuture<Long> append(int term, int batchFormat, List<MetadataRecord> records) {
        CompletableFuture<Long> future = new CompletableFuture<>();
        try {
            applyThread.execute(() -> appendOnApplyThread(term, batchFormat, records, future));
        } catch (RejectedExecutionException e) {
            future.completeExceptionally(new NotControllerException("metadata log of node " + nodeId
                    + " is closed"));
        }
        return future;
    }

    private void appendOnApplyThread(int term, int batchFormat, List<MetadataRecord> records,
                                     CompletableFuture<Long> future) {
        if (closed || term != leaderTerm) {
            future.completeExceptionally(new NotControllerException("node " + nodeId + " does not lead term "
                    + term));
            return;
        }
        MetadataBatch batch = new MetadataBatch(nextOffset, term, nodeId, records);
        try {
            byte[] payload = MetadataRecordSerde.serialize(batch, batchFormat);
            ByteBuffer entry = ByteBuffer.allocate(ENTRY_HEADER + payload.length);
            entry.putInt(payload.length).putInt(crc32c(payload)).put(payload).flip();
            while (entry.hasRemaining()) {
                channel.write(entry);
            }
            channel.force(false);
        } catch (IOException | RuntimeException e) {
            LOG.error("{}metadata journal append at offset {} failed; refusing further appends", logPrefix,
                    nextOffset, e);
            leaderTerm = -1;
            future.completeExceptionally(e instanceof IOException io ? new UncheckedIOException(io) : e);
            return;
        }
        nextOffset++;
        deliver(batch);
        future.complete(batch.offset());
    }

    /** Hands a committed batch to every listener; a failing listener is logged, the batch stays committed. */
    private void deliver(MetadataBatch batch) {
        for (Listener listener : listeners) {
            try {
                listener.handleCommit(batch);
            } catch (RuntimeException e) {
                LOG.error("{}metadata log listener {} failed on batch {}", logPrefix, listener, batch.offset(), e);
            }
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            applyThread.execute(() -> {
                if (leaderTerm != -1) {
                    leaderTerm = -1;
                    listeners.forEach(l -> l.onResign(TERM));
                }
            });
        } catch (RejectedExecutionException ignored) {
            // already shut down
        }
        applyThread.shutdown();
        try {
            if (!applyThread.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("{}metadata log apply thread did not stop within 10 s", logPrefix);
            }
            channel.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.warn("{}closing metadata journal failed", logPrefix, e);
        }
    }
}
