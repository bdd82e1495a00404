package io.cairn.broker.cluster;

import java.util.concurrent.CompletableFuture;

import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.MetadataListener;

/**
 * Hands a listener the committed images only from the first one this node applies after its registration in this
 * process is committed and applied ({@link BrokerLifecycle#registered}): the first as a change from nothing, then
 * each one as it comes. What a node does as a replica and as a coordinator follows these images, and the images
 * a restarted node replays from its own metadata log are history: in them it may still lead partitions at an
 * epoch the controller is about to take from it, with an ISR long since changed. Acting on them, a node restarted
 * from kill -9 took a high watermark to its log end on an ISR of itself alone from a year-old image, and sent the
 * markers of a transaction its followers did not have (cluster simulation, docs/adr/0036). The registration batch
 * fences the new incarnation and moves away what the old one led, so from there on the node acts only on the
 * present. Kafka's broker does the same: it installs its metadata publishers (replica manager, coordinators) only
 * once it has caught up past its own registration. Client requests wait for the same moment (the serving gate,
 * ARCHITECTURE invariant 9).
 *
 * <p>Not thread-safe: images come from the one thread that applies them.
 */
public final class AfterOwnRegistration implements MetadataListener {

    private final MetadataListener listener;
    private final CompletableFuture<?> registered;
    /** The last image handed on; null until the first. */
    private MetadataImage delivered;

    public AfterOwnRegistration(MetadataListener listener, CompletableFuture<?> registered) {
        this.listener = listener;
        this.registered = registered;
    }

    @Override
    public void onImage(MetadataImage previous, MetadataImage next) {
        if (delivered == null) {
            if (!registered.isDone() || registered.isCompletedExceptionally()) {
                return;
            }
            delivered = MetadataImage.EMPTY;
        }
        MetadataImage before = delivered;
        delivered = next;
        listener.onImage(before, next);
    }
}
