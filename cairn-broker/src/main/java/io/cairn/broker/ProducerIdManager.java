package io.cairn.broker;

import java.util.concurrent.CompletableFuture;

import io.cairn.metadata.MetadataWriter;
import io.cairn.metadata.ProducerIdBlock;

/**
 * Hands out producer ids from blocks the controller allocated to this broker, asking for the next block
 * through the metadata write path when the current one runs out. Ids are never reused, across restarts
 * too, because every block is a committed metadata record.
 *
 * <p>Thread-safe.
 */
public final class ProducerIdManager {

    private final int brokerId;
    private final MetadataWriter writer;
    private ProducerIdBlock block;
    private long next;
    private CompletableFuture<ProducerIdBlock> pendingBlock;

    public ProducerIdManager(int brokerId, MetadataWriter writer) {
        this.brokerId = brokerId;
        this.writer = writer;
    }

    public synchronized CompletableFuture<Long> nextProducerId() {
        if (block != null && next < block.firstProducerId() + block.size()) {
            return CompletableFuture.completedFuture(next++);
        }
        if (pendingBlock == null || pendingBlock.isDone()) {
            // Stored future completes only after onBlock ran, so waiters see the new block.
            pendingBlock = writer.allocateProducerIds(brokerId).whenComplete((allocated, error) -> onBlock(allocated));
        }
        return pendingBlock.thenCompose(ignored -> nextProducerId());
    }

    private synchronized void onBlock(ProducerIdBlock allocated) {
        pendingBlock = null;
        if (allocated != null) {
            block = allocated;
            next = allocated.firstProducerId();
        }
    }
}
