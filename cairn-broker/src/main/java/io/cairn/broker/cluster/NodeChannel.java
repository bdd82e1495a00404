package io.cairn.broker.cluster;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import io.cairn.broker.Schedulers;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.server.util.Scheduler;

/**
 * What a node needs of the network to send Kafka requests to other nodes' listeners: send one and get its answer,
 * drop the connections to a node (a controller that no longer leads, a peer that stopped answering), and hear when
 * a node it heartbeats closes that connection (the evidence of docs/adr/0020). The forwarding writer reaches the active controller through one; the
 * transaction coordinator's marker sender reaches partition leaders through another. {@link InterBrokerChannel}
 * implements it over real connections; the cluster simulation over simulated messages that it delays, loses,
 * duplicates and partitions (docs/adr/0036).
 *
 * <p>Implementations are thread-safe. Futures may complete on any thread, never in the caller's before it returns
 * unless the answer is already known (a closed channel, a refused connection).
 */
public interface NodeChannel {

    /**
     * Sends {@code builder}'s request, at the newest version both sides know, to the listener at {@code address}.
     * Completes with the parsed response, or fails with the retriable
     * {@link org.apache.kafka.common.errors.NetworkException} when the connection cannot be made or breaks.
     */
    CompletableFuture<AbstractResponse> send(InetSocketAddress address, AbstractRequest.Builder<?> builder);

    /**
     * As {@link #send(InetSocketAddress, AbstractRequest.Builder)}, failed with Kafka's retriable
     * {@link TimeoutException} when no answer came within {@code timeoutMs} on {@code scheduler}'s clock; the
     * connections to {@code address} are then dropped, as Kafka's network client drops a connection whose request timed out. A connection that broke
     * silently (a peer host gone or cut off without a reset) otherwise holds this request and every later one
     * until TCP gives up, which takes about 15 minutes on Linux.
     */
    default CompletableFuture<AbstractResponse> send(InetSocketAddress address, AbstractRequest.Builder<?> builder,
                                                     Scheduler scheduler, long timeoutMs) {
        CompletableFuture<AbstractResponse> answer = send(address, builder).copy();
        CompletableFuture<Void> deadline = Schedulers.orTimeout(scheduler, builder.apiKey().name + "-request",
                new CompletableFuture<>(), timeoutMs);
        answer.whenComplete((response, error) -> deadline.complete(null)); // answered: the timer goes
        deadline.whenComplete((none, expired) -> {
            if (expired != null && answer.completeExceptionally(new TimeoutException("No answer from " + address
                    + " to " + builder.apiKey().name + " within " + timeoutMs + " ms"))) {
                disconnect(address);
            }
        });
        return answer;
    }

    /**
     * Drops the connections to {@code address}: the requests pending there fail with the retriable
     * {@link org.apache.kafka.common.errors.NetworkException}; the next send connects again.
     */
    void disconnect(InetSocketAddress address);

    /**
     * Sets who hears, with the other side's address, that a connection carrying this node's heartbeats was closed
     * by the other side; not called when this side closed it.
     */
    void onHeartbeatPeerClosed(Consumer<InetSocketAddress> listener);
}
