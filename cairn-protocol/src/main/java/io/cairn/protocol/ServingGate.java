package io.cairn.protocol;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;

import org.apache.kafka.common.errors.ApiException;

/**
 * Holds requests until the node may answer them from its own state: a node answers clients only from a
 * metadata image at least as new as its own registration in this incarnation (ARCHITECTURE invariant 9),
 * as Kafka's broker processes no data-plane request before it has caught up. A held request waits until the
 * gate opens, at most {@code maxWaitMs}, and is then served, or answered with the retriable error its API
 * is given by {@code notReadyError}. Requests for which {@code passes} holds (ApiVersions, the
 * broker-to-controller APIs, ...) are never held. Once open the gate costs one volatile read per request.
 *
 * <p>Thread-safe.
 */
public final class ServingGate {

    private final Predicate<KafkaRequest> passes;
    private final long maxWaitMs;
    private final Function<KafkaRequest, ApiException> notReadyError;
    /** Held requests' waits; each leaves the set when it ends, so nothing accumulates while the gate stays shut. */
    private final Set<CompletableFuture<Boolean>> waiting = ConcurrentHashMap.newKeySet();
    private volatile boolean open;

    public ServingGate(Predicate<KafkaRequest> passes, long maxWaitMs,
                       Function<KafkaRequest, ApiException> notReadyError) {
        this.passes = passes;
        this.maxWaitMs = maxWaitMs;
        this.notReadyError = notReadyError;
    }

    /** A gate that is open from the start (a dispatcher without one). */
    public static ServingGate alwaysOpen() {
        ServingGate gate = new ServingGate(request -> true, 0, request -> null);
        gate.open();
        return gate;
    }

    /** From now on every request is served at once, and the held ones are released. */
    public void open() {
        open = true;
        waiting.forEach(waiter -> waiter.complete(true));
    }

    public boolean isOpen() {
        return open;
    }

    /** Whether {@code request} must wait for the gate. */
    boolean holds(KafkaRequest request) {
        return !open && !passes.test(request);
    }

    /** Completes with true once the gate is open, or with false after the bound. */
    CompletableFuture<Boolean> awaitOpen() {
        return awaitOpen(maxWaitMs);
    }

    private CompletableFuture<Boolean> awaitOpen(long maxWaitMs) {
        CompletableFuture<Boolean> waiter = new CompletableFuture<>();
        waiting.add(waiter);
        waiter.whenComplete((opened, e) -> waiting.remove(waiter));
        if (open) { // opened between the caller's check and the add: open() may not have seen this waiter
            waiter.complete(true);
        }
        return waiter.completeOnTimeout(false, maxWaitMs, TimeUnit.MILLISECONDS);
    }

    /**
     * Completes with true once the gate is open, or with false after {@code maxWaitMs} (on any thread): for what
     * waits on the node's catch-up outside a request, such as a SASL login.
     */
    public CompletableFuture<Boolean> whenOpen(long maxWaitMs) {
        return awaitOpen(maxWaitMs);
    }

    /** How many requests wait now, for tests. */
    int waitingCount() {
        return waiting.size();
    }

    /** The retriable error a held request is answered with when the gate did not open in time. */
    ApiException notReadyError(KafkaRequest request) {
        return notReadyError.apply(request);
    }
}
