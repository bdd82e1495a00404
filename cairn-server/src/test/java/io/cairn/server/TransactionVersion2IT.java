package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.cairn.broker.replica.Partition;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.FinalizedVersionRange;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transaction version 2 (KIP-890 part 2) end to end. The node finalizes {@code transaction.version} 2, so Kafka's
 * Java producer adds partitions with its produces and its offsets with TxnOffsetCommit v5 (no AddPartitionsToTxn,
 * no AddOffsetsToTxn), and every commit or abort bumps its epoch; at {@code transaction.version=1} the same
 * producer keeps its epoch. Through the raw protocol: a produce of an ended transaction's epoch can open nothing.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class TransactionVersion2IT {

    private static final String TOPIC = "tv2";
    private static final String GROUP = "tv2-group";

    @TempDir
    Path dataDir;

    @Test
    void theJavaProducerUsesVersion2AndEveryTransactionBumpsItsEpoch() throws Exception {
        try (TestNode node = TestNode.start(dataDir); Admin admin = node.admin()) {
            assertThat(finalizedTransactionVersion(admin)).isEqualTo((short) 2);
            List<Short> epochs = runTransactions(node, admin, "tv2-producer");

            // then each of the four ends moved the epoch on by one
            assertThat(epochs).containsExactly((short) 0, (short) 1, (short) 2, (short) 3, (short) 4);
        }
    }

    @Test
    void atTransactionVersion1TheJavaProducerKeepsItsEpoch() throws Exception {
        try (TestNode node = TestNode.start(dataDir, Map.of("transaction.version", "1")); Admin admin = node.admin()) {
            assertThat(finalizedTransactionVersion(admin)).isEqualTo((short) 1);
            List<Short> epochs = runTransactions(node, admin, "tv1-producer");

            assertThat(epochs).containsOnly((short) 0);
        }
    }

    /**
     * Three committed transactions and one aborted, each with a record and the group's offset, checking what a
     * read_committed consumer and the group see; answers the producer epoch after InitProducerId and each end.
     */
    private static List<Short> runTransactions(TestNode node, Admin admin, String transactionalId)
            throws Exception {
        // the topic the offsets are for must exist (Kafka refuses offsets of partitions that do not)
        admin.createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1), new NewTopic("input", 1, (short) 1)))
                .all().get();
        List<Short> epochs = new ArrayList<>();
        TopicPartition consumed = new TopicPartition("input", 0);
        try (KafkaProducer<String, String> producer = node.producer(Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId))) {
            producer.initTransactions();
            epochs.add(epochOf(admin, transactionalId));
            for (int i = 0; i < 4; i++) {
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(TOPIC, i % 2, "k", "v" + i));
                producer.sendOffsetsToTransaction(Map.of(consumed, new OffsetAndMetadata(10 + i)),
                        new ConsumerGroupMetadata(GROUP));
                if (i == 2) {
                    producer.abortTransaction();
                } else {
                    producer.commitTransaction();
                }
                epochs.add(epochOf(admin, transactionalId));
            }
        }
        try (KafkaConsumer<String, String> consumer = node.consumer(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.GROUP_ID_CONFIG, "reader-" + transactionalId))) {
            consumer.subscribe(List.of(TOPIC));
            List<String> values = new ArrayList<>();
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
                return values.size() >= 3;
            });
            assertThat(values).containsExactlyInAnyOrder("v0", "v1", "v3");
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(GROUP)
                .partitionsToOffsetAndMetadata().get();
        assertThat(offsets.get(consumed).offset()).isEqualTo(13);
        return epochs;
    }

    private static short epochOf(Admin admin, String transactionalId) throws Exception {
        TransactionDescription description = admin.describeTransactions(List.of(transactionalId))
                .description(transactionalId).get();
        return (short) description.producerEpoch();
    }

    private static short finalizedTransactionVersion(Admin admin) throws Exception {
        FinalizedVersionRange range = admin.describeFeatures().featureMetadata().get().finalizedFeatures()
                .get("transaction.version");
        return range.maxVersionLevel();
    }

    @Test
    void aProduceOfAnEndedTransactionsEpochOpensNothing() throws Exception {
        String txnId = "raw-tv2";
        TopicPartition tp = new TopicPartition("raw-tv2", 0);
        try (TestNode node = TestNode.start(dataDir); RawClient client = new RawClient(node.node().port())) {
            // given a topic and a version 2 producer known to its coordinator
            try (Admin admin = node.admin()) {
                admin.createTopics(List.of(new NewTopic(tp.topic(), 1, (short) 1))).all().get();
            }
            InitProducerIdResponseData init = RawTransactions.init(client, txnId, (short) 5);
            long pid = init.producerId();
            short epoch = init.producerEpoch();
            Partition partition = node.node().replicas().partition(tp).orElseThrow();

            // when it produces with Produce v12 and no AddPartitionsToTxn, the partition joins its transaction
            assertThat(produce(client, txnId, tp, pid, epoch, 0, "first")).isEqualTo(Errors.NONE);
            assertThat(partition.lastStableOffset()).isLessThan(partition.log().logEndOffset());

            // when it commits with EndTxn v5, it is answered the bumped epoch
            EndTxnResponseData ended = endTxn(client, txnId, pid, epoch);
            assertThat(ended.errorCode()).isZero();
            assertThat(ended.producerId()).isEqualTo(pid);
            assertThat(ended.producerEpoch()).isEqualTo((short) (epoch + 1));
            Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> partition.lastStableOffset() == partition.log().logEndOffset());

            // then a late produce of the ended transaction is refused and opens nothing
            assertThat(produce(client, txnId, tp, pid, epoch, 1, "late")).isNotEqualTo(Errors.NONE);
            assertThat(partition.lastStableOffset()).isEqualTo(partition.log().logEndOffset());

            // and a retry of the commit is answered what the producer now holds
            EndTxnResponseData retried = endTxn(client, txnId, pid, epoch);
            assertThat(retried.errorCode()).isZero();
            assertThat(retried.producerEpoch()).isEqualTo((short) (epoch + 1));

            // and the next transaction, at the new epoch from sequence 0, is appended
            assertThat(produce(client, txnId, tp, pid, (short) (epoch + 1), 0, "second")).isEqualTo(Errors.NONE);
            assertThat(partition.lastStableOffset()).isLessThan(partition.log().logEndOffset());
        }
    }

    private static EndTxnResponseData endTxn(RawClient client, String txnId, long pid, short epoch)
            throws Exception {
        return (EndTxnResponseData) client.call(ApiKeys.END_TXN, new EndTxnRequestData().setTransactionalId(txnId)
                .setProducerId(pid).setProducerEpoch(epoch).setCommitted(true), (short) 5);
    }

    private static Errors produce(RawClient client, String txnId, TopicPartition tp, long pid, short epoch,
                                  int sequence, String value) throws Exception {
        return RawTransactions.produce(client, txnId, tp, pid, epoch, sequence, value, (short) 12);
    }
}
