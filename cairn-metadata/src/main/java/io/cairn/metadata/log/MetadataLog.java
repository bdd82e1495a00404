package io.cairn.metadata.log;

import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;

import io.cairn.metadata.record.MetadataBatch;
import io.cairn.metadata.record.MetadataRecord;

/**
 * The seam between the metadata state machine and consensus, modelled on Apache Kafka's {@code RaftClient}:
 * an ordered, replicated log of {@link MetadataBatch}es. Implementations: a single-node file journal
 * ({@code io.cairn.raft.LocalMetadataLog}) and, later, Apache Ratis.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li><b>Order.</b> Every registered listener is told of every committed batch exactly once, in offset
 *   order, starting at offset 0 (the whole log is replayed to a listener registered before {@link #start()}).
 *   Offsets are dense: batch n+1 follows batch n.</li>
 *   <li><b>One thread.</b> All listener callbacks run on one thread owned by the log (the apply thread),
 *   never concurrently and never while the caller of {@link #append} holds the log's locks. Listeners must
 *   not block it.</li>
 *   <li><b>Leadership after catch-up.</b> {@link Listener#onBecomeLeader(int)} is called only after every
 *   batch committed before the term began has been passed to {@link Listener#handleCommit}, so the listener's
 *   state is the whole committed log when it starts deciding. {@link Listener#onResign(int)} is called when
 *   leadership of that term is lost; appends at that term fail from then on.</li>
 *   <li><b>Appends.</b> {@link #append} is only valid for the current leader term. Its future completes with
 *   the batch's offset once the batch is committed; the matching {@code handleCommit} may run before or
 *   after that completion. It fails with {@link org.apache.kafka.common.errors.NotControllerException} when
 *   the term is not (or no longer) this node's leader term, and with another exception when the batch could
 *   not be made durable.</li>
 * </ul>
 *
 * <p>Implementations are thread-safe: {@link #append} may be called from any thread.
 */
public interface MetadataLog extends AutoCloseable {

    /** Told about committed batches and leadership changes, on the log's apply thread. */
    interface Listener {
        /** A committed batch, in offset order. */
        void handleCommit(MetadataBatch batch);

        /**
         * This node leads {@code term}; everything committed before it has been handed to handleCommit.
         *
         * @param previousLeader the other node this node last knew as the leader, if any: a term begins
         *                       because the voters stopped hearing from that leader for an election timeout
         *                       (or because it handed leadership over)
         */
        void onBecomeLeader(int term, OptionalInt previousLeader);

        /** This node no longer leads {@code term}. */
        void onResign(int term);
    }

    /** This node's id. */
    int nodeId();

    /** Registers a listener. Call before {@link #start()}; it then sees the whole log from offset 0. */
    void register(Listener listener);

    /** Starts delivering committed batches and leadership to the listeners (asynchronously). */
    void start();

    /**
     * Appends one batch decided in {@code term}, atomically: all its records commit together or none do. It is
     * written in batch format {@code batchFormat} ({@link io.cairn.metadata.record.MetadataRecordSerde}), which the
     * writer chooses from the finalized metadata level so that every registered node can read it (docs/adr/0028).
     *
     * @return the batch's offset, once committed
     */
    CompletableFuture<Long> append(int term, int batchFormat, List<MetadataRecord> records);

    /** {@link #append(int, int, List)} in the newest batch format (tests and tools; the controller chooses). */
    default CompletableFuture<Long> append(int term, List<MetadataRecord> records) {
        return append(term, io.cairn.metadata.record.MetadataRecordSerde.FORMAT_VERSION, records);
    }

    /** Stops the log; pending appends fail. Idempotent. */
    @Override
    void close();
}
