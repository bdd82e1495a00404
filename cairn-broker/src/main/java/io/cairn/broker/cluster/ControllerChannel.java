package io.cairn.broker.cluster;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;

/**
 * What a node's broker half needs of the network to reach the active controller: send a Kafka request to another
 * node's listener and get its answer, drop the connections to a node that no longer leads, and hear when a node it
 * heartbeats closes that connection (the evidence of docs/adr/0020). {@link InterBrokerChannel} implements it over
 * real connections; the cluster simulation over simulated messages that it delays, loses, duplicates and
 * partitions (docs/adr/0036).
 *
 * <p>Implementations are thread-safe. Futures may complete on any thread, never in the caller's before it returns
 * unless the answer is already known (a closed channel, a refused connection).
 */
public interface ControllerChannel {

    /**
     * Sends {@code builder}'s request, at the newest version both sides know, to the listener at {@code address}.
     * Completes with the parsed response, or fails with the retriable
     * {@link org.apache.kafka.common.errors.NetworkException} when the connection cannot be made or breaks.
     */
    CompletableFuture<AbstractResponse> send(InetSocketAddress address, AbstractRequest.Builder<?> builder);

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
