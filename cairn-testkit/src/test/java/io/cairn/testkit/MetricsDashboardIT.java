package io.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.cairn.server.CairnConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.quota.ClientQuotaFilter;
import org.apache.kafka.common.quota.ClientQuotaFilterComponent;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every metric the Grafana dashboard (docs/grafana/cairn-dashboard.json) queries exists on a 3-node cluster and
 * moves: a short produce and consume load with a consumer group, a request that fails, then a follower stopped
 * (partitions under-replicated, under min ISR, offline; a fenced broker; ISR shrinks) and started again (ISR
 * expands). "Moves" means some series of the metric (a node and its labels) took two different values over the
 * scrapes, or appeared after the first scrape with a value other than 0. Two are checked otherwise, each said
 * below: the active-controller count only changes when the controller moves, and the metadata lag is 0 whenever
 * a node keeps up.
 */
class MetricsDashboardIT {

    private static final Path DASHBOARD = Path.of("../docs/grafana/cairn-dashboard.json");
    private static final Pattern EXPR = Pattern.compile("\"expr\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern METRIC = Pattern.compile("\\bcairn_[a-z0-9_]+");
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})?\\s+(\\S+)");
    private static final int RECORDS = 300;

    @TempDir
    Path root;

    private final HttpClient http = HttpClient.newHttpClient();
    /** Metric -> its values in the last scrape, summed over the running nodes. */
    private final Map<String, Double> lastSums = new HashMap<>();
    /** Metric -> series (node and labels) -> the values scraped. */
    private final Map<String, Map<String, Set<Double>>> seen = new HashMap<>();
    private final Set<String> firstRound = new HashSet<>();
    private boolean baselineTaken;

    @Test
    void everyDashboardMetricExistsAndMovesUnderLoadAndFaults() throws Exception {
        Set<String> dashboardMetrics = dashboardMetrics();
        assertThat(dashboardMetrics).hasSizeGreaterThan(15);
        try (CairnCluster cluster = CairnCluster.start(root, 3, Map.of(CairnConfig.METRICS_PORT, 0))) {
            // given: a baseline scrape of the idle cluster
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> cluster.controllerId() > 0);
            int controller = cluster.controllerId();
            int victim = cluster.runningNodes().stream().filter(id -> id != controller).findFirst().orElseThrow();
            scrape(cluster);
            baselineTaken = true;
            // the count of active controllers only moves when the controller does; it must be exactly 1
            assertThat(sum(cluster, "cairn_controller_active")).as("cairn_controller_active").isEqualTo(1);

            try (Admin admin = cluster.admin(controller)) {
                admin.createTopics(List.of(
                        new NewTopic("load", 3, (short) 3),
                        new NewTopic("strict", 1, (short) 3).configs(Map.of("min.insync.replicas", "3")),
                        new NewTopic("single", Map.of(0, List.of(victim))))).all().get(30, TimeUnit.SECONDS);
                assertThat(admin.describeTopics(List.of("single")).allTopicNames().get(30, TimeUnit.SECONDS)
                        .get("single").partitions().get(0).replicas()).extracting(n -> n.id()).containsExactly(victim);

                // when: records are produced and consumed by a group that commits
                try (KafkaProducer<String, String> producer = producer(cluster);
                     KafkaConsumer<String, String> consumer = consumer(cluster)) {
                    produce(producer, "load", RECORDS);
                    produce(producer, "strict", 10);
                    consumer.subscribe(List.of("load"));
                    consumeAndCommit(consumer, RECORDS);
                    scrape(cluster);

                    // then: records produced and not consumed are the group's lag on its coordinator
                    produce(producer, "load", RECORDS);
                    Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                            .untilAsserted(() -> {
                                scrape(cluster);
                                assertThat(sum(cluster, "cairn_consumer_group_lag")).as("cairn_consumer_group_lag").isEqualTo(RECORDS);
                            });
                    consumeAndCommit(consumer, RECORDS);
                    Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                            .untilAsserted(() -> {
                                scrape(cluster);
                                assertThat(sum(cluster, "cairn_consumer_group_lag")).as("cairn_consumer_group_lag").isZero();
                            });
                }

                // when: a request fails as a whole (a quota filter naming one entity type twice)
                assertThatThrownBy(() -> admin.describeClientQuotas(ClientQuotaFilter.contains(List.of(
                                ClientQuotaFilterComponent.ofEntity("user", "a"),
                                ClientQuotaFilterComponent.ofEntity("user", "b")))).entities()
                        .get(30, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class);
                scrape(cluster);

                // when: a follower stops (its lone partition goes offline, it is fenced and leaves every ISR)
                cluster.stopNode(victim);
                Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                        .untilAsserted(() -> {
                            scrape(cluster);
                            assertThat(sum(cluster, "cairn_partitions_offline")).as("cairn_partitions_offline").isEqualTo(1);
                            assertThat(sum(cluster, "cairn_brokers_fenced")).as("cairn_brokers_fenced").isEqualTo(1);
                            assertThat(sum(cluster, "cairn_partitions_under_replicated")).as("cairn_partitions_under_replicated").isPositive();
                            assertThat(sum(cluster, "cairn_partitions_under_min_isr")).as("cairn_partitions_under_min_isr").isPositive();
                            assertThat(sum(cluster, "cairn_isr_shrinks_total")).as("cairn_isr_shrinks_total").isPositive();
                        });

                // when: it starts again and catches up
                cluster.startNode(victim);
                cluster.awaitAllRegistered(Duration.ofSeconds(60));
                Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                        .untilAsserted(() -> {
                            scrape(cluster);
                            assertThat(sum(cluster, "cairn_partitions_under_replicated")).as("cairn_partitions_under_replicated").isZero();
                            assertThat(sum(cluster, "cairn_partitions_offline")).as("cairn_partitions_offline").isZero();
                            assertThat(sum(cluster, "cairn_isr_expands_total")).as("cairn_isr_expands_total").isPositive();
                        });
            }

            long startNanos = System.nanoTime();
            String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + cluster.node(controller).metricsPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            System.out.printf("[figure] a scrape of node %d: %d series, %d bytes, %d ms%n", controller,
                    body.lines().filter(l -> !l.startsWith("#")).count(), body.length(),
                    (System.nanoTime() - startNanos) / 1_000_000);

            // then: every metric the dashboard uses exists and moved
            Set<String> missing = new TreeSet<>(dashboardMetrics);
            missing.removeAll(seen.keySet());
            assertThat(missing).as("dashboard metrics never scraped").isEmpty();
            Set<String> still = new TreeSet<>();
            for (String metric : dashboardMetrics) {
                if (!moved(metric)) {
                    still.add(metric);
                }
            }
            // cairn_controller_active: checked to be 1 above (it moves only with the controller, not stopped here);
            // cairn_metadata_offset_lag: 0 whenever a node keeps up; its inputs, the applied and committed offsets,
            // are required to move like the rest.
            still.removeAll(Set.of("cairn_controller_active", "cairn_metadata_offset_lag"));
            assertThat(still).as("dashboard metrics that never moved").isEmpty();
        }
    }

    /** Every cairn_* metric name in the dashboard's queries. */
    private static Set<String> dashboardMetrics() throws Exception {
        String json = Files.readString(DASHBOARD);
        Set<String> metrics = new TreeSet<>();
        Matcher expr = EXPR.matcher(json);
        while (expr.find()) {
            Matcher metric = METRIC.matcher(expr.group(1).replace("\\\"", "\""));
            while (metric.find()) {
                metrics.add(metric.group());
            }
        }
        return metrics;
    }

    /** Scrapes every running node and records each series' value, and each metric's sum over this scrape. */
    private void scrape(CairnCluster cluster) throws Exception {
        lastSums.clear();
        for (int id : cluster.runningNodes()) {
            int port = cluster.node(id).metricsPort();
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            for (String line : response.body().split("\n")) {
                Matcher m = SAMPLE.matcher(line);
                if (line.startsWith("#") || !m.find()) {
                    continue;
                }
                String series = "node " + id + " " + (m.group(2) == null ? "" : m.group(2));
                double value = Double.parseDouble(m.group(3));
                seen.computeIfAbsent(m.group(1), k -> new HashMap<>())
                        .computeIfAbsent(series, k -> new HashSet<>()).add(value);
                lastSums.merge(m.group(1), Double.isNaN(value) ? 0 : value, Double::sum);
                if (!baselineTaken) {
                    firstRound.add(m.group(1) + " " + series);
                }
            }
        }
    }

    /**
     * The metric's values in the last {@link #scrape} of every running node, summed (NaN counts as 0): the values the
     * checks of "moved" saw too. (A fresh request here could see a value the scrapes never recorded.)
     */
    private double sum(CairnCluster cluster, String metric) {
        return lastSums.getOrDefault(metric, 0.0);
    }

    private boolean moved(String metric) {
        for (Map.Entry<String, Set<Double>> series : seen.getOrDefault(metric, Map.of()).entrySet()) {
            Set<Double> values = series.getValue();
            if (values.size() > 1) {
                return true;
            }
            boolean appeared = !firstRound.contains(metric + " " + series.getKey());
            if (appeared && values.stream().anyMatch(v -> v != 0 && !v.isNaN())) {
                return true;
            }
        }
        return false;
    }

    private static void produce(KafkaProducer<String, String> producer, String topic, int count) throws Exception {
        List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            sent.add(producer.send(new ProducerRecord<>(topic, Integer.toString(i), "value-" + i)));
        }
        for (java.util.concurrent.Future<?> f : sent) {
            f.get(30, TimeUnit.SECONDS);
        }
    }

    private static void consumeAndCommit(KafkaConsumer<String, String> consumer, int count) {
        int[] read = {0};
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> {
            read[0] += consumer.poll(Duration.ofMillis(200)).count();
            return read[0] >= count;
        });
        consumer.commitSync(Duration.ofSeconds(30));
    }

    private static KafkaProducer<String, String> producer(CairnCluster cluster) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    private static KafkaConsumer<String, String> consumer(CairnCluster cluster) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "metered-group");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
    }
}
