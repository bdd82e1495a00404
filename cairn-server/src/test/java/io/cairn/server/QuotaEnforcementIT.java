package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * request_percentage, controller_mutation_rate and the ip entities' connection_creation_rate, enforced on one node
 * and seen by real clients (docs/adr/0029).
 */
class QuotaEnforcementIT {

    @TempDir
    static Path dir;
    static TestNode node;
    static Admin admin;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(dir.resolve("data"), Map.of(CairnConfig.METRICS_PORT, 0));
        admin = node.admin();
    }

    @AfterAll
    static void stop() {
        if (admin != null) {
            admin.close();
        }
        if (node != null) {
            node.close();
        }
    }

    private static void setQuota(String entityType, String name, String key, Double value) throws Exception {
        Map<String, String> entity = new HashMap<>();
        entity.put(entityType, name);
        admin.alterClientQuotas(List.of(new ClientQuotaAlteration(new ClientQuotaEntity(entity),
                List.of(new ClientQuotaAlteration.Op(key, value))))).all().get(30, TimeUnit.SECONDS);
    }

    private static double metric(Map<org.apache.kafka.common.MetricName, ? extends Metric> metrics, String name) {
        return metrics.entrySet().stream().filter(e -> e.getKey().name().equals(name))
                .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue())
                .filter(v -> !Double.isNaN(v)).max().orElse(0);
    }

    private static String prometheus() throws Exception {
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + node.node().metricsPort() + "/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }

    private static double throttleCount(String quota) throws Exception {
        return prometheus().lines().filter(line -> line.startsWith("cairn_quota_throttle_time_ms_count{")
                        && line.contains("quota=\"" + quota + "\""))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    @Test
    void aTinyRequestPercentageThrottlesResponsesAndRemovingItLiftsTheThrottle() throws Exception {
        // given: the producer's and the raw client's ids may use 0.01% of a request thread: 1 ms over ten seconds
        String topic = "request-quota";
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        setQuota(ClientQuotaEntity.CLIENT_ID, "busy-producer", "request_percentage", 0.01);
        setQuota(ClientQuotaEntity.CLIENT_ID, "raw-client", "request_percentage", 0.01);

        // when / then: a kafka-clients producer is told to hold back (its produce-throttle-time metric)
        try (KafkaProducer<String, String> producer = node.producer(Map.of(ProducerConfig.CLIENT_ID_CONFIG,
                "busy-producer", ProducerConfig.LINGER_MS_CONFIG, 0))) {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                producer.send(new ProducerRecord<>(topic, "k", "v")).get(30, TimeUnit.SECONDS);
                assertThat(metric(producer.metrics(), "produce-throttle-time-max")).isPositive();
            });
        }
        // and a raw client sees throttle_time_ms in its responses, at most one quota window
        try (RawClient client = new RawClient(node.node().port("PLAINTEXT"))) {
            int[] throttle = new int[1];
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                throttle[0] = ((MetadataResponseData) client.call(ApiKeys.METADATA, new MetadataRequestData()
                        .setTopics(null), (short) 12)).throttleTimeMs();
                return throttle[0] > 0;
            });
            assertThat(throttle[0]).isBetween(1, 1000);
            System.out.printf("QUOTA request_percentage 0.01%%: a Metadata response throttled %d ms%n", throttle[0]);
            assertThat(throttleCount("Request")).isPositive();

            // when: the quota is removed
            setQuota(ClientQuotaEntity.CLIENT_ID, "raw-client", "request_percentage", null);

            // then: the responses carry no throttle time any more
            for (int i = 0; i < 20; i++) {
                assertThat(((MetadataResponseData) client.call(ApiKeys.METADATA, new MetadataRequestData()
                        .setTopics(null), (short) 12)).throttleTimeMs()).isZero();
            }
        } finally {
            setQuota(ClientQuotaEntity.CLIENT_ID, "busy-producer", "request_percentage", null);
        }
    }

    private static CreateTopicsRequestData.CreatableTopic topic(String name, int partitions) {
        return new CreateTopicsRequestData.CreatableTopic().setName(name).setNumPartitions(partitions)
                .setReplicationFactor((short) 1);
    }

    @Test
    void aCreateTopicsAboveTheControllerMutationRateGetsThrottlingQuotaExceeded() throws Exception {
        // given: the raw client may create 1 partition/s, a bucket of 11
        setQuota(ClientQuotaEntity.CLIENT_ID, "raw-client", "controller_mutation_rate", 1.0);
        try (RawClient client = new RawClient(node.node().port("PLAINTEXT"))) {
            CreateTopicsRequestData data = new CreateTopicsRequestData().setTimeoutMs(30_000);
            data.topics().add(topic("mutation-a", 12)); // takes the bucket to -1
            data.topics().add(topic("mutation-b", 1));  // met below zero: refused

            // when
            CreateTopicsResponseData response = (CreateTopicsResponseData) client.call(
                    new CreateTopicsRequest.Builder(data).build((short) 7));

            // then: as Kafka answers a v6+ CreateTopics over the quota
            assertThat(response.topics().find("mutation-a").errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(response.topics().find("mutation-b").errorCode())
                    .isEqualTo(Errors.THROTTLING_QUOTA_EXCEEDED.code());
            assertThat(response.topics().find("mutation-b").errorMessage())
                    .isEqualTo("The throttling quota has been exceeded.");
            assertThat(response.throttleTimeMs()).isBetween(500, 1000);
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains("mutation-a")
                    .doesNotContain("mutation-b");
            assertThat(throttleCount("ControllerMutation")).isPositive();
        } finally {
            setQuota(ClientQuotaEntity.CLIENT_ID, "raw-client", "controller_mutation_rate", null);
        }
    }

    @Test
    void anAdminClientRetriesTopicsThrottledByTheControllerMutationRateUntilTheyAreCreated() throws Exception {
        // given: the admin's client id may create 2 partitions/s, a bucket of 22
        setQuota(ClientQuotaEntity.CLIENT_ID, "mutating-admin", "controller_mutation_rate", 2.0);
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers());
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "mutating-admin");
        try (Admin mutating = Admin.create(props)) {
            double throttledBefore = throttleCount("ControllerMutation");
            // when: 24 partitions, then 6 more each time: the second request meets the bucket at -2, 1 s from zero
            long startNanos = System.nanoTime();
            mutating.createTopics(List.of(new NewTopic("retried-a", 24, (short) 1))).all()
                    .get(30, TimeUnit.SECONDS);
            for (int i = 0; i < MUTATION_TOPICS; i++) {
                mutating.createTopics(List.of(new NewTopic("retried-b" + i, 6, (short) 1))).all()
                        .get(120, TimeUnit.SECONDS);
            }
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);

            // then: the admin client's retries (retry.backoff.ms, the throttle time) make it transparent, and slower
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains("retried-a", "retried-b0");
            assertThat(throttleCount("ControllerMutation")).isGreaterThan(throttledBefore);
            assertThat(elapsedMs).isGreaterThanOrEqualTo(900);
            int partitions = 24 + 6 * MUTATION_TOPICS;
            System.out.printf("QUOTA controller_mutation_rate: %d partitions in %.2f s = %.2f/s for a quota of 2/s "
                    + "(burst 22)%n", partitions, elapsedMs / 1000.0, partitions * 1000.0 / elapsedMs);
        } finally {
            setQuota(ClientQuotaEntity.CLIENT_ID, "mutating-admin", "controller_mutation_rate", null);
        }
    }

    /** How many 6-partition topics the admin creates after the first 24 partitions (the measurement in ADR 0029). */
    private static final int MUTATION_TOPICS = Integer.getInteger("cairn.quota.it.topics", 1);

    /** Connects and asks ApiVersions; true if answered, false if the connection was closed unanswered. */
    private static boolean answered(Socket socket) throws IOException {
        ByteBuffer frame = RawClient.frame(new ApiVersionsRequest.Builder().build((short) 3), "conn-test", 1);
        socket.getOutputStream().write(frame.array(), frame.arrayOffset(), frame.remaining());
        socket.getOutputStream().flush();
        try {
            new DataInputStream(socket.getInputStream()).readInt();
            return true;
        } catch (EOFException | SocketException closed) {
            return false;
        }
    }

    @Test
    void anIpConnectionCreationRateHoldsConnectionsAboveItAndClosesThemUnanswered() throws Exception {
        // given: 127.0.0.1 may open 2 connections/s: 20 at once over the ten first windows
        setQuota(ClientQuotaEntity.IP, "127.0.0.1", "connection_creation_rate", 2.0);
        List<Socket> sockets = new ArrayList<>();
        try {
            // when: 30 connections at once
            for (int i = 0; i < 30; i++) {
                Socket socket = new Socket("127.0.0.1", node.node().port("PLAINTEXT"));
                socket.setSoTimeout(10_000);
                sockets.add(socket);
            }
            int served = 0;
            List<Long> heldMs = new ArrayList<>();
            for (Socket socket : sockets) {
                long startNanos = System.nanoTime();
                if (answered(socket)) {
                    served++;
                } else {
                    heldMs.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
                }
            }

            // then: about 20 are served; the others are held (Kafka: (21 / 10 - 2) / 2 x 10 s = 500 ms and up,
            // at most one window) and closed without an answer
            assertThat(served).isBetween(20, 23);
            assertThat(heldMs).hasSize(30 - served);
            assertThat(heldMs.get(0)).isGreaterThanOrEqualTo(250);
            assertThat(throttleCount("ConnectionCreation")).isGreaterThanOrEqualTo(30 - served);
            // and a kafka-clients admin connecting now still gets through, once its rate allows
            Properties props = new Properties();
            props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers());
            long lateNanos = System.nanoTime();
            try (Admin late = Admin.create(props)) {
                assertThat(late.describeCluster().nodes().get(30, TimeUnit.SECONDS)).hasSize(1);
            }
            System.out.printf("QUOTA connection_creation_rate 2/s: %d of 30 served at once; the others held %s ms, "
                    + "then closed; a new admin client got through after %.2f s%n", served, heldMs,
                    (System.nanoTime() - lateNanos) / 1e9);
        } finally {
            for (Socket socket : sockets) {
                socket.close();
            }
            setQuota(ClientQuotaEntity.IP, "127.0.0.1", "connection_creation_rate", null);
        }
    }
}
