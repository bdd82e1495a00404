package io.cairn.metadata.controller;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import io.cairn.metadata.log.MetadataLog;
import io.cairn.metadata.record.MetadataBatch;
import io.cairn.metadata.record.MetadataRecord;
import org.apache.kafka.common.errors.NotControllerException;

/**
 * An in-memory MetadataLog whose leadership the test drives. Thread-safe; callbacks run on its own apply
 * thread, as the contract requires.
 */
final class FakeMetadataLog implements MetadataLog {
    private final int nodeId;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final ExecutorService applyThread = Executors.newSingleThreadExecutor();
    /** Apply thread only. */
    private final List<MetadataBatch> batches = new ArrayList<>();
    private int leaderTerm = -1;
    /** Appends wait for it: {@link #holdAppends()} keeps the next ones uncommitted until {@link #releaseAppends()}. */
    private volatile CompletableFuture<Void> appendGate = CompletableFuture.completedFuture(null);

    FakeMetadataLog(int nodeId) {
        this.nodeId = nodeId;
    }

    @Override
    public int nodeId() {
        return nodeId;
    }

    @Override
    public void register(Listener listener) {
        listeners.add(listener);
    }

    @Override
    public void start() {
    }

    void becomeLeader(int term) {
        applyThread.execute(() -> {
            leaderTerm = term;
            listeners.forEach(l -> l.onBecomeLeader(term, java.util.OptionalInt.empty()));
        });
    }

    void resign() {
        applyThread.execute(() -> {
            int term = leaderTerm;
            leaderTerm = -1;
            listeners.forEach(l -> l.onResign(term));
        });
    }

    List<MetadataBatch> batches() {
        return CompletableFuture.supplyAsync(() -> List.copyOf(batches), applyThread).join();
    }

    void holdAppends() {
        appendGate = new CompletableFuture<>();
    }

    void releaseAppends() {
        appendGate.complete(null);
    }

    @Override
    public CompletableFuture<Long> append(int term, int batchFormat, List<MetadataRecord> records) {
        return appendGate.thenApplyAsync(ignored -> {
            if (term != leaderTerm) {
                throw new NotControllerException("not leader of term " + term);
            }
            MetadataBatch batch = new MetadataBatch(batches.size(), term, nodeId, records);
            batches.add(batch);
            listeners.forEach(l -> l.handleCommit(batch));
            return batch.offset();
        }, applyThread);
    }

    @Override
    public void close() {
        applyThread.shutdownNow();
    }
}
