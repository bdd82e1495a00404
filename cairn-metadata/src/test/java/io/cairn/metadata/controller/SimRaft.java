package io.cairn.metadata.controller;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import io.cairn.metadata.log.MetadataLog;
import io.cairn.metadata.record.MetadataBatch;
import io.cairn.metadata.record.MetadataRecord;
import org.apache.kafka.common.errors.NotControllerException;

/**
 * An in-memory replicated metadata log for simulations: one committed log, one leader at a time, commits
 * delivered to every node in order after a random delay, leadership moved by the test. It keeps
 * {@link MetadataLog}'s contract (a new leader has been handed every committed batch before
 * {@code onBecomeLeader}; appends of a lost term fail), except that, when {@code staleCommitProbability} is
 * set, a deposed leader's append is sometimes committed anyway at its old term after a newer term's batch - a
 * log misbehaving, to prove that apply ignores stale terms. Not thread-safe: everything runs on the {@link SimQueue}.
 * Public for the whole-cluster simulation of cairn-broker's tests (docs/adr/0036).
 */
public final class SimRaft {

    private final SimQueue queue;
    private final Random random;
    private final double staleCommitProbability;
    public final List<MetadataBatch> committed = new ArrayList<>();
    /** The batch format each appended batch was written in, by offset (batches a test put in directly have none). */
    final java.util.Map<Long, Integer> formats = new java.util.HashMap<>();
    final List<NodeLog> nodes = new ArrayList<>();
    public int term;
    public int leader = -1;
    int staleCommits;

    public SimRaft(SimQueue queue, Random random, double staleCommitProbability) {
        this.queue = queue;
        this.random = random;
        this.staleCommitProbability = staleCommitProbability;
    }

    public NodeLog node(int nodeId) {
        NodeLog log = new NodeLog(nodeId);
        nodes.removeIf(n -> n.nodeId == nodeId);
        nodes.add(log);
        return log;
    }

    public long endOffset() {
        return committed.size() - 1;
    }

    /** Moves leadership to {@code newLeader} (or to nobody, -1) in a new term. */
    public void elect(int newLeader) {
        int oldTerm = term;
        int oldLeader = leader;
        term++;
        leader = newLeader;
        if (oldLeader != -1) {
            nodeById(oldLeader).listeners.forEach(l -> l.onResign(oldTerm));
        }
        if (newLeader != -1) {
            NodeLog log = nodeById(newLeader);
            log.deliver();
            int newTerm = term;
            java.util.OptionalInt previous = oldLeader == -1 || oldLeader == newLeader
                    ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(oldLeader);
            log.listeners.forEach(l -> l.onBecomeLeader(newTerm, previous));
        }
    }

    private NodeLog nodeById(int id) {
        return nodes.stream().filter(n -> n.nodeId == id).findFirst().orElseThrow();
    }

    private void commit(MetadataBatch batch) {
        committed.add(batch);
        for (NodeLog node : nodes) {
            queue.at(random.nextInt(50), node::deliver);
        }
    }

    /** One node's view of the log. */
    public final class NodeLog implements MetadataLog {
        final int nodeId;
        final List<Listener> listeners = new CopyOnWriteArrayList<>();
        private int delivered;
        private boolean started;
        private long lastAppendAtMs;
        /** Whether the node's process runs: a paused node is handed nothing until {@link #deliver} after it resumes. */
        private java.util.function.BooleanSupplier running = () -> true;

        NodeLog(int nodeId) {
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
            started = true;
            queue.at(0, this::deliver);
        }

        /** Makes deliveries wait while {@code running} is false (a paused process). */
        public void runningWhile(java.util.function.BooleanSupplier running) {
            this.running = running;
        }

        /** Hands the node every committed batch it has not seen (nothing while it does not run). */
        public void deliver() {
            while (started && running.getAsBoolean() && delivered < committed.size()) {
                MetadataBatch batch = committed.get(delivered++);
                listeners.forEach(l -> l.handleCommit(batch));
            }
        }

        @Override
        public CompletableFuture<Long> append(int appendTerm, int batchFormat, List<MetadataRecord> records) {
            CompletableFuture<Long> f = new CompletableFuture<>();
            // A random delay, but one node's appends stay in order, as in a real log.
            long at = Math.max(lastAppendAtMs, queue.now() + random.nextInt(20));
            lastAppendAtMs = at;
            queue.at(at - queue.now(), () -> arrive(appendTerm, batchFormat, records, f, 0));
            return f;
        }

        private void arrive(int appendTerm, int batchFormat, List<MetadataRecord> records, CompletableFuture<Long> f,
                            int attempt) {
            if (appendTerm == term && leader == nodeId) {
                MetadataBatch batch = new MetadataBatch(committed.size(), appendTerm, nodeId, records);
                formats.put(batch.offset(), batchFormat);
                commit(batch);
                f.complete(batch.offset());
                return;
            }
            // A deposed leader's append. Only after the new term has committed something can it be committed
            // by a misbehaving log (before that, a real log cannot tell the terms apart either: Raft commits a
            // new leader's first entry before anything else), so hold it back a while.
            boolean newerTermCommitted = !committed.isEmpty()
                    && committed.get(committed.size() - 1).term() > appendTerm;
            if (staleCommitProbability > 0 && !newerTermCommitted && attempt < 5) {
                queue.at(500, () -> arrive(appendTerm, batchFormat, records, f, attempt + 1));
                return;
            }
            if (newerTermCommitted && random.nextDouble() < staleCommitProbability) {
                staleCommits++;
                formats.put((long) committed.size(), batchFormat);
                commit(new MetadataBatch(committed.size(), appendTerm, nodeId, records));
            }
            f.completeExceptionally(new NotControllerException("node " + nodeId + " does not lead term "
                    + appendTerm));
        }

        @Override
        public void close() {
            started = false;
        }
    }
}
