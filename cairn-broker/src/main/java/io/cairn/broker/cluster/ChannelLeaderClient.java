package io.cairn.broker.cluster;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import io.cairn.broker.replica.LeaderClient;
import io.cairn.metadata.BrokerImage;
import io.cairn.metadata.MetadataImage;
import org.apache.kafka.common.errors.BrokerNotAvailableException;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.server.util.Scheduler;

/**
 * Sends followers' fetches to the leader broker's Kafka listener, found in the committed image. Uses its
 * own {@link InterBrokerChannel} (own connections), so a parked fetch never delays forwarded metadata writes.
 *
 * <p>Thread-safe.
 */
public final class ChannelLeaderClient implements LeaderClient, AutoCloseable {

    /**
     * How long a fetch waits for the leader's answer before its connection is dropped and the fetcher backs off
     * (Kafka's replica.socket.timeout.ms): far above a fetch's own wait (replica.fetch.wait.max.ms, 500 ms).
     */
    public static final long FETCH_TIMEOUT_MS = 30_000;

    private final InterBrokerChannel channel;
    private final Supplier<MetadataImage> image;
    private final Scheduler scheduler;

    public ChannelLeaderClient(int nodeId, Supplier<MetadataImage> image, Scheduler scheduler) {
        this(nodeId, image, scheduler, InterBrokerConnector.PLAINTEXT);
    }

    public ChannelLeaderClient(int nodeId, Supplier<MetadataImage> image, Scheduler scheduler,
                               InterBrokerConnector connector) {
        this.channel = new InterBrokerChannel(nodeId, connector);
        this.image = image;
        this.scheduler = scheduler;
    }

    @Override
    public CompletableFuture<FetchResponseData> fetch(int leaderId, FetchRequestData request) {
        BrokerImage leader = image.get().brokers().get(leaderId);
        if (leader == null) {
            return CompletableFuture.failedFuture(new BrokerNotAvailableException("Broker " + leaderId
                    + " is not registered"));
        }
        return channel.send(new InetSocketAddress(leader.host(), leader.port()),
                        new DataRequestBuilder(ApiKeys.FETCH, request), scheduler, FETCH_TIMEOUT_MS)
                .thenApply(response -> (FetchResponseData) response.data());
    }

    @Override
    public void close() {
        channel.close();
    }
}
