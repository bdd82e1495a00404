package io.cairn.storage.internal;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import io.cairn.storage.AbortedTxn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The aborted transactions whose abort marker lies in one segment, in Kafka's {@code .txnindex} format: one
 * 34-byte entry per transaction, in marker order: {@code [int16 version=0][int64 producerId][int64 firstOffset]
 * [int64 lastOffset][int64 lastStableOffset]}. The file exists only once the segment has an entry, as in Kafka.
 * Entries are also kept in memory (aborts are rare, and a {@code read_committed} fetch reads them on every
 * call); a reopen reads the file, ignoring a torn last entry.
 *
 * <p>Thread-safety: mutations are serialized by the owning log; {@link #collect} may run concurrently with
 * them and sees a consistent list.
 */
public final class TransactionIndex {

    private static final Logger log = LoggerFactory.getLogger(TransactionIndex.class);

    public static final String SUFFIX = ".txnindex";
    static final int ENTRY_SIZE = 34;
    private static final short VERSION = 0;

    private volatile File file;
    private volatile List<AbortedTxn> entries;
    private FileChannel channel;

    /** The file was malformed when opened: it was emptied, and the owner must rebuild it from the log. */
    private final boolean malformed;

    private TransactionIndex(File file, List<AbortedTxn> entries, boolean malformed) {
        this.file = file;
        this.entries = entries;
        this.malformed = malformed;
    }

    /**
     * Reads the index at {@code file} if it exists; an entry cut short by a crash is dropped from the file. A
     * malformed file (an entry of unknown version, a transaction ending before it starts, markers out of order)
     * is logged at WARN and emptied, and {@link #wasMalformed} tells the segment to rebuild it.
     */
    public static TransactionIndex open(File file) throws IOException {
        List<AbortedTxn> entries = new ArrayList<>();
        if (file.exists()) {
            ByteBuffer content = ByteBuffer.wrap(Files.readAllBytes(file.toPath()));
            String malformed = null;
            while (malformed == null && content.remaining() >= ENTRY_SIZE) {
                short version = content.getShort();
                AbortedTxn txn = new AbortedTxn(content.getLong(), content.getLong(), content.getLong(),
                        content.getLong());
                malformed = version != VERSION ? "an entry of unknown version " + version
                        : txn.firstOffset() < 0 || txn.lastOffset() < txn.firstOffset() ? "an entry ending before it starts"
                        : !entries.isEmpty() && txn.lastOffset() <= entries.get(entries.size() - 1).lastOffset()
                        ? "entries out of order" : null;
                entries.add(txn);
            }
            if (malformed != null) {
                log.warn("Transaction index {} is malformed ({}): rebuilding it from the log", file, malformed);
                truncate(file, 0);
                return new TransactionIndex(file, List.of(), true);
            }
            if (content.remaining() > 0) {
                truncate(file, (long) entries.size() * ENTRY_SIZE);
            }
        }
        return new TransactionIndex(file, List.copyOf(entries), false);
    }

    private static void truncate(File file, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(file.toPath(), StandardOpenOption.WRITE)) {
            ch.truncate(size);
        }
    }

    /** Whether the file was malformed when opened (and is now empty): the segment must rebuild it. */
    public boolean wasMalformed() {
        return malformed;
    }

    /** Adds an aborted transaction; its marker must come after every entry's. */
    public void append(AbortedTxn txn) throws IOException {
        List<AbortedTxn> current = entries;
        if (!current.isEmpty() && txn.lastOffset() <= current.get(current.size() - 1).lastOffset()) {
            throw new IllegalArgumentException("Aborted transaction ending at " + txn.lastOffset()
                    + " is not after the last entry's " + current.get(current.size() - 1).lastOffset());
        }
        ByteBuffer entry = ByteBuffer.allocate(ENTRY_SIZE).putShort(VERSION).putLong(txn.producerId())
                .putLong(txn.firstOffset()).putLong(txn.lastOffset()).putLong(txn.lastStableOffset()).flip();
        FileChannel ch = channel();
        long position = ch.size();
        while (entry.hasRemaining()) {
            position += ch.write(entry, position);
        }
        List<AbortedTxn> updated = new ArrayList<>(current);
        updated.add(txn);
        entries = List.copyOf(updated);
    }

    private FileChannel channel() throws IOException {
        if (channel == null) {
            channel = FileChannel.open(file.toPath(), StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
        }
        return channel;
    }

    /**
     * Adds to {@code out} the transactions that overlap [{@code fetchOffset}, {@code upperBoundOffset}): marker at
     * or after fetchOffset, data starting below the bound.
     *
     * @return true when the search can stop here: an entry's last stable offset reached the bound, so no later
     *         segment holds a transaction that started below it (Kafka's rule)
     */
    public boolean collect(long fetchOffset, long upperBoundOffset, List<AbortedTxn> out) {
        for (AbortedTxn txn : entries) {
            if (txn.lastOffset() >= fetchOffset && txn.firstOffset() < upperBoundOffset) {
                out.add(txn);
            }
            if (txn.lastStableOffset() >= upperBoundOffset) {
                return true;
            }
        }
        return false;
    }

    public List<AbortedTxn> entries() {
        return entries;
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** Removes the entries whose marker is at or after {@code offset}. */
    public void truncateTo(long offset) throws IOException {
        List<AbortedTxn> current = entries;
        int keep = 0;
        while (keep < current.size() && current.get(keep).lastOffset() < offset) {
            keep++;
        }
        if (keep == current.size()) {
            return;
        }
        entries = List.copyOf(current.subList(0, keep));
        if (file.exists()) {
            channel().truncate((long) keep * ENTRY_SIZE);
        }
    }

    /** Removes every entry (the segment is being recovered and its index rebuilt). */
    public void reset() throws IOException {
        truncateTo(Long.MIN_VALUE);
    }

    public void flush() throws IOException {
        if (channel != null) {
            channel.force(true);
        }
    }

    /** Renames the file, if it exists; the in-memory entries stay readable. */
    public void renameTo(File target) throws IOException {
        if (file.exists()) {
            Files.move(file.toPath(), target.toPath(), StandardCopyOption.REPLACE_EXISTING);
        }
        file = target;
    }

    public void close() throws IOException {
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }

    public void deleteIfExists() throws IOException {
        close();
        Files.deleteIfExists(file.toPath());
    }

    public File file() {
        return file;
    }
}
