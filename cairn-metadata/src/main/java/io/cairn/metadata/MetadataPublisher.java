package io.cairn.metadata;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import io.cairn.metadata.record.MetadataBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads committed batches into the image and publishes it: applies each batch in order, swaps the volatile
 * {@link #current()} reference, completes the futures waiting for that offset, then tells the
 * {@link MetadataListener}s in registration order.
 *
 * <p>Waiters are completed before the listeners run, so a controller answers as soon as its records are
 * committed and visible in {@link #current()} (what Metadata requests read), not after this node has acted
 * on them: creating the logs of 600 new partitions takes this node's disk most of a second, and Kafka's
 * controller also answers CreateTopics before any broker created a log. A produce that reaches a partition
 * whose log is not created yet waits for the replica manager (see ProduceHandler).
 *
 * <p>Threading: {@link #publish} is called only on the metadata log's apply thread. {@link #current()},
 * {@link #addListener} and {@link #whenApplied} are thread-safe.
 */
public final class MetadataPublisher {

    private static final Logger LOG = LoggerFactory.getLogger(MetadataPublisher.class);

    private final String logPrefix;
    private final List<MetadataListener> listeners = new CopyOnWriteArrayList<>();
    private volatile MetadataImage current = MetadataImage.EMPTY;
    private final OffsetWaiters waiters = new OffsetWaiters(MetadataImage.EMPTY.offset());

    public MetadataPublisher(int nodeId) {
        this.logPrefix = "[node " + nodeId + "] ";
    }

    /** The latest committed and applied image. Never null. */
    public MetadataImage current() {
        return current;
    }

    /** Adds a listener; it is told of images published after this call. */
    public void addListener(MetadataListener listener) {
        listeners.add(listener);
    }

    /**
     * Completes (on the apply thread, or at once) when {@link #current()} has reached {@code offset}; the
     * listeners may not have seen that image yet.
     */
    public CompletableFuture<Void> whenApplied(long offset) {
        return waiters.when(offset);
    }

    /** Applies one committed batch. Apply thread only. */
    public void publish(MetadataBatch batch) {
        MetadataImage previous = current;
        if (batch.offset() <= previous.offset()) {
            throw new IllegalStateException(logPrefix + "batch at offset " + batch.offset()
                    + " is not after the image at " + previous.offset());
        }
        MetadataImage next = previous.apply(batch);
        current = next;
        waiters.advanceTo(next.offset());
        for (MetadataListener listener : listeners) {
            try {
                listener.onImage(previous, next);
            } catch (RuntimeException e) {
                LOG.error("{}metadata listener {} failed on image at offset {}", logPrefix, listener,
                        next.offset(), e);
            }
        }
    }
}
