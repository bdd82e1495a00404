package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.cairn.broker.replica.Partition;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * KIP-890 part 1 through the raw protocol: a transactional produce for a partition its transaction does not
 * include, or one arriving after its transaction was aborted, is refused and opens no transaction (the last stable
 * offset stays at the high watermark), while one after AddPartitionsToTxn is appended.
 */
class TransactionVerificationIT {

    private static final String TXN_ID = "late-produce";
    private static final TopicPartition TP = new TopicPartition("verified", 0);

    @TempDir
    Path dataDir;

    @Test
    void aProduceOutsideItsTransactionIsRefusedAndOpensNothing() throws Exception {
        try (TestNode node = TestNode.start(dataDir); RawClient client = new RawClient(node.node().port())) {
            // given a topic and a transactional producer known to its coordinator
            try (Admin admin = node.admin()) {
                admin.createTopics(List.of(new NewTopic(TP.topic(), 1, (short) 1))).all().get();
            }
            InitProducerIdResponseData init = RawTransactions.init(client, TXN_ID, (short) 4);
            long pid = init.producerId();
            short epoch = init.producerEpoch();
            Partition partition = node.node().replicas().partition(TP).orElseThrow();

            // when it produces to a partition it never added, the produce is refused and nothing opens
            assertThat(produce(client, pid, epoch, 0, "not-added")).isEqualTo(Errors.TRANSACTION_ABORTABLE);
            assertThat(partition.lastStableOffset()).isEqualTo(partition.highWatermark());

            // when it adds the partition, the produce is appended and its transaction is open
            AddPartitionsToTxnResponseData added = (AddPartitionsToTxnResponseData) client.call(
                    ApiKeys.ADD_PARTITIONS_TO_TXN, new AddPartitionsToTxnRequestData()
                            .setV3AndBelowTransactionalId(TXN_ID).setV3AndBelowProducerId(pid)
                            .setV3AndBelowProducerEpoch(epoch).setV3AndBelowTopics(topics()), (short) 3);
            assertThat(added.resultsByTopicV3AndBelow().iterator().next().resultsByPartition().iterator().next()
                    .partitionErrorCode()).isZero();
            assertThat(produce(client, pid, epoch, 0, "added")).isEqualTo(Errors.NONE);
            assertThat(partition.lastStableOffset()).isLessThan(partition.log().logEndOffset());

            // when the transaction is aborted, a late produce of it is refused and leaves nothing open
            EndTxnResponseData ended = (EndTxnResponseData) client.call(ApiKeys.END_TXN, new EndTxnRequestData()
                    .setTransactionalId(TXN_ID).setProducerId(pid).setProducerEpoch(epoch).setCommitted(false),
                    (short) 4);
            assertThat(ended.errorCode()).isZero();
            Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> partition.lastStableOffset() == partition.log().logEndOffset());
            assertThat(produce(client, pid, epoch, 1, "late")).isEqualTo(Errors.TRANSACTION_ABORTABLE);
            assertThat(partition.lastStableOffset()).isEqualTo(partition.log().logEndOffset());
        }
    }

    /**
     * A producer fenced by a newer instance of its transactional id (InitProducerId bumped the epoch and aborted
     * its transaction) is answered INVALID_PRODUCER_EPOCH for a produce, as Kafka's partition leader translates
     * the coordinator's PRODUCER_FENCED: librdkafka raises its fatal "fenced" error only for that code and
     * treats PRODUCER_FENCED on a produce as an abortable one (librdkafka test 0103_transactions).
     */
    @Test
    void aProduceOfAFencedProducerIsAnsweredInvalidProducerEpoch() throws Exception {
        try (TestNode node = TestNode.start(dataDir); RawClient client = new RawClient(node.node().port())) {
            // given a transactional producer with an open transaction on a partition
            try (Admin admin = node.admin()) {
                admin.createTopics(List.of(new NewTopic(TP.topic(), 1, (short) 1))).all().get();
            }
            InitProducerIdResponseData init = RawTransactions.init(client, TXN_ID, (short) 4);
            long pid = init.producerId();
            short epoch = init.producerEpoch();
            Partition partition = node.node().replicas().partition(TP).orElseThrow();
            AddPartitionsToTxnResponseData added = (AddPartitionsToTxnResponseData) client.call(
                    ApiKeys.ADD_PARTITIONS_TO_TXN, new AddPartitionsToTxnRequestData()
                            .setV3AndBelowTransactionalId(TXN_ID).setV3AndBelowProducerId(pid)
                            .setV3AndBelowProducerEpoch(epoch).setV3AndBelowTopics(topics()), (short) 3);
            assertThat(added.resultsByTopicV3AndBelow().iterator().next().resultsByPartition().iterator().next()
                    .partitionErrorCode()).isZero();
            assertThat(produce(client, pid, epoch, 0, "before-fence")).isEqualTo(Errors.NONE);

            // when a new instance of the transactional id initializes, fencing it and aborting its transaction
            InitProducerIdResponseData newer = RawTransactions.init(client, TXN_ID, (short) 4);
            assertThat(newer.producerEpoch()).isGreaterThan(epoch);
            Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> partition.lastStableOffset() == partition.log().logEndOffset());

            // then its next produce is answered INVALID_PRODUCER_EPOCH and opens nothing
            assertThat(produce(client, pid, epoch, 1, "after-fence")).isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
            assertThat(partition.lastStableOffset()).isEqualTo(partition.log().logEndOffset());
        }
    }

    private static AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection topics() {
        AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection topics =
                new AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection();
        topics.add(new AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic().setName(TP.topic())
                .setPartitions(List.of(TP.partition())));
        return topics;
    }

    private static Errors produce(RawClient client, long pid, short epoch, int sequence, String value)
            throws Exception {
        return RawTransactions.produce(client, TXN_ID, TP, pid, epoch, sequence, value, (short) 11);
    }
}
