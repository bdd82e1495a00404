package io.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.cairn.server.CairnConfig;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.token.delegation.DelegationToken;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SCRAM credentials in a 3-node cluster: written through one node (forwarded to the active controller), replicated
 * through the metadata log, and good for logging in on every other node's SASL listener; so are delegation tokens.
 * Brokers still talk to each other over the PLAINTEXT listener.
 */
class ScramClusterIT {

    @TempDir
    static Path root;
    static CairnCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = CairnCluster.start(root, 3, Map.of(
                CairnConfig.LISTENERS, "PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0",
                CairnConfig.SASL_ENABLED_MECHANISMS, "SCRAM-SHA-256",
                CairnConfig.DELEGATION_TOKEN_SECRET_KEY, "the-cluster-token-secret"));
        cluster.awaitAllRegistered(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aCredentialCreatedThroughOneNodeLogsInOnEveryOther() throws Exception {
        // given: a node that is not the active controller, so that the write is forwarded
        int controller = await().atMost(Duration.ofSeconds(30)).until(cluster::controllerId, id -> id > 0);
        int writer = cluster.runningNodes().stream().filter(id -> id != controller).findFirst().orElseThrow();

        // when
        try (Admin admin = cluster.admin(writer)) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("alice",
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 8192), "alice-secret")))
                    .all().get(30, TimeUnit.SECONDS);
        }

        // then: alice logs in on each node's SASL listener and sees her credential there
        for (int id : cluster.runningNodes()) {
            Map<String, Object> alice = new HashMap<>();
            alice.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
                    "127.0.0.1:" + cluster.node(id).port("SASL_PLAINTEXT"));
            alice.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
            alice.put(SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-256");
            alice.put(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.scram.ScramLoginModule "
                    + "required username=\"alice\" password=\"alice-secret\";");
            // a node's image may trail the controller's by a moment: a refused login is tried again
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                try (Admin admin = Admin.create(alice)) {
                    assertThat(admin.describeUserScramCredentials(List.of("alice")).all()
                            .get(30, TimeUnit.SECONDS).get("alice").credentialInfos())
                            .containsExactly(new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 8192));
                }
            });
        }
    }

    /** Delegation tokens (docs/adr/0034): created through a node that forwards it, good for a login on every node. */
    @Test
    void aTokenCreatedThroughOneNodeLogsInAsItsOwnerOnEveryOther() throws Exception {
        // given: tina's credential, and a node that is not the active controller
        try (Admin admin = cluster.admin(1)) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("tina",
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), "tina-secret")))
                    .all().get(30, TimeUnit.SECONDS);
        }
        int controller = await().atMost(Duration.ofSeconds(30)).until(cluster::controllerId, id -> id > 0);
        int writer = cluster.runningNodes().stream().filter(id -> id != controller).findFirst().orElseThrow();

        // when tina asks that node for a token (forwarded to the controller with her principal)
        DelegationToken token = await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
            try (Admin tina = Admin.create(sasl(writer, "username=\"tina\" password=\"tina-secret\""))) {
                return tina.createDelegationToken().delegationToken().get(30, TimeUnit.SECONDS);
            }
        }, t -> true);
        assertThat(token.tokenInfo().owner()).isEqualTo(new KafkaPrincipal("User", "tina"));
        assertThat(token.tokenInfo().tokenRequester()).isEqualTo(new KafkaPrincipal("User", "tina"));

        // then a login with it works on every node, and every node describes it (with the same HMAC)
        String login = "username=\"" + token.tokenInfo().tokenId() + "\" password=\""
                + Base64.getEncoder().encodeToString(token.hmac()) + "\" tokenauth=\"true\"";
        for (int id : cluster.runningNodes()) {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                try (Admin viaToken = Admin.create(sasl(id, login));
                     Admin tina = Admin.create(sasl(id, "username=\"tina\" password=\"tina-secret\""))) {
                    assertThat(viaToken.describeCluster().nodes().get(30, TimeUnit.SECONDS)).hasSize(3);
                    assertThat(tina.describeDelegationToken().delegationTokens().get(30, TimeUnit.SECONDS))
                            .containsExactly(token);
                }
            });
        }
    }

    private static Map<String, Object> sasl(int node, String credentials) {
        Map<String, Object> props = new HashMap<>();
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + cluster.node(node).port("SASL_PLAINTEXT"));
        props.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
        props.put(SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-256");
        props.put(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.scram.ScramLoginModule required "
                + credentials + ";");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        return props;
    }

    @Test
    void aClientOfTheSaslListenerSeesEveryBrokerThereAndReachesEveryLeader() throws Exception {
        // given: a user, and a topic with a partition led by each node
        try (Admin admin = cluster.admin(1)) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("bob",
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), "bob-secret")))
                    .all().get(30, TimeUnit.SECONDS);
            admin.createTopics(List.of(new NewTopic("over-sasl", 6, (short) 3))).all().get(30, TimeUnit.SECONDS);
        }
        Map<String, Object> bob = new HashMap<>();
        bob.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + cluster.node(2).port("SASL_PLAINTEXT"));
        bob.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
        bob.put(SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-256");
        bob.put(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.scram.ScramLoginModule "
                + "required username=\"bob\" password=\"bob-secret\";");

        // when: bob, bootstrapped through node 2's SASL listener, asks who the brokers are
        Map<Integer, Integer> saslPorts = new HashMap<>();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            try (Admin admin = Admin.create(bob)) {
                saslPorts.clear();
                admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)
                        .forEach(node -> saslPorts.put(node.id(), node.port()));
            }
            // then: every broker, each with its endpoint on that listener (Kafka's rule), not only node 2
            assertThat(saslPorts).hasSize(3);
        });
        for (int id : cluster.runningNodes()) {
            assertThat(saslPorts.get(id)).as("node " + id).isEqualTo(cluster.node(id).port("SASL_PLAINTEXT"));
        }

        // and: acks=all records reach every partition's leader over that listener, and read back
        Map<String, Object> producerConfig = new HashMap<>(bob);
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        producerConfig.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig, new StringSerializer(),
                new StringSerializer())) {
            for (int partition = 0; partition < 6; partition++) {
                producer.send(new ProducerRecord<>("over-sasl", partition, "k", "v" + partition))
                        .get(60, TimeUnit.SECONDS);
            }
        }
        Map<String, Object> consumerConfig = new HashMap<>(bob);
        consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(),
                new StringDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int partition = 0; partition < 6; partition++) {
                partitions.add(new TopicPartition("over-sasl", partition));
            }
            consumer.assign(partitions);
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
                return values.size() >= 6;
            });
        }
        assertThat(values).containsExactlyInAnyOrder("v0", "v1", "v2", "v3", "v4", "v5");
    }
}
