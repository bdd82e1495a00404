package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.AuthenticationContext;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.KafkaPrincipalBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Principals from client certificates, as Kafka's DefaultKafkaPrincipalBuilder makes them, with real clients and the
 * authorizer on, and no anonymous super user: on MTLS (client certificates required) the subject
 * {@code CN=alice,OU=clients,O=Cairn} is {@code User:alice} through the listener's
 * {@code ssl.principal.mapping.rules}; on OPEN (certificates requested, default rules) it is the whole subject, and a
 * client without one is {@code User:ANONYMOUS}; on CUSTOM a {@code principal.builder.class} of the listener's own
 * decides. The node's own certificate ({@code User:cairn-node}) is its inter-broker principal, a super user.
 */
class SslPrincipalIT {

    private static final String PASSWORD = "test-secret";
    private static final String ALICE_DN = "CN=alice,OU=clients,O=Cairn";

    @TempDir
    static Path dir;
    static Path certs;
    static TestNode node;

    @BeforeAll
    static void start() throws Exception {
        certs = Files.createDirectories(dir.resolve("certs"));
        keyPair("node", "CN=cairn-node,O=Cairn", "node-trust.p12");
        keyPair("admin", "CN=admin,OU=clients,O=Cairn", "node-trust.p12");
        keyPair("alice", ALICE_DN, "node-trust.p12");
        keyPair("bob", "CN=bob,OU=clients,O=Cairn", "node-trust.p12");
        TlsListenerTests.keytool("-exportcert", "-rfc", "-alias", "node", "-keystore", store("node.p12"),
                "-storepass", PASSWORD, "-file", store("node.pem"));
        TlsListenerTests.keytool("-importcert", "-noprompt", "-alias", "node", "-file", store("node.pem"),
                "-keystore", store("client-trust.p12"), "-storetype", "PKCS12", "-storepass", PASSWORD);

        Map<String, Object> properties = new HashMap<>();
        properties.put(CairnConfig.LISTENERS, "MTLS://127.0.0.1:0,OPEN://127.0.0.1:0,CUSTOM://127.0.0.1:0");
        properties.put(CairnConfig.LISTENER_SECURITY_PROTOCOL_MAP, "MTLS:SSL,OPEN:SSL,CUSTOM:PLAINTEXT");
        properties.put(CairnConfig.INTER_BROKER_LISTENER_NAME, "MTLS");
        properties.put(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, store("node.p12"));
        properties.put(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, PASSWORD);
        properties.put(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, "PKCS12");
        // the node's truststore trusts the clients and itself (its inter-broker connections present its certificate)
        properties.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, store("node-trust.p12"));
        properties.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, PASSWORD);
        properties.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12");
        properties.put("listener.name.mtls.ssl.client.auth", "required");
        properties.put("listener.name.mtls.ssl.principal.mapping.rules", "RULE:^CN=(.*?),.*$/$1/,DEFAULT");
        properties.put("listener.name.open.ssl.client.auth", "requested");
        properties.put("listener.name.custom.principal.builder.class", ListenerNamePrincipalBuilder.class.getName());
        properties.put(CairnConfig.AUTHORIZER_CLASS_NAME, "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        properties.put(CairnConfig.SUPER_USERS, "User:admin;User:cairn-node");
        properties.put(CairnConfig.AUTO_CREATE_TOPICS_ENABLE, false);
        node = TestNode.start(dir.resolve("data"), properties);
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void aClientCertificateIsTheUserItsSubjectMapsTo() throws Exception {
        // given: a topic, and no ACL for alice
        try (Admin admin = Admin.create(client("MTLS", "admin"))) {
            admin.createTopics(List.of(new NewTopic("mtls-t", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }

        // when alice (CN=alice,OU=clients,O=Cairn) produces, then TOPIC_AUTHORIZATION_FAILED
        assertThatThrownBy(() -> produce("MTLS", "alice", "mtls-t")).hasCauseInstanceOf(
                TopicAuthorizationException.class);

        // when User:alice may write, then she produces, and bob still may not
        allow("User:alice", "mtls-t", AclOperation.WRITE);
        assertThat(produce("MTLS", "alice", "mtls-t")).isZero();
        assertThatThrownBy(() -> produce("MTLS", "bob", "mtls-t")).hasCauseInstanceOf(
                TopicAuthorizationException.class);
    }

    @Test
    void withoutRulesTheUserIsTheWholeSubjectAndWithoutACertificateAnonymous() throws Exception {
        // given
        try (Admin admin = Admin.create(client("MTLS", "admin"))) {
            admin.createTopics(List.of(new NewTopic("open-t", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        allow("User:" + ALICE_DN, "open-t", AclOperation.WRITE);

        // when / then: alice's certificate is her subject; no certificate is ANONYMOUS, refused until allowed
        assertThat(produce("OPEN", "alice", "open-t")).isZero();
        assertThatThrownBy(() -> produce("OPEN", null, "open-t")).hasCauseInstanceOf(
                TopicAuthorizationException.class);
        allow("User:ANONYMOUS", "open-t", AclOperation.WRITE);
        assertThat(produce("OPEN", null, "open-t")).isEqualTo(1);
    }

    @Test
    void aListenersOwnPrincipalBuilderDecides() throws Exception {
        // given
        try (Admin admin = Admin.create(client("MTLS", "admin"))) {
            admin.createTopics(List.of(new NewTopic("custom-t", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        assertThatThrownBy(() -> produce("CUSTOM", null, "custom-t")).hasCauseInstanceOf(
                TopicAuthorizationException.class);

        // when
        allow("User:from-CUSTOM", "custom-t", AclOperation.WRITE);

        // then
        assertThat(produce("CUSTOM", null, "custom-t")).isZero();
    }

    @Test
    void mappingRulesKafkaCannotParseStopTheStartNamingTheProperty() {
        Map<String, Object> properties = Map.of(CairnConfig.LISTENERS, "MTLS://127.0.0.1:0",
                "listener.name.mtls.ssl.principal.mapping.rules", "RULE:^CN=(.*?)$");
        assertThatThrownBy(() -> ListenerPrincipals.of(properties, "MTLS")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("listener.name.mtls.ssl.principal.mapping.rules");
        assertThatThrownBy(() -> ListenerPrincipals.of(Map.of(CairnConfig.PRINCIPAL_BUILDER_CLASS,
                String.class.getName()), "MTLS")).isInstanceOf(ConfigException.class)
                .hasMessageContaining(CairnConfig.PRINCIPAL_BUILDER_CLASS);
    }

    /** A principal builder of the test's own: User:from-LISTENER. */
    public static final class ListenerNamePrincipalBuilder implements KafkaPrincipalBuilder {
        @Override
        public KafkaPrincipal build(AuthenticationContext context) {
            return new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "from-" + context.listenerName());
        }

        @Override
        public byte[] serialize(KafkaPrincipal principal) {
            return principal.getName().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }

        @Override
        public KafkaPrincipal deserialize(byte[] bytes) {
            return new KafkaPrincipal(KafkaPrincipal.USER_TYPE, new String(bytes,
                    java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    /** Produces one record as {@code user} (its certificate; null: none); returns its offset. */
    private static long produce(String listener, String user, String topic) throws Exception {
        Map<String, Object> props = client(listener, user);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        try (KafkaProducer<String, String> producer = node.producer(props)) {
            return producer.send(new ProducerRecord<>(topic, "v")).get(30, TimeUnit.SECONDS).offset();
        }
    }

    private static void allow(String principal, String topic, AclOperation operation) throws Exception {
        try (Admin admin = Admin.create(client("MTLS", "admin"))) {
            admin.createAcls(List.of(new AclBinding(new ResourcePattern(ResourceType.TOPIC, topic,
                    PatternType.LITERAL), new AccessControlEntry(principal, "*", operation,
                    AclPermissionType.ALLOW)))).all().get(30, TimeUnit.SECONDS);
        }
    }

    /** A client of {@code listener} presenting {@code user}'s certificate (null: none). */
    private static Map<String, Object> client(String listener, String user) {
        Map<String, Object> props = new HashMap<>();
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + node.node().port(listener));
        if (listener.equals("CUSTOM")) {
            return props;
        }
        props.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SSL");
        props.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, store("client-trust.p12"));
        props.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, PASSWORD);
        props.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12");
        if (user != null) {
            props.put(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, store(user + ".p12"));
            props.put(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, PASSWORD);
            props.put(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, "PKCS12");
        }
        return props;
    }

    /** A key and self-signed certificate (valid for 127.0.0.1) in NAME.p12, trusted by {@code truststore}. */
    private static void keyPair(String name, String subject, String truststore) throws Exception {
        TlsListenerTests.keytool("-genkeypair", "-alias", name, "-keyalg", "RSA", "-keysize", "2048", "-validity",
                "2", "-dname", subject, "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-keystore", store(name + ".p12"),
                "-storetype", "PKCS12", "-storepass", PASSWORD);
        TlsListenerTests.keytool("-exportcert", "-rfc", "-alias", name, "-keystore", store(name + ".p12"),
                "-storepass", PASSWORD, "-file", store(name + ".pem"));
        TlsListenerTests.keytool("-importcert", "-noprompt", "-alias", name, "-file", store(name + ".pem"),
                "-keystore", store(truststore), "-storetype", "PKCS12", "-storepass", PASSWORD);
    }

    private static String store(String name) {
        return certs.resolve(name).toString();
    }
}
