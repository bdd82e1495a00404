package io.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.cairn.server.CairnConfig;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 3-node cluster with the authorizer on, configured as docs/adr/0021 tells operators: clients on a SASL listener,
 * brokers on the PLAINTEXT inter-broker listener as User:ANONYMOUS, a super user. Registration, heartbeats,
 * forwarding to the controller, follower fetches (CLUSTER_ACTION) and ISR changes keep working; ACLs written through
 * one node (forwarded to the active controller) are in every node's image.
 */
class AclClusterIT {

    private static final String JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "username=\"admin\" password=\"admin-secret\" user_admin=\"admin-secret\" user_alice=\"alice-secret\" "
            + "user_bob=\"bob-secret\";";

    @TempDir
    static Path root;
    static CairnCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = CairnCluster.start(root, 3, Map.of(
                CairnConfig.LISTENERS, "PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0",
                CairnConfig.SASL_ENABLED_MECHANISMS, "PLAIN",
                "listener.name.sasl_plaintext.plain.sasl.jaas.config", JAAS,
                CairnConfig.AUTHORIZER_CLASS_NAME, "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                CairnConfig.SUPER_USERS, "User:admin;User:ANONYMOUS"));
        cluster.awaitAllRegistered(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aclsWrittenThroughOneNodeHoldOnEveryNodeAndReplicationKeepsWorking() throws Exception {
        // given: a node that is not the active controller, so that CreateTopics and CreateAcls are forwarded
        int controller = await().atMost(Duration.ofSeconds(30)).until(cluster::controllerId, id -> id > 0);
        int writer = cluster.runningNodes().stream().filter(id -> id != controller).findFirst().orElseThrow();
        // (over PLAINTEXT, as User:ANONYMOUS, a super user: on a SASL listener a client sees only the node it
        // connected to, docs/adr/0017, so an Admin there cannot reach the controller another node may be)
        int leader;
        try (Admin admin = cluster.admin(writer)) {
            admin.createTopics(List.of(new NewTopic("secured", 1, (short) 3))).all().get(30, TimeUnit.SECONDS);
            admin.createAcls(List.of(
                    allow(ResourceType.TOPIC, "secured", AclOperation.WRITE),
                    allow(ResourceType.TOPIC, "secured", AclOperation.READ))).all().get(30, TimeUnit.SECONDS);
            leader = await().atMost(Duration.ofSeconds(30)).until(() -> admin.describeTopics(List.of("secured"))
                    .allTopicNames().get(30, TimeUnit.SECONDS).get("secured").partitions().get(0).leader(),
                    node -> node != null).id();
        }

        // when alice produces with acks=all on the leader's SASL listener (the followers fetch as User:ANONYMOUS)
        Map<String, Object> producer = sasl(leader, "alice");
        producer.put(ProducerConfig.ACKS_CONFIG, "all");
        producer.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        producer.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        try (KafkaProducer<String, String> p = new KafkaProducer<>(producer)) {
            for (int i = 0; i < 10; i++) {
                p.send(new ProducerRecord<>("secured", "v" + i)).get(30, TimeUnit.SECONDS);
            }
        }

        // then she reads them back, and the partition keeps its 3 replicas in sync
        assertThat(consume(leader, "alice")).hasSize(10);
        try (Admin admin = cluster.admin(writer)) {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(admin.describeTopics(
                    List.of("secured")).allTopicNames().get(30, TimeUnit.SECONDS).get("secured").partitions()
                    .get(0).isr()).hasSize(3));
        }
        // and bob, without ACLs, is refused
        assertThatThrownBy(() -> consume(leader, "bob")).isInstanceOf(TopicAuthorizationException.class);
        // and the ACLs are in every node's image
        for (int id : cluster.runningNodes()) {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(cluster.node(id).controller()
                    .current().acls().acls()).hasSize(2));
        }
    }

    private static List<String> consume(int node, String user) {
        Map<String, Object> props = sasl(node, user);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            consumer.assign(List.of(new TopicPartition("secured", 0)));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
                return values.size() >= 10;
            });
        }
        return values;
    }

    private static AclBinding allow(ResourceType type, String name, AclOperation operation) {
        return new AclBinding(new ResourcePattern(type, name, PatternType.LITERAL),
                new AccessControlEntry("User:alice", "*", operation, AclPermissionType.ALLOW));
    }

    private static Map<String, Object> sasl(int node, String user) {
        Map<String, Object> props = new HashMap<>();
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + cluster.node(node)
                .port("SASL_PLAINTEXT"));
        props.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
        props.put(SaslConfigs.SASL_MECHANISM, "PLAIN");
        props.put(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.plain.PlainLoginModule required "
                + "username=\"" + user + "\" password=\"" + user + "-secret\";");
        return props;
    }
}
