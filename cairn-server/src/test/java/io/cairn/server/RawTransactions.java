package io.cairn.server;

import java.time.Duration;
import java.util.List;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.awaitility.Awaitility;

/** A transactional producer's requests through {@link RawClient}, for tests that pick the exact versions. */
final class RawTransactions {

    private RawTransactions() {
    }

    /** Waits until the transactional id has a coordinator, then gets its producer id and epoch. */
    static InitProducerIdResponseData init(RawClient client, String transactionalId, short version) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> ((FindCoordinatorResponseData) client.call(
                ApiKeys.FIND_COORDINATOR, new FindCoordinatorRequestData().setKeyType((byte) 1)
                        .setCoordinatorKeys(List.of(transactionalId)), (short) 4)).coordinators().get(0)
                .errorCode() == 0);
        return Awaitility.await().atMost(Duration.ofSeconds(30)).until(
                () -> (InitProducerIdResponseData) client.call(ApiKeys.INIT_PRODUCER_ID,
                        new InitProducerIdRequestData().setTransactionalId(transactionalId)
                                .setTransactionTimeoutMs(60_000).setProducerId(-1).setProducerEpoch((short) -1),
                        version),
                r -> r.errorCode() == 0);
    }

    /** One transactional record to one partition, acks=all, at the given Produce version; the partition's error. */
    static Errors produce(RawClient client, String transactionalId, TopicPartition tp, long pid, short epoch,
                          int sequence, String value, short version) throws Exception {
        MemoryRecords records = MemoryRecords.withTransactionalRecords(Compression.NONE, pid, epoch, sequence,
                new SimpleRecord(value.getBytes()));
        ProduceRequestData data = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(5_000)
                .setTransactionalId(transactionalId);
        data.topicData().add(new ProduceRequestData.TopicProduceData().setName(tp.topic()).setPartitionData(List.of(
                new ProduceRequestData.PartitionProduceData().setIndex(tp.partition()).setRecords(records))));
        ProduceResponseData response = (ProduceResponseData) client.call(ApiKeys.PRODUCE, data, version);
        return Errors.forCode(response.responses().iterator().next().partitionResponses().get(0).errorCode());
    }
}
