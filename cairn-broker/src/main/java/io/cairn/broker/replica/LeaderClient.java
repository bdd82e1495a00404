package io.cairn.broker.replica;

import java.util.concurrent.CompletableFuture;

import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;

/**
 * How a follower reaches the leader of its partitions: a Fetch over the Kafka protocol to that broker's
 * listener. Implementations connect lazily, reconnect after failures, and complete exceptionally when
 * the broker cannot be reached.
 */
public interface LeaderClient {

    CompletableFuture<FetchResponseData> fetch(int leaderId, FetchRequestData request);
}
