package io.cairn.broker.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.cairn.broker.replica.LoneReplicas;
import io.cairn.broker.replica.ReplicaManager;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.record.BrokerFencingChange;
import io.cairn.metadata.record.ClusterIdRecord;
import io.cairn.metadata.record.MetadataBatch;
import io.cairn.metadata.record.PartitionRecord;
import io.cairn.metadata.record.RegisterBrokerRecord;
import io.cairn.metadata.record.TopicRecord;
import io.cairn.protocol.RequestContext;
import io.cairn.storage.LogManager;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.server.util.KafkaScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A produce or a fetch that arrives between the commit of a new partition led by this node and this node
 * creating its log waits for the log instead of being refused (the client would only retry after its
 * backoff); requests for partitions led elsewhere are refused at once, and the wait is bounded.
 */
class TakeoverWaitTest {

    private static final Uuid TOPIC_ID = Uuid.randomUuid();
    private static final MetadataImage SERVING = MetadataImage.EMPTY.apply(new MetadataBatch(1, 1, 1, List.of(
            new ClusterIdRecord("c", (short) 1),
            new RegisterBrokerRecord(1, "h", 9092, null, 1, false),
            new RegisterBrokerRecord(2, "h", 9093, null, 1, false),
            new BrokerFencingChange(1, 1, false))));

    @TempDir
    Path dir;

    /** The node's timers (log and replica manager): Kafka's scheduler, on the wall clock as the rest of this test. */
    private KafkaScheduler timers;
    private LogManager logManager;
    private ReplicaManager replicas;
    private final AtomicReference<MetadataImage> image = new AtomicReference<>(SERVING);
    private ProduceHandler handler;
    private FetchHandler fetchHandler;

    @BeforeEach
    void startNode() {
        timers = new KafkaScheduler(1);
        timers.startup();
        logManager = new LogManager(dir, Time.SYSTEM, timers, 60_000);
        logManager.startup();
        replicas = LoneReplicas.start(logManager, timers, 30_000);
        replicas.onImage(MetadataImage.EMPTY, SERVING);
        handler = new ProduceHandler(image::get, replicas, null);
        fetchHandler = new FetchHandler(image::get, replicas);
    }

    @AfterEach
    void stopNode() throws InterruptedException {
        replicas.shutdown();
        logManager.close();
        timers.shutdown();
    }

    private static MetadataImage withTopicLedBy(int leader) {
        return SERVING.apply(new MetadataBatch(2, 1, 1, List.of(
                new TopicRecord("t", TOPIC_ID),
                new PartitionRecord(TOPIC_ID, 0, List.of(1, 2), List.of(1, 2), leader, 0, 0, null, null))));
    }

    private CompletableFuture<ApiMessage> produce(int timeoutMs) {
        MemoryRecords records = MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("v".getBytes()));
        ProduceRequestData data = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(timeoutMs);
        data.topicData().add(new ProduceRequestData.TopicProduceData().setName("t")
                .setPartitionData(List.of(new ProduceRequestData.PartitionProduceData().setIndex(0)
                        .setRecords(records))));
        short version = 11;
        ProduceRequest request = new ProduceRequest(data, version);
        RequestContext context = new RequestContext(new RequestHeader(ApiKeys.PRODUCE, version, "test", 1),
                new InetSocketAddress("127.0.0.1", 1), "c1", 0);
        return handler.handle(context, request);
    }

    private CompletableFuture<ApiMessage> fetch(int maxWaitMs) {
        FetchRequestData data = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(maxWaitMs).setMinBytes(1)
                .setMaxBytes(1 << 20).setSessionId(0).setSessionEpoch(-1);
        data.topics().add(new FetchRequestData.FetchTopic().setTopic("t").setPartitions(List.of(
                new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0).setPartitionMaxBytes(1 << 20)
                        .setCurrentLeaderEpoch(-1))));
        short version = 12;
        FetchRequest request = new FetchRequest(data, version);
        RequestContext context = new RequestContext(new RequestHeader(ApiKeys.FETCH, version, "test", 2),
                new InetSocketAddress("127.0.0.1", 1), "c1", 0);
        return fetchHandler.handle(context, request);
    }

    private static FetchResponseData.PartitionData onlyFetched(ApiMessage response) {
        return ((FetchResponseData) response).responses().get(0).partitions().get(0);
    }

    private static PartitionProduceResponse only(ApiMessage response) {
        return ((ProduceResponseData) response).responses().iterator().next().partitionResponses().get(0);
    }

    @Test
    void aProduceToAPartitionWhoseLogIsBeingCreatedWaitsForIt() throws Exception {
        MetadataImage created = withTopicLedBy(1);
        image.set(created); // committed and published: Metadata already names this node the leader

        CompletableFuture<ApiMessage> response = produce(30_000);
        assertThat(response).isNotDone();

        replicas.onImage(SERVING, created); // this node creates the log and takes the leadership
        PartitionProduceResponse answer = only(response.get(10, TimeUnit.SECONDS));
        assertThat(Errors.forCode(answer.errorCode())).isEqualTo(Errors.NONE);
        assertThat(answer.baseOffset()).isZero();
    }

    @Test
    void aProduceToAPartitionLedElsewhereIsRefusedAtOnce() throws Exception {
        image.set(withTopicLedBy(2));

        CompletableFuture<ApiMessage> response = produce(30_000);

        assertThat(response).isDone();
        assertThat(Errors.forCode(only(response.get()).errorCode())).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
    }

    @Test
    void theWaitEndsAtTheRequestTimeout() throws Exception {
        image.set(withTopicLedBy(1)); // never acted on

        PartitionProduceResponse answer = only(produce(50).get(10, TimeUnit.SECONDS));

        assertThat(Errors.forCode(answer.errorCode())).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
    }

    @Test
    void aProducersTransactionalProducesAppendInArrivalOrderWhileOneAwaitsItsVerification() throws Exception {
        // given this node leads the partition, and a coordinator that answers verifications only when told to
        MetadataImage led = withTopicLedBy(1);
        image.set(led);
        replicas.onImage(SERVING, led);
        List<CompletableFuture<Map<TopicPartition, Errors>>> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        ProduceHandler transactional = new ProduceHandler(image::get, replicas, (id, producerId, epoch, partitions, add) -> {
            CompletableFuture<Map<TopicPartition, Errors>> answer = new CompletableFuture<>();
            asked.add(answer);
            return answer;
        });

        // when a producer pipelines two produces of its transaction, the first one opening it on the partition
        CompletableFuture<ApiMessage> first = transactional.handle(context(), transactionalProduce(0, "a"));
        CompletableFuture<ApiMessage> second = transactional.handle(context(), transactionalProduce(1, "b"));

        // then the second waits behind the first, which waits for its verification
        assertThat(asked).hasSize(1);
        assertThat(first).isNotDone();
        assertThat(second).isNotDone();
        asked.get(0).complete(Map.of(new TopicPartition("t", 0), Errors.NONE));
        PartitionProduceResponse a = only(first.get(10, TimeUnit.SECONDS));
        PartitionProduceResponse b = only(second.get(10, TimeUnit.SECONDS));
        assertThat(Errors.forCode(a.errorCode())).isEqualTo(Errors.NONE);
        assertThat(Errors.forCode(b.errorCode())).isEqualTo(Errors.NONE);
        assertThat(b.baseOffset()).isEqualTo(a.baseOffset() + 1);
        assertThat(asked).hasSize(1); // the transaction was open by then: nothing more to verify
    }

    private static ProduceRequest transactionalProduce(int sequence, String value) {
        MemoryRecords records = MemoryRecords.withTransactionalRecords(Compression.NONE, 7L, (short) 0, sequence,
                new SimpleRecord(value.getBytes()));
        ProduceRequestData data = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(30_000)
                .setTransactionalId("pipelined");
        data.topicData().add(new ProduceRequestData.TopicProduceData().setName("t")
                .setPartitionData(List.of(new ProduceRequestData.PartitionProduceData().setIndex(0)
                        .setRecords(records))));
        return new ProduceRequest(data, (short) 11);
    }

    private static RequestContext context() {
        return new RequestContext(new RequestHeader(ApiKeys.PRODUCE, (short) 11, "test", 1),
                new InetSocketAddress("127.0.0.1", 1), "c1", 0);
    }

    @Test
    void aFetchOfAPartitionWhoseLogIsBeingCreatedWaitsForIt() throws Exception {
        MetadataImage created = withTopicLedBy(1);
        image.set(created);

        CompletableFuture<ApiMessage> response = fetch(1_000); // then waits up to 1 s for data: there is none
        assertThat(response).isNotDone();

        replicas.onImage(SERVING, created);
        FetchResponseData.PartitionData answer = onlyFetched(response.get(10, TimeUnit.SECONDS));
        assertThat(Errors.forCode(answer.errorCode())).isEqualTo(Errors.NONE);
    }

    @Test
    void aFetchOfAPartitionLedElsewhereIsRefusedAtOnce() throws Exception {
        image.set(withTopicLedBy(2));

        CompletableFuture<ApiMessage> response = fetch(5_000);

        assertThat(response).isDone();
        assertThat(Errors.forCode(onlyFetched(response.get()).errorCode())).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
    }
}
