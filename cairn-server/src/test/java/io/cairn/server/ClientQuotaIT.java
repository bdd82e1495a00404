package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterClientQuotasOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.quota.ClientQuotaFilter;
import org.apache.kafka.common.quota.ClientQuotaFilterComponent;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.ProduceRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client quotas with real kafka-clients: Admin's alterClientQuotas and describeClientQuotas (what kafka-configs
 * --entity-type users|clients sends) with Kafka's validation, and a producer (a SASL user's quota) and a consumer (a
 * client id's quota) slowed to their byte rates, told so by throttle_time_ms.
 */
class ClientQuotaIT {

    @TempDir
    static Path dir;
    static TestNode node;

    @BeforeAll
    static void start() throws Exception {
        Map<String, Object> properties = new HashMap<>();
        properties.put(CairnConfig.LISTENERS, "PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0");
        properties.put(CairnConfig.LISTENER_SECURITY_PROTOCOL_MAP, "PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT");
        properties.put("sasl.enabled.mechanisms", "PLAIN");
        properties.put(CairnConfig.METRICS_PORT, 0);
        properties.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", SaslListenerIT.PLAIN_JAAS);
        node = TestNode.start(dir.resolve("data"), properties);
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void quotasAreSetDescribedAndRemoved() throws Exception {
        ClientQuotaEntity alice = new ClientQuotaEntity(Map.of(ClientQuotaEntity.USER, "alice-describe"));
        Map<String, String> defaultClient = new HashMap<>();
        defaultClient.put(ClientQuotaEntity.CLIENT_ID, null);
        ClientQuotaEntity anyClient = new ClientQuotaEntity(defaultClient);
        try (Admin admin = node.admin()) {
            // when: as kafka-configs --alter --entity-type users --entity-name alice-describe --add-config ...,
            // and --entity-type clients --entity-default
            admin.alterClientQuotas(List.of(
                    new ClientQuotaAlteration(alice, List.of(
                            new ClientQuotaAlteration.Op("producer_byte_rate", 1024.0),
                            new ClientQuotaAlteration.Op("request_percentage", 12.5))),
                    new ClientQuotaAlteration(anyClient, List.of(
                            new ClientQuotaAlteration.Op("consumer_byte_rate", 4096.0))))).all().get(30, TimeUnit.SECONDS);

            // then
            assertThat(admin.describeClientQuotas(ClientQuotaFilter.containsOnly(List.of(
                    ClientQuotaFilterComponent.ofEntity(ClientQuotaEntity.USER, "alice-describe"))))
                    .entities().get(30, TimeUnit.SECONDS))
                    .isEqualTo(Map.of(alice, Map.of("producer_byte_rate", 1024.0, "request_percentage", 12.5)));
            assertThat(admin.describeClientQuotas(ClientQuotaFilter.containsOnly(List.of(
                    ClientQuotaFilterComponent.ofDefaultEntity(ClientQuotaEntity.CLIENT_ID))))
                    .entities().get(30, TimeUnit.SECONDS)).isEqualTo(Map.of(anyClient, Map.of("consumer_byte_rate", 4096.0)));
            assertThat(admin.describeClientQuotas(ClientQuotaFilter.contains(List.of(
                    ClientQuotaFilterComponent.ofEntityType(ClientQuotaEntity.USER))))
                    .entities().get(30, TimeUnit.SECONDS)).containsKey(alice).doesNotContainKey(anyClient);

            // when: validate only, then a removal
            admin.alterClientQuotas(List.of(new ClientQuotaAlteration(alice, List.of(
                    new ClientQuotaAlteration.Op("producer_byte_rate", 1.0)))),
                    new AlterClientQuotasOptions().validateOnly(true)).all().get(30, TimeUnit.SECONDS);
            admin.alterClientQuotas(List.of(
                    new ClientQuotaAlteration(alice, List.of(new ClientQuotaAlteration.Op("request_percentage", null))),
                    new ClientQuotaAlteration(anyClient, List.of(
                            new ClientQuotaAlteration.Op("consumer_byte_rate", null))))).all().get(30, TimeUnit.SECONDS);

            // then
            assertThat(admin.describeClientQuotas(ClientQuotaFilter.all()).entities().get(30, TimeUnit.SECONDS))
                    .containsEntry(alice, Map.of("producer_byte_rate", 1024.0)).doesNotContainKey(anyClient);
        }
    }

    @Test
    void badQuotasGetKafkasErrors() throws Exception {
        try (Admin admin = node.admin()) {
            assertRefused(admin, Map.of(ClientQuotaEntity.USER, "bob"), "producer_byte_rate", 10.5,
                    "producer_byte_rate cannot be a fractional value.");
            assertRefused(admin, Map.of(ClientQuotaEntity.USER, "bob"), "connection_creation_rate", 10.0,
                    "Invalid configuration key connection_creation_rate");
            assertRefused(admin, Map.of(ClientQuotaEntity.CLIENT_ID, "c"), "consumer_byte_rate", -1.0,
                    "Quota consumer_byte_rate must be greater than 0");
            assertRefused(admin, Map.of(ClientQuotaEntity.USER, "bob", ClientQuotaEntity.IP, "127.0.0.1"),
                    "producer_byte_rate", 10.0, "Invalid quota entity combination, IP entity should"
                            + "not be combined with User or ClientId");
            assertRefused(admin, Map.of(ClientQuotaEntity.USER, ""), "producer_byte_rate", 10.0,
                    "Empty user not supported");
            // an unknown entity type in a filter: Kafka's brokers answer UNSUPPORTED_VERSION
            assertThatThrownBy(() -> admin.describeClientQuotas(ClientQuotaFilter.contains(List.of(
                    ClientQuotaFilterComponent.ofEntity("group", "g")))).entities().get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause()
                    .isInstanceOf(org.apache.kafka.common.errors.UnsupportedVersionException.class)
                    .hasMessage("Unsupported entity type group");
            assertThat(admin.describeClientQuotas(ClientQuotaFilter.all()).entities().get(30, TimeUnit.SECONDS))
                    .doesNotContainKey(new ClientQuotaEntity(Map.of(ClientQuotaEntity.USER, "bob")));
        }
    }

    @Test
    void aUsersProducerIsSlowedToItsQuota() throws Exception {
        // given: alice's producers may send 100 KiB/s
        String topic = "alice-throttled";
        double quota = 100 * 1024;
        try (Admin admin = node.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            admin.alterClientQuotas(List.of(new ClientQuotaAlteration(
                    new ClientQuotaEntity(Map.of(ClientQuotaEntity.USER, "alice")),
                    List.of(new ClientQuotaAlteration.Op("producer_byte_rate", quota))))).all().get(30, TimeUnit.SECONDS);
        }
        Map<String, Object> alice = new HashMap<>();
        alice.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + node.node().port("SASL_PLAINTEXT"));
        alice.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
        alice.put(SaslConfigs.SASL_MECHANISM, "PLAIN");
        alice.put(SaslConfigs.SASL_JAAS_CONFIG, SaslListenerIT.plainJaas("alice", "alice-secret"));
        alice.put(ProducerConfig.CLIENT_ID_CONFIG, "alice-producer");
        alice.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        // a small buffer: send() blocks instead of queueing what the quota lets through long after the run
        alice.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 64 * 1024);
        String value = "x".repeat(1000);

        // when: it sends as fast as it can; the rate is measured from its first throttle, once it has used the
        // allowance of Kafka's windowed rate (a new client's rate counts as spread over quota.window.num - 1
        // windows, so its first 10 s worth of quota go through at once)
        AtomicLong acked = new AtomicLong();
        AtomicInteger failed = new AtomicInteger();
        try (KafkaProducer<String, String> producer = node.producer(alice)) {
            long startNanos = 0;
            long ackedAtStart = 0;
            int sent = 0;
            while (startNanos == 0 || System.nanoTime() - startNanos < TimeUnit.SECONDS.toNanos(RUN_SECONDS)) {
                producer.send(new ProducerRecord<>(topic, value), (metadata, error) -> {
                    if (error == null) {
                        acked.addAndGet(value.length());
                    } else {
                        failed.incrementAndGet();
                    }
                });
                if (startNanos == 0 && ++sent % 16 == 0
                        && metric(producer.metrics(), "produce-throttle-time-max") > 0) {
                    startNanos = System.nanoTime();
                    ackedAtStart = acked.get();
                }
            }
            producer.flush();
            double seconds = (System.nanoTime() - startNanos) / 1e9;
            long bytes = acked.get() - ackedAtStart;
            double rate = bytes / seconds;
            System.out.printf("QUOTA produce: %d bytes in %.2f s = %.0f B/s for a quota of %.0f B/s (%.1f%%)%n",
                    bytes, seconds, rate, quota, 100 * rate / quota);

            // then: slowed to its quota (the rate measured as Kafka does counts request bytes, more than values)
            assertThat(failed.get()).isZero();
            assertThat(rate).isLessThanOrEqualTo(quota * 1.1);
            assertThat(metric(producer.metrics(), "produce-throttle-time-max")).isPositive();
        }
    }

    @Test
    void aClientIdsConsumerIsSlowedToItsQuota() throws Exception {
        // given: 3 MB to read (cairn.quota.it.records), and the client id "slow-consumer" may read 150 KiB/s (whichever user it is)
        String topic = "client-throttled";
        double quota = 150 * 1024;
        try (Admin admin = node.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            admin.alterClientQuotas(List.of(new ClientQuotaAlteration(
                    new ClientQuotaEntity(Map.of(ClientQuotaEntity.CLIENT_ID, "slow-consumer")),
                    List.of(new ClientQuotaAlteration.Op("consumer_byte_rate", quota))))).all().get(30, TimeUnit.SECONDS);
        }
        String value = "y".repeat(1000);
        int count = Integer.getInteger("cairn.quota.it.records", 3000);
        try (KafkaProducer<String, String> producer = node.producer(Map.of())) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, value));
            }
            producer.flush();
        }

        // when: it reads them all; the rate is measured from its first throttle (see the producer's test)
        long bytes = 0;
        long bytesAtStart = 0;
        int read = 0;
        long startNanos = 0;
        // fetches of at most 64 KiB: a quota is kept more smoothly with responses small beside it
        try (KafkaConsumer<String, String> consumer = node.consumer(Map.of(
                ConsumerConfig.CLIENT_ID_CONFIG, "slow-consumer",
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 64 * 1024))) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120 + count / 100);
            while (read < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    bytes += record.value().length();
                    read++;
                }
                if (startNanos == 0 && metric(consumer.metrics(), "fetch-throttle-time-max") > 0) {
                    startNanos = System.nanoTime();
                    bytesAtStart = bytes;
                }
            }
            double seconds = (System.nanoTime() - startNanos) / 1e9;
            double rate = (bytes - bytesAtStart) / seconds;
            System.out.printf("QUOTA fetch: %d bytes in %.2f s = %.0f B/s for a quota of %.0f B/s (%.1f%%), "
                    + "%d bytes before the first throttle%n", bytes - bytesAtStart, seconds, rate, quota,
                    100 * rate / quota, bytesAtStart);

            // then
            assertThat(read).isEqualTo(count);
            assertThat(startNanos).isPositive();
            assertThat(rate).isLessThanOrEqualTo(quota * 1.1);
            assertThat(metric(consumer.metrics(), "fetch-throttle-time-max")).isPositive();
        }
    }

    @Test
    void aThrottledConnectionIsAnsweredAtOnceAndThenNotReadForTheThrottleTime() throws Exception {
        // given: the raw client's id may produce 10 000 B/s, and it sends 120 000 bytes at once: 12 000 B/s over
        // the first ten seconds' windows, (12 000 - 10 000) / 10 000 * 10 s = 2 s of throttle
        String topic = "muted";
        try (Admin admin = node.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            admin.alterClientQuotas(List.of(new ClientQuotaAlteration(
                    new ClientQuotaEntity(Map.of(ClientQuotaEntity.CLIENT_ID, "raw-client")),
                    List.of(new ClientQuotaAlteration.Op("producer_byte_rate", 10_000.0))))).all()
                    .get(30, TimeUnit.SECONDS);
        }
        ProduceRequestData data = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(30_000);
        ProduceRequestData.TopicProduceData topicData = new ProduceRequestData.TopicProduceData().setName(topic);
        topicData.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(
                MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(new byte[120_000]))));
        data.topicData().add(topicData);

        try (RawClient client = new RawClient(node.node().port("PLAINTEXT"))) {
            // when
            long startNanos = System.nanoTime();
            ProduceResponseData produced = (ProduceResponseData) client.call(new ProduceRequest(data, (short) 9));
            ApiMessage versions = client.call(ApiKeys.API_VERSIONS, new ApiVersionsRequestData(), (short) 3);
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);

            // then: the produce is answered, and told its throttle time (KIP-219)...
            assertThat(produced.responses().iterator().next().partitionResponses().get(0).errorCode()).isZero();
            assertThat(produced.throttleTimeMs()).isBetween(1900, 2200);
            // ...and the connection reads its next request only once the throttle time has passed
            assertThat(versions).isInstanceOf(ApiVersionsResponseData.class);
            assertThat(elapsedMs).isGreaterThanOrEqualTo(produced.throttleTimeMs());
            // and the throttle is counted on the metrics endpoint
            String metrics = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + node.node().metricsPort() + "/metrics")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics.lines().filter(line -> line.startsWith("cairn_quota_throttle_time_ms_max{")
                    && line.contains("quota=\"Produce\""))).singleElement()
                    .satisfies(line -> assertThat(Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                            .isGreaterThanOrEqualTo(produced.throttleTimeMs()));
        }
    }

    /** How long the producer runs once throttled; longer runs come closer to the quota (docs/adr/0022). */
    private static final int RUN_SECONDS = Integer.getInteger("cairn.quota.it.seconds", 20);

    private static double metric(Map<org.apache.kafka.common.MetricName, ? extends Metric> metrics, String name) {
        return metrics.entrySet().stream().filter(e -> e.getKey().name().equals(name))
                .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue()).max().orElse(0);
    }

    private static void assertRefused(Admin admin, Map<String, String> entity, String key, double value,
                                      String message) {
        assertThatThrownBy(() -> admin.alterClientQuotas(List.of(new ClientQuotaAlteration(
                new ClientQuotaEntity(entity), List.of(new ClientQuotaAlteration.Op(key, value))))).all()
                .get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(InvalidRequestException.class)
                .hasMessage(message);
    }
}
