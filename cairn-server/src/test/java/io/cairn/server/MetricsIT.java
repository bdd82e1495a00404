package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Prometheus endpoint counts requests per API and reports partitions. */
class MetricsIT {

    @TempDir
    Path dataDir;

    @Test
    void prometheusEndpointReportsRequestsAndPartitions() throws Exception {
        try (TestNode node = TestNode.start(dataDir, Map.of(CairnConfig.METRICS_PORT, 0))) {
            // given
            try (KafkaProducer<String, String> producer = node.producer(Map.of())) {
                producer.send(new ProducerRecord<>("metered", "k", "v")).get();
            }

            // when
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + node.node().metricsPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());

            // then
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body())
                    .containsPattern("cairn_requests_seconds_count\\{api=\"Produce\",node=\"1\"\\} [1-9]")
                    .containsPattern("cairn_partitions\\{node=\"1\"\\} 1")
                    .containsPattern("cairn_delayed_operations\\{node=\"1\",operation=\"fetch\"\\} \\d")
                    .containsPattern("cairn_delayed_operations\\{node=\"1\",operation=\"produce\"\\} \\d")
                    .containsPattern("cairn_request_memory_pool_used_bytes\\{node=\"1\"\\} \\d")
                    .containsPattern("cairn_request_queue_seconds_count\\{api=\"Produce\",node=\"1\"\\} [1-9]")
                    .containsPattern("cairn_topic_bytes_in_total\\{node=\"1\",topic=\"metered\"\\} [1-9]")
                    .containsPattern("cairn_topic_messages_in_total\\{node=\"1\",topic=\"metered\"\\} 1")
                    .containsPattern("cairn_controller_active\\{node=\"1\"\\} 1")
                    .containsPattern("cairn_partitions_under_replicated\\{node=\"1\"\\} 0")
                    .contains("cairn_request_memory_pool_available_bytes")
                    .contains("jvm_memory_used_bytes");
        }
    }

    @Test
    void aStartedNodeAnswersItsHealthProbes() throws Exception {
        try (TestNode node = TestNode.start(dataDir, Map.of(CairnConfig.METRICS_PORT, 0))) {
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + node.node().metricsPort();

            HttpResponse<String> live = http.send(HttpRequest.newBuilder(URI.create(base + "/health/live")).build(),
                    HttpResponse.BodyHandlers.ofString());
            // ready once registered, unfenced and caught up: the node's start does not wait for the unfencing
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).untilAsserted(() -> {
                HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create(base + "/health/ready"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
                assertThat(ready.body()).isEqualTo("ready\n");
            });

            assertThat(live.statusCode()).isEqualTo(200);
            assertThat(live.body()).isEqualTo("live\n");
        }
    }

    @Test
    void aClientThatStallsMidRequestHoldsUpNoOtherScrape() throws Exception {
        try (TestNode node = TestNode.start(dataDir, Map.of(CairnConfig.METRICS_PORT, 0));
             java.net.Socket stalled = new java.net.Socket("127.0.0.1", node.node().metricsPort())) {
            // given: a request line and no end of headers, ever
            stalled.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\n".getBytes());
            stalled.getOutputStream().flush();

            // when
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + node.node().metricsPort() + "/metrics"))
                    .timeout(java.time.Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());

            // then
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).contains("cairn_partitions");
        }
    }
}
