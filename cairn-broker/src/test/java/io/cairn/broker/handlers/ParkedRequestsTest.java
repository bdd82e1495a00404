package io.cairn.broker.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.cairn.broker.replica.LoneReplicas;
import io.cairn.broker.replica.ReplicaManager;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.record.BrokerFencingChange;
import io.cairn.metadata.record.ClusterIdRecord;
import io.cairn.metadata.record.MetadataBatch;
import io.cairn.metadata.record.PartitionRecord;
import io.cairn.metadata.record.RegisterBrokerRecord;
import io.cairn.metadata.record.TopicRecord;
import io.cairn.protocol.ConnectionLifetime;
import io.cairn.protocol.RequestContext;
import io.cairn.storage.LogManager;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.server.util.KafkaScheduler;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Work parked for a client (long polls, acks=all produces waiting for a follower) does not outlive the client's
 * connection, and an acks=all produce does not hold its request's bytes while it waits for replication. This node
 * leads partition t-0 with a follower, node 2, that never fetches: acks=all waits until its timeout.
 */
class ParkedRequestsTest {

    private static final Uuid TOPIC_ID = Uuid.randomUuid();
    private static final MetadataImage SERVING = MetadataImage.EMPTY.apply(new MetadataBatch(1, 1, 1, List.of(
            new ClusterIdRecord("c", (short) 1),
            new RegisterBrokerRecord(1, "h", 9092, null, 1, false),
            new RegisterBrokerRecord(2, "h", 9093, null, 1, false),
            new BrokerFencingChange(1, 1, false))));
    private static final MetadataImage LED = SERVING.apply(new MetadataBatch(2, 1, 1, List.of(
            new TopicRecord("t", TOPIC_ID),
            new PartitionRecord(TOPIC_ID, 0, List.of(1, 2), List.of(1, 2), 1, 0, 0, null, null))));
    private static final long TEN_MINUTES_MS = TimeUnit.MINUTES.toMillis(10);

    @TempDir
    Path dir;

    /** The node's timers (log and replica manager): Kafka's scheduler, on the wall clock as the rest of this test. */
    private KafkaScheduler timers;
    private LogManager logManager;
    private ReplicaManager replicas;
    private ProduceHandler produceHandler;
    private FetchHandler fetchHandler;

    @BeforeEach
    void startNode() {
        timers = new KafkaScheduler(1);
        timers.startup();
        logManager = new LogManager(dir, Time.SYSTEM, timers, 60_000);
        logManager.startup();
        replicas = LoneReplicas.start(logManager, timers, TEN_MINUTES_MS);
        replicas.onImage(MetadataImage.EMPTY, SERVING);
        replicas.onImage(SERVING, LED);
        produceHandler = new ProduceHandler(() -> LED, replicas, null);
        fetchHandler = new FetchHandler(() -> LED, replicas);
    }

    @AfterEach
    void stopNode() throws InterruptedException {
        replicas.shutdown();
        logManager.close();
        timers.shutdown();
    }

    @Test
    void anAcksAllProduceGivesItsRequestBytesBackOnceAppendedNotOnceReplicated() {
        // given
        AtomicInteger released = new AtomicInteger();
        RequestContext context = context(ApiKeys.PRODUCE, (short) 11, new ConnectionLifetime(), released);

        // when
        CompletableFuture<ApiMessage> response = produceHandler.handle(context, acksAllProduce(TEN_MINUTES_MS));

        // then
        assertThat(response).as("waiting for node 2, which never fetches").isNotDone();
        assertThat(replicas.produceWaiters().pending()).isEqualTo(1);
        assertThat(released).as("the records are in the log: their bytes may go").hasValue(1);
    }

    @Test
    void closingTheConnectionEndsItsParkedAcksAllProduce() throws Exception {
        // given
        ConnectionLifetime connection = new ConnectionLifetime();
        CompletableFuture<ApiMessage> response = produceHandler.handle(
                context(ApiKeys.PRODUCE, (short) 11, connection, new AtomicInteger()), acksAllProduce(TEN_MINUTES_MS));
        assertThat(response).isNotDone();

        // when
        connection.close();

        // then
        assertThat(response.get(10, TimeUnit.SECONDS)).isInstanceOf(ProduceResponseData.class);
        assertThat(replicas.produceWaiters().pending()).isZero();
        assertThat(replicas.produceWaiters().watched()).isZero();
    }

    @Test
    void closingTheConnectionEndsItsLongPollsAndNoOtherConnections() throws Exception {
        // given 50 long polls of ten minutes on one connection, one on another
        ConnectionLifetime leaving = new ConnectionLifetime();
        ConnectionLifetime staying = new ConnectionLifetime();
        List<CompletableFuture<ApiMessage>> polls = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            polls.add(fetchHandler.handle(context(ApiKeys.FETCH, (short) 12, leaving, new AtomicInteger()),
                    longPoll((int) TEN_MINUTES_MS)));
        }
        CompletableFuture<ApiMessage> other = fetchHandler.handle(
                context(ApiKeys.FETCH, (short) 12, staying, new AtomicInteger()), longPoll((int) TEN_MINUTES_MS));
        assertThat(replicas.fetchWaiters().pending()).isEqualTo(51);

        // when
        leaving.close();

        // then
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> polls.stream().allMatch(CompletableFuture::isDone));
        assertThat(replicas.fetchWaiters().pending()).isEqualTo(1);
        assertThat(replicas.fetchWaiters().watched()).isEqualTo(1);
        assertThat(other).isNotDone();
    }

    private static RequestContext context(ApiKeys api, short version, ConnectionLifetime connection,
                                          AtomicInteger released) {
        return new RequestContext(new RequestHeader(api, version, "test", 1), new InetSocketAddress("127.0.0.1", 1),
                "c1", 0, connection, released::incrementAndGet);
    }

    private static ProduceRequest acksAllProduce(long timeoutMs) {
        MemoryRecords records = MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("v".getBytes()));
        ProduceRequestData data = new ProduceRequestData().setAcks((short) -1).setTimeoutMs((int) timeoutMs);
        data.topicData().add(new ProduceRequestData.TopicProduceData().setName("t")
                .setPartitionData(List.of(new ProduceRequestData.PartitionProduceData().setIndex(0)
                        .setRecords(records))));
        return new ProduceRequest(data, (short) 11);
    }

    private static FetchRequest longPoll(int maxWaitMs) {
        FetchRequestData data = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(maxWaitMs).setMinBytes(1)
                .setMaxBytes(1 << 20).setSessionId(0).setSessionEpoch(-1);
        data.topics().add(new FetchRequestData.FetchTopic().setTopic("t").setPartitions(List.of(
                new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0).setPartitionMaxBytes(1 << 20)
                        .setCurrentLeaderEpoch(-1))));
        return new FetchRequest(data, (short) 12);
    }
}
