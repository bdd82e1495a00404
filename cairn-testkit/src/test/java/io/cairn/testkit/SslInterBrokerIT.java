package io.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.cairn.server.CairnConfig;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 2-node cluster whose only listener is SSL with client certificates required, the authorizer on, and the nodes'
 * certificate principal (not User:ANONYMOUS) the super user: the brokers are who their certificate says
 * ({@code User:CN=cairn-node}, Kafka's DEFAULT mapping), so registration, heartbeats, forwarding and follower fetches
 * between them are allowed only because their certificate is read.
 */
class SslInterBrokerIT {

    @TempDir
    Path root;

    @Test
    void brokersAuthenticatedByTheirCertificateReplicate() throws Exception {
        // given
        TestCertificates certs = TestCertificates.create(root.resolve("certs"));
        Map<String, Object> node = new HashMap<>(certs.sslProperties(""));
        node.put(CairnConfig.LISTENERS, "SSL://127.0.0.1:0");
        node.put("ssl.client.auth", "required");
        node.put(CairnConfig.AUTHORIZER_CLASS_NAME, "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        node.put(CairnConfig.SUPER_USERS, "User:CN=cairn-node");
        try (CairnCluster cluster = CairnCluster.start(root.resolve("data"), 2, node)) {
            // the client presents the nodes' certificate too: a super user
            Map<String, Object> client = new HashMap<>(certs.sslProperties(""));
            client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
            client.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SSL");

            // when: a replicated topic is created and written with acks=all
            try (Admin admin = Admin.create(client)) {
                admin.createTopics(List.of(new NewTopic("ssl-replicated", 1, (short) 2))).all().get(60,
                        TimeUnit.SECONDS);
            }
            Map<String, Object> producer = new HashMap<>(client);
            producer.put(ProducerConfig.ACKS_CONFIG, "all");
            producer.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
            producer.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
            try (KafkaProducer<String, String> p = new KafkaProducer<>(producer)) {
                for (int i = 0; i < 5; i++) {
                    p.send(new ProducerRecord<>("ssl-replicated", "v" + i)).get(60, TimeUnit.SECONDS);
                }
            }

            // then: both replicas have them (the follower fetched as User:CN=cairn-node), and both stay in the ISR
            for (int id : cluster.runningNodes()) {
                await().atMost(Duration.ofSeconds(30)).until(() -> cluster.node(id).replicas()
                        .highWatermark(new TopicPartition("ssl-replicated", 0)) == 5);
            }
            try (Admin admin = Admin.create(client)) {
                assertThat(admin.describeTopics(List.of("ssl-replicated")).allTopicNames().get(30, TimeUnit.SECONDS)
                        .get("ssl-replicated").partitions().get(0).isr()).hasSize(2);
            }
        }
    }
}
