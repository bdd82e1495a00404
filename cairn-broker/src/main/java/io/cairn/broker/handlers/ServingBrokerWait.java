package io.cairn.broker.handlers;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import io.cairn.broker.Schedulers;
import io.cairn.metadata.BrokerImage;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.MetadataListener;
import org.apache.kafka.server.util.Scheduler;

/**
 * Lets a Metadata request wait, bounded, while the cluster has no broker to name. A Metadata answer without
 * brokers is useless to a client, and Kafka's clients retry it with an exponential backoff (100 ms doubling
 * up to 1 s): a client that connected while the node was starting learnt of its broker up to a second
 * after the broker was ready. Kafka's own broker does not process requests at all until it is ready; here
 * the Metadata request is held until the committed image lists an unfenced broker (its registration and
 * unfencing, a few hundred ms at start-up), or at most {@code maxWaitMs}, and then answered from the image.
 * Once a broker is known nothing waits.
 *
 * <p>Thread-safe. It must be registered as a listener of the committed images; waiters complete on the
 * thread that delivers the image that names a broker (or on the scheduler's, at the bound).
 */
public final class ServingBrokerWait implements MetadataListener {

    private final Supplier<MetadataImage> image;
    private final long maxWaitMs;
    private final Scheduler scheduler;
    private final List<CompletableFuture<Void>> waiting = new ArrayList<>();

    /** @param scheduler the node's, whose clock bounds the wait */
    public ServingBrokerWait(Supplier<MetadataImage> image, long maxWaitMs, Scheduler scheduler) {
        this.image = image;
        this.maxWaitMs = maxWaitMs;
        this.scheduler = scheduler;
    }

    /** Completes once the committed image names an unfenced broker (at once if it does), or after the bound. */
    public CompletableFuture<Void> await() {
        if (servesAny(image.get())) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> waiter = new CompletableFuture<>();
        synchronized (waiting) {
            waiting.add(waiter);
        }
        // An image delivered between the check above and the registration has released nobody: look again.
        if (servesAny(image.get())) {
            releaseAll();
        }
        return Schedulers.completeOnTimeout(scheduler, "metadata-broker-wait", waiter, null, maxWaitMs)
                .whenComplete((v, e) -> {
                    synchronized (waiting) {
                        waiting.remove(waiter);
                    }
                });
    }

    @Override
    public void onImage(MetadataImage previous, MetadataImage next) {
        if (servesAny(next)) {
            releaseAll();
        }
    }

    private void releaseAll() {
        List<CompletableFuture<Void>> released;
        synchronized (waiting) {
            if (waiting.isEmpty()) {
                return;
            }
            released = new ArrayList<>(waiting);
            waiting.clear();
        }
        released.forEach(waiter -> waiter.complete(null));
    }

    private static boolean servesAny(MetadataImage image) {
        for (BrokerImage broker : image.brokers().values()) {
            if (!broker.fenced()) {
                return true;
            }
        }
        return false;
    }
}
