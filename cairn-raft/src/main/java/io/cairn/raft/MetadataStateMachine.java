package io.cairn.raft;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.log.MetadataLog;
import io.cairn.metadata.record.MetadataBatch;
import io.cairn.metadata.record.MetadataFormat;
import io.cairn.metadata.record.MetadataRecord;
import io.cairn.metadata.record.MetadataRecordSerde;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis state machine of the metadata group. Which hooks run where:
 * <ul>
 *   <li>{@link #startTransaction} (leader only): refuses an entry whose controller term is not the current,
 *   ready leader term — the structural guarantee that only the active controller of this term writes.</li>
 *   <li>{@link #applyTransaction} (every node, in log order): decodes the batch and hands it to the listeners.</li>
 *   <li>{@link #notifyLeaderReady} (leader only, after it has applied its whole log): announces leadership.</li>
 *   <li>{@link #notifyLeaderChanged} / {@link #notifyNotLeader}: announce the loss of leadership.</li>
 *   <li>{@link #takeSnapshot} / {@link #initialize} / {@link #reinitialize}: the image as records, so the log
 *   stays bounded; a loaded snapshot reaches the listeners as one batch at the snapshot's index.</li>
 * </ul>
 *
 * <p>Threading: every listener callback runs on one thread owned here ({@code cairn-metadata-apply-<id>}),
 * in the order Ratis reported the events; Ratis threads only enqueue. The image kept for snapshots is
 * confined to that thread.
 */
final class MetadataStateMachine extends BaseStateMachine {

    private static final Logger LOG = LoggerFactory.getLogger(MetadataStateMachine.class);

    private final int nodeId;
    private final String logPrefix;
    private final long snapshotThreshold;
    /** The newest batch format this node reads (docs/adr/0028). */
    private final int maxBatchFormat;
    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final List<MetadataLog.Listener> listeners = new CopyOnWriteArrayList<>();
    private final ExecutorService applyThread;
    /** Apply thread only: the image of everything delivered, for snapshots. */
    private MetadataImage image = MetadataImage.EMPTY;
    /** Apply thread only: the index of the last entry delivered (batch or snapshot). */
    private TermIndex delivered;
    /** Apply thread only: the term this node announced leadership of, -1 if none. */
    private int leaderTerm = -1;
    /** The last leader Ratis named that is not this node, -1 before any (written by Ratis's threads). */
    private volatile int lastOtherLeader = -1;
    private volatile RaftServer.Division division;

    MetadataStateMachine(int nodeId, long snapshotThreshold, int maxBatchFormat) {
        this.nodeId = nodeId;
        this.maxBatchFormat = maxBatchFormat;
        this.logPrefix = "[node " + nodeId + "] ";
        this.snapshotThreshold = snapshotThreshold;
        this.applyThread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "cairn-metadata-apply-" + nodeId);
            t.setDaemon(true);
            return t;
        });
    }

    void register(MetadataLog.Listener listener) {
        listeners.add(listener);
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        this.division = server.getDivision(groupId);
        storage.init(raftStorage);
        loadSnapshot(storage.getLatestSnapshot(), false);
    }

    /** A snapshot was installed from the leader while running: replace the image with it. */
    @Override
    public void reinitialize() throws IOException {
        loadSnapshot(storage.loadLatestSnapshot(), true);
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return storage;
    }

    @Override
    public SingleFileSnapshotInfo getLatestSnapshot() {
        return storage.getLatestSnapshot();
    }

    private void loadSnapshot(SingleFileSnapshotInfo snapshot, boolean replace) throws IOException {
        if (snapshot == null) {
            return;
        }
        File file = snapshot.getFile().getPath().toFile();
        if (snapshot.getFile().getFileDigest() != null) {
            MD5FileUtil.verifySavedMD5(file, snapshot.getFile().getFileDigest());
        }
        TermIndex termIndex = snapshot.getTermIndex();
        MetadataBatch saved = MetadataRecordSerde.deserialize(termIndex.getIndex(), Files.readAllBytes(file.toPath()),
                maxBatchFormat);
        MetadataImage target = MetadataImage.EMPTY.apply(saved);
        LOG.info("{}loading metadata snapshot at index {} ({} records)", logPrefix, termIndex.getIndex(),
                saved.records().size());
        await(submit(() -> {
            List<MetadataRecord> records = replace ? ImageRecords.resetRecords(image, target) : saved.records();
            deliver(new MetadataBatch(termIndex.getIndex(), saved.term(), saved.leaderId(), records), termIndex,
                    () -> { });
        }));
        setLastAppliedTermIndex(termIndex);
    }

    @Override
    public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
        int term = request.getMessage().getContent().asReadOnlyByteBuffer().getInt();
        DivisionInfo info = division.getInfo();
        if (!info.isLeader() || !info.isLeaderReady() || info.getCurrentTerm() != term) {
            throw new NotLeaderException(division.getMemberId(), null, List.of());
        }
        return super.startTransaction(request);
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        byte[] data = entry.getStateMachineLogEntry().getLogData().toByteArray();
        MetadataBatch batch = MetadataRecordSerde.deserialize(entry.getIndex(), Arrays.copyOfRange(data, 4,
                data.length), maxBatchFormat);
        TermIndex termIndex = TermIndex.valueOf(entry);
        // Ratis's updater thread owns the applied index (it also advances it for its own entries).
        updateLastAppliedTermIndex(termIndex.getTerm(), termIndex.getIndex());
        CompletableFuture<Message> applied = new CompletableFuture<>();
        submit(() -> deliver(batch, termIndex, () -> applied.complete(Message.EMPTY))).whenComplete((v, e) -> {
            if (e != null) {
                applied.completeExceptionally(e);
            }
        });
        return applied;
    }

    /**
     * Apply thread: updates the snapshot image, runs {@code imageUpdated} (Ratis then answers the append: the
     * writer learns its offset without waiting for what the listeners do with the batch, such as creating
     * hundreds of partition logs) and tells every listener.
     */
    private void deliver(MetadataBatch batch, TermIndex termIndex, Runnable imageUpdated) {
        image = image.apply(batch);
        delivered = termIndex;
        imageUpdated.run();
        for (MetadataLog.Listener listener : listeners) {
            try {
                listener.handleCommit(batch);
            } catch (RuntimeException e) {
                LOG.error("{}metadata log listener {} failed on batch {}", logPrefix, listener, batch.offset(), e);
            }
        }
    }

    @Override
    public void notifyLeaderReady() {
        int term = (int) division.getInfo().getCurrentTerm();
        submit(() -> {
            if (leaderTerm == term) {
                return;
            }
            resign();
            leaderTerm = term;
            LOG.info("{}metadata Raft leader of term {}, log applied", logPrefix, term);
            int previous = lastOtherLeader;
            OptionalInt previousLeader = previous < 0 ? OptionalInt.empty() : OptionalInt.of(previous);
            listeners.forEach(l -> l.onBecomeLeader(term, previousLeader));
        });
    }

    @Override
    public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
        boolean self = newLeaderId != null && newLeaderId.equals(RatisMetadataLog.peerId(nodeId));
        if (newLeaderId != null && !self) {
            lastOtherLeader = Integer.parseInt(newLeaderId.toString());
        }
        if (!self) {
            submit(this::resign);
        }
    }

    @Override
    public void notifyNotLeader(Collection<TransactionContext> pendingEntries) {
        submit(this::resign);
    }

    void resignIfLeading() {
        await(submit(this::resign));
    }

    /** Apply thread. */
    private void resign() {
        if (leaderTerm != -1) {
            int term = leaderTerm;
            leaderTerm = -1;
            listeners.forEach(l -> l.onResign(term));
        }
    }

    @Override
    public long takeSnapshot() throws IOException {
        CompletableFuture<Object[]> state = new CompletableFuture<>();
        submit(() -> state.complete(new Object[]{image, delivered}));
        Object[] taken = await(state);
        MetadataImage snapshotImage = (MetadataImage) taken[0];
        TermIndex at = (TermIndex) taken[1];
        if (at == null) {
            return RaftLog_INVALID;
        }
        SingleFileSnapshotInfo latest = storage.getLatestSnapshot();
        if (latest != null && latest.getIndex() == at.getIndex()) {
            return at.getIndex(); // Ratis asks again on stop: the snapshot of this index is already on disk
        }
        MetadataBatch batch = new MetadataBatch(at.getIndex(), snapshotImage.controllerEpoch(),
                snapshotImage.controllerId(), ImageRecords.toRecords(snapshotImage));
        File file = storage.getSnapshotFile(at.getTerm(), at.getIndex());
        File tmp = new File(file.getParentFile(), file.getName() + ".tmp");
        // In the format of the image's level: a node that reads only that format may install this snapshot.
        Files.write(tmp.toPath(), MetadataRecordSerde.serialize(batch,
                MetadataFormat.batchFormat(snapshotImage.metadataFormatFeatureLevel())));
        Files.move(tmp.toPath(), file.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(
                new FileInfo(file.toPath(), MD5FileUtil.computeAndSaveMd5ForFile(file)), at));
        LOG.info("{}metadata snapshot at index {} ({} records; threshold {} entries)", logPrefix, at.getIndex(),
                batch.records().size(), snapshotThreshold);
        return at.getIndex();
    }

    private static final long RaftLog_INVALID = -1;

    private CompletableFuture<Void> submit(Runnable task) {
        try {
            return CompletableFuture.runAsync(task, applyThread);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            if (e.getCause() instanceof RejectedExecutionException) {
                return null;
            }
            throw new IllegalStateException(e);
        }
    }

    void shutdown() {
        applyThread.shutdown();
        try {
            applyThread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
