package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Long-poll fetches, idle connections and idempotent-producer deduplication, on the wire. */
class ProtocolBehaviourIT {

    @TempDir
    static Path dataDir;
    static TestNode node;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(dataDir, Map.of(CairnConfig.CONNECTIONS_MAX_IDLE_MS, 1_000L));
        try (Admin admin = node.admin()) {
            admin.createTopics(List.of(new NewTopic("polled", 1, (short) 1), new NewTopic("dedup", 1, (short) 1)))
                    .all().get();
        }
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void aLongPollIsWokenByNewData() throws Exception {
        // given: a fetch at the log end that may wait 60 s for one byte
        FetchRequestData fetch = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(60_000).setMinBytes(1)
                .setMaxBytes(1 << 20).setSessionEpoch(-1);
        fetch.topics().add(new FetchRequestData.FetchTopic().setTopic("polled").setPartitions(List.of(
                new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0).setPartitionMaxBytes(1 << 20))));
        try (RawClient client = new RawClient(node.node().port())) {
            CompletableFuture<FetchResponseData> response = CompletableFuture.supplyAsync(() -> {
                try {
                    return (FetchResponseData) client.call(ApiKeys.FETCH, fetch, (short) 12);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });

            // when
            try (KafkaProducer<String, String> producer = node.producer(Map.of())) {
                producer.send(new ProducerRecord<>("polled", "k", "wake up")).get();
            }

            // then: answered long before max.wait.ms, with the new record
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(response::isDone);
            FetchResponseData.PartitionData partition = response.get().responses().get(0).partitions().get(0);
            assertThat(partition.errorCode()).isZero();
            assertThat(partition.records().sizeInBytes()).isPositive();
            assertThat(partition.highWatermark()).isEqualTo(1);
        }
    }

    @Test
    void anIdleConnectionIsClosed() throws Exception {
        try (RawClient client = new RawClient(node.node().port())) {
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
                try {
                    return client.socket().getInputStream().read() == -1;
                } catch (java.net.SocketException e) {
                    return true;
                }
            });
        }
    }

    @Test
    void aRetriedBatchGetsItsOriginalOffsetAndAGapIsRefused() throws Exception {
        try (RawClient client = new RawClient(node.node().port())) {
            // given
            InitProducerIdResponseData producer = (InitProducerIdResponseData) client.call(ApiKeys.INIT_PRODUCER_ID,
                    new InitProducerIdRequestData().setTransactionalId(null).setTransactionTimeoutMs(60_000).setProducerId(-1)
                            .setProducerEpoch((short) -1), (short) 4);
            assertThat(producer.errorCode()).isZero();
            long id = producer.producerId();
            short epoch = producer.producerEpoch();

            // when
            ProduceResponseData.PartitionProduceResponse first = produce(client, id, epoch, 0);
            ProduceResponseData.PartitionProduceResponse second = produce(client, id, epoch, 1);
            ProduceResponseData.PartitionProduceResponse retry = produce(client, id, epoch, 1);
            ProduceResponseData.PartitionProduceResponse gap = produce(client, id, epoch, 5);

            // then
            assertThat(first.errorCode()).isZero();
            assertThat(second.baseOffset()).isEqualTo(first.baseOffset() + 1);
            assertThat(retry.errorCode()).isZero();
            assertThat(retry.baseOffset()).isEqualTo(second.baseOffset());
            assertThat(gap.errorCode()).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER.code());
        }
    }

    @Test
    void transactionalRecordsWithoutATransactionalIdAreRefused() throws Exception {
        try (RawClient client = new RawClient(node.node().port())) {
            // given a transactional batch in a produce request that names no transactional id
            MemoryRecords records = MemoryRecords.withTransactionalRecords(Compression.NONE, 4242L, (short) 0, 0,
                    new SimpleRecord("stray".getBytes()));
            ProduceRequestData data = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(5_000);
            data.topicData().add(new ProduceRequestData.TopicProduceData().setName("dedup").setPartitionData(List.of(
                    new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records))));

            // when
            ProduceResponseData response = (ProduceResponseData) client.call(ApiKeys.PRODUCE, data, (short) 9);

            // then it is refused as Kafka does: no transaction is opened that no coordinator would ever end
            assertThat(response.responses().iterator().next().partitionResponses().get(0).errorCode())
                    .isEqualTo(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code());
        }
    }

    private static ProduceResponseData.PartitionProduceResponse produce(RawClient client, long producerId,
                                                                        short epoch, int sequence) throws Exception {
        MemoryRecords records = MemoryRecords.withIdempotentRecords(Compression.NONE, producerId, epoch, sequence,
                new SimpleRecord(("seq-" + sequence).getBytes()));
        ProduceRequestData data = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(5_000);
        data.topicData().add(new ProduceRequestData.TopicProduceData().setName("dedup").setPartitionData(List.of(
                new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records))));
        ProduceResponseData response = (ProduceResponseData) client.call(ApiKeys.PRODUCE, data, (short) 9);
        return response.responses().iterator().next().partitionResponses().get(0);
    }
}
