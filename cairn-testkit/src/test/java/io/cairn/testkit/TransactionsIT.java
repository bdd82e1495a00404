package io.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactional producers of the Java client against Cairn: commit and abort seen correctly by read_committed and
 * read_uncommitted consumers, a zombie fenced by a newer instance of its transactional id, on one node and on
 * three nodes bootstrapped through a node that is not the controller.
 */
class TransactionsIT {

    @TempDir
    Path root;

    @Test
    void commitAndAbortOnOneNode() throws Exception {
        try (CairnCluster cluster = CairnCluster.start(root, 1)) {
            commitAbortCommit(cluster.node(1).bootstrapServers(), "single", (short) 1);
        }
    }

    @Test
    void commitAbortAndFencingOnThreeNodesThroughANonController() throws Exception {
        try (CairnCluster cluster = CairnCluster.start(root, 3)) {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> cluster.controllerId() > 0);
            int other = cluster.runningNodes().stream().filter(id -> id != cluster.controllerId()).findFirst()
                    .orElseThrow();
            String bootstrap = cluster.node(other).bootstrapServers();
            commitAbortCommit(bootstrap, "triple", (short) 3);

            // a zombie: an older instance of the same transactional id is fenced by the newer one's init
            try (KafkaProducer<String, String> zombie = producer(bootstrap, "fenced-id");
                 KafkaProducer<String, String> successor = producer(bootstrap, "fenced-id")) {
                zombie.initTransactions();
                zombie.beginTransaction();
                zombie.send(new ProducerRecord<>("triple", "zombie-open")).get();
                successor.initTransactions();
                successor.beginTransaction();
                successor.send(new ProducerRecord<>("triple", "successor")).get();
                successor.commitTransaction();
                // Kafka's answers: a send to a partition already in the zombie's transaction is refused with
                // INVALID_PRODUCER_EPOCH (abortable, KIP-588), any call to the coordinator with PRODUCER_FENCED
                assertThatThrownBy(() -> {
                    zombie.send(new ProducerRecord<>("triple", "zombie-late")).get();
                    zombie.commitTransaction();
                }).satisfies(e -> assertThat(rootCause(e)).isInstanceOfAny(ProducerFencedException.class,
                        InvalidProducerEpochException.class));
                assertThatThrownBy(zombie::commitTransaction).isInstanceOf(KafkaException.class);
            }
            List<String> committed = read(bootstrap, "triple", "read_committed", "successor");
            assertThat(committed).contains("successor").doesNotContain("zombie-open", "zombie-late");
        }
    }

    /**
     * The commit's answer comes once its PREPARE record is written, before its markers reach the partitions' leaders
     * on other nodes; an abort of the next transaction, whose records the client dropped before sending any, goes
     * straight to the coordinator at the bumped epoch. Kafka answers it CONCURRENT_TRANSACTIONS until the markers
     * are written (the client retries); judged by its epoch it was fenced, as `cairn chaos --transactions` found.
     */
    @Test
    void anEmptyTransactionAbortedRightAfterACommitIsNotFencedOnThreeNodes() throws Exception {
        try (CairnCluster cluster = CairnCluster.start(root, 3)) {
            String bootstrap = cluster.node(1).bootstrapServers();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(new NewTopic("alternating", 3, (short) 3))).all().get(30, TimeUnit.SECONDS);
            }
            try (KafkaProducer<String, String> producer = producer(bootstrap, "alternating-id")) {
                producer.initTransactions();
                for (int t = 0; t < 10; t++) {
                    producer.beginTransaction();
                    for (int i = 0; i < 10; i++) {
                        producer.send(new ProducerRecord<>("alternating", i % 3, null, t + "-" + i));
                    }
                    if (t % 2 == 0) {
                        producer.commitTransaction();
                    } else {
                        producer.abortTransaction(); // before any of its records was sent
                    }
                }
            }
            List<String> committed = read(bootstrap, "alternating", "read_committed", "8-9");
            assertThat(committed).hasSize(50).contains("0-0", "8-9").doesNotContain("1-0", "9-9");
        }
    }

    @Test
    void consumeTransformProduceCommitsOffsetsOnlyWithItsTransaction() throws Exception {
        try (CairnCluster cluster = CairnCluster.start(root, 1)) {
            String bootstrap = cluster.node(1).bootstrapServers();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(new NewTopic("ctp-in", 2, (short) 1), new NewTopic("ctp-out", 2, (short) 1)))
                        .all().get();
            }
            try (KafkaProducer<String, String> plain = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
                for (int i = 0; i < 100; i++) {
                    plain.send(new ProducerRecord<>("ctp-in", "k" + i, "v" + i));
                }
            }
            Map<String, Object> consumerProps = new HashMap<>();
            consumerProps.put("bootstrap.servers", bootstrap);
            consumerProps.put("group.id", "ctp");
            consumerProps.put("enable.auto.commit", "false");
            consumerProps.put("isolation.level", "read_committed");
            consumerProps.put("auto.offset.reset", "earliest");
            consumerProps.put("key.deserializer", org.apache.kafka.common.serialization.StringDeserializer.class);
            consumerProps.put("value.deserializer", org.apache.kafka.common.serialization.StringDeserializer.class);
            int transformed = 0;
            boolean abortedOnce = false;
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps);
                 KafkaProducer<String, String> producer = producer(bootstrap, "ctp-txn")) {
                consumer.subscribe(List.of("ctp-in"));
                producer.initTransactions();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (transformed < 100 && System.nanoTime() < deadline) {
                    var records = consumer.poll(Duration.ofMillis(200));
                    if (records.isEmpty()) {
                        continue;
                    }
                    producer.beginTransaction();
                    Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> offsets = new HashMap<>();
                    for (ConsumerRecord<String, String> r : records) {
                        producer.send(new ProducerRecord<>("ctp-out", r.key(), r.value().toUpperCase()));
                        offsets.put(new TopicPartition(r.topic(), r.partition()),
                                new org.apache.kafka.clients.consumer.OffsetAndMetadata(r.offset() + 1));
                    }
                    producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
                    if (!abortedOnce) {
                        // the first batch is aborted: its output vanishes and its offsets are not committed, so the
                        // consumer must rewind to the committed position and process it again
                        producer.abortTransaction();
                        abortedOnce = true;
                        for (TopicPartition tp : offsets.keySet()) {
                            var committed = consumer.committed(java.util.Set.of(tp)).get(tp);
                            consumer.seek(tp, committed == null ? 0 : committed.offset());
                        }
                        continue;
                    }
                    producer.commitTransaction();
                    transformed += records.count();
                }
            }
            assertThat(transformed).isEqualTo(100);
            List<String> out = read(bootstrap, "ctp-out", "read_committed", "V99");
            assertThat(out).hasSize(100).doesNotHaveDuplicates().allMatch(v -> v.startsWith("V"));
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                long committed = admin.listConsumerGroupOffsets("ctp").partitionsToOffsetAndMetadata().get().values()
                        .stream().mapToLong(o -> o.offset()).sum();
                assertThat(committed).isEqualTo(100);
            }
        }
    }

    @Test
    void theKsqlDbCommandTopicPatternThroughANonController() throws Exception {
        try (CairnCluster cluster = CairnCluster.start(root, 3)) {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> cluster.controllerId() > 0);
            int other = cluster.runningNodes().stream().filter(id -> id != cluster.controllerId()).findFirst()
                    .orElseThrow();
            String bootstrap = cluster.node(other).bootstrapServers();
            // ksqlDB's command topic: created at runtime by the server, one partition, RF 3, kept forever
            String commandTopic = "_confluent-ksql-default__command_topic";
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(new NewTopic(commandTopic, 1, (short) 3).configs(Map.of(
                        "cleanup.policy", "delete", "retention.ms", "-1", "min.insync.replicas", "2",
                        "unclean.leader.election.enable", "false")))).all().get();
            }
            // its command runner: one transactional producer named after the service id, a transaction per
            // statement, the statement read back with read_committed before the next one is accepted
            List<String> expected = new ArrayList<>();
            try (KafkaProducer<String, String> producer = producer(bootstrap, "default_")) {
                producer.initTransactions();
                for (int i = 0; i < 10; i++) {
                    String statement = "CREATE STREAM s" + i + " (id INT) WITH (kafka_topic='t" + i + "');";
                    producer.beginTransaction();
                    producer.send(new ProducerRecord<>(commandTopic, "stream/s" + i + "/create", statement)).get();
                    if (i == 4) {
                        producer.abortTransaction(); // a statement that failed validation after being written
                        continue;
                    }
                    producer.commitTransaction();
                    expected.add(statement);
                    assertThat(read(bootstrap, commandTopic, "read_committed", statement)).isEqualTo(expected);
                }
            }
        }
    }

    @Test
    void aTransactionLeftOpenPastItsTimeoutIsAbortedAndItsProducerFenced() throws Exception {
        try (CairnCluster cluster = CairnCluster.start(root, 1, Map.of(
                "transaction.abort.timed.out.transaction.cleanup.interval.ms", "100"))) {
            String bootstrap = cluster.node(1).bootstrapServers();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(new NewTopic("timed-out", 1, (short) 1))).all().get();
            }
            Map<String, Object> props = new HashMap<>();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "forgetful");
            props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 1_000);
            props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
            props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
            try (KafkaProducer<String, String> forgetful = new KafkaProducer<>(props);
                 KafkaProducer<String, String> plain = new KafkaProducer<>(Map.of(
                         ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                         ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                         ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
                forgetful.initTransactions();
                forgetful.beginTransaction();
                forgetful.send(new ProducerRecord<>("timed-out", "never-committed")).get();
                plain.send(new ProducerRecord<>("timed-out", "after")).get();

                // when it stays open past transaction.timeout.ms, the coordinator aborts it: read_committed
                // consumers move past it, and never see its record
                assertThat(read(bootstrap, "timed-out", "read_committed", "after")).containsExactly("after");

                // and its producer, whose epoch the abort bumped, cannot commit it any more
                assertThatThrownBy(forgetful::commitTransaction).isInstanceOf(KafkaException.class);
            }
        }
    }

    @Test
    void anIdleTransactionalIdExpiresAfterTransactionalIdExpirationMs() throws Exception {
        try (CairnCluster cluster = CairnCluster.start(root, 1, Map.of("transactional.id.expiration.ms", "500",
                "transaction.remove.expired.transaction.cleanup.interval.ms", "100"))) {
            String bootstrap = cluster.node(1).bootstrapServers();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(new NewTopic("expiring", 1, (short) 1))).all().get();
                try (KafkaProducer<String, String> producer = producer(bootstrap, "short-lived")) {
                    producer.initTransactions();
                    producer.beginTransaction();
                    producer.send(new ProducerRecord<>("expiring", "v")).get();
                    producer.commitTransaction();
                }
                // then: once idle past the expiration, the coordinator has forgotten the id
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                    try {
                        admin.describeTransactions(List.of("short-lived")).all().get();
                        return false;
                    } catch (java.util.concurrent.ExecutionException e) {
                        return e.getCause() instanceof org.apache.kafka.common.errors.TransactionalIdNotFoundException;
                    }
                });
                assertThat(admin.listTransactions().all().get()).noneMatch(t -> t.transactionalId()
                        .equals("short-lived"));
            }
        }
    }

    /** Commits, aborts and commits again; read_committed sees only the committed values, in order. */
    private static void commitAbortCommit(String bootstrap, String topic, short replicationFactor) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, 3, replicationFactor))).all().get();
        }
        try (KafkaProducer<String, String> producer = producer(bootstrap, topic + "-txn")) {
            producer.initTransactions();
            producer.beginTransaction();
            for (int i = 0; i < 30; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "committed-1-" + i));
            }
            producer.commitTransaction();
            producer.beginTransaction();
            for (int i = 0; i < 30; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "aborted-" + i));
            }
            producer.flush();
            producer.abortTransaction();
            producer.beginTransaction();
            for (int i = 0; i < 30; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "committed-2-" + i));
            }
            producer.send(new ProducerRecord<>(topic, "k0", "last"));
            producer.commitTransaction();
        }
        List<String> committed = read(bootstrap, topic, "read_committed", "last");
        assertThat(committed).hasSize(61).noneMatch(v -> v.startsWith("aborted"));
        List<String> all = read(bootstrap, topic, "read_uncommitted", "last");
        assertThat(all).hasSize(91);
    }

    private static Throwable rootCause(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    static KafkaProducer<String, String> producer(String bootstrap, String transactionalId) {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        return new KafkaProducer<>(props);
    }

    /** Every value of every partition from the start, until {@code last} has been read; 30 s at most. */
    static List<String> read(String bootstrap, String topic, String isolation, String last) {
        return read(bootstrap, topic, isolation, values -> values.contains(last));
    }

    /** Every value of every partition from the start, until {@code enough} holds and every partition is at its end. */
    static List<String> read(String bootstrap, String topic, String isolation,
                             java.util.function.Predicate<List<String>> enough) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = ReadCommittedIT.consumer(bootstrap, isolation)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
                if (enough.test(values) && partitions.stream().allMatch(tp -> consumer.position(tp)
                        >= consumer.endOffsets(List.of(tp)).get(tp))) {
                    break;
                }
            }
        }
        return values;
    }
}
