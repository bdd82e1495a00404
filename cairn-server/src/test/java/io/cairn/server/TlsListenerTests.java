package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import javax.security.sasl.SaslException;

import io.cairn.broker.cluster.InterBrokerChannel;
import io.cairn.broker.cluster.InterBrokerConnector;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.UnsupportedByAuthenticationException;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.security.token.delegation.DelegationToken;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS listeners: a node listening on PLAINTEXT and SSL (Kafka's property names, a keystore made here by the JDK's
 * keytool), real kafka-clients over both, client certificates, and a node that refuses a bad keystore. Run on each
 * TLS engine: {@link TlsListenerIT} (the JDK's), {@link OpenSslTlsListenerIT}.
 */
abstract class TlsListenerTests {

    private static final String PASSWORD = "test-secret";
    private static final Path KAFKAJS = Path.of("src/test/kafkajs");
    private static final String PYTHON = "/usr/bin/python3";

    @TempDir
    static Path dir;
    /** This run's files: a directory of {@link #dir} per engine (the subclasses share the static fields). */
    static Path home;
    static Path certs;
    static TestNode node;
    /** The listeners' TLS engine, cairn.ssl.engine (set by the subclass). */
    static String engine;

    /** Makes the stores and starts the node, its listeners on the given engine. */
    static void startWith(String tlsEngine) throws Exception {
        engine = tlsEngine;
        home = Files.createDirectories(dir.resolve(tlsEngine));
        certs = Files.createDirectories(home.resolve("certs"));
        // the node's key and self-signed certificate (valid for 127.0.0.1), trusted by the clients' truststore
        keytool("-genkeypair", "-alias", "node", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
                "-keystore", store("node.p12"), "-storetype", "PKCS12", "-storepass", PASSWORD);
        keytool("-exportcert", "-rfc", "-alias", "node", "-keystore", store("node.p12"), "-storepass", PASSWORD,
                "-file", store("node.pem"));
        keytool("-importcert", "-noprompt", "-alias", "node", "-file", store("node.pem"),
                "-keystore", store("client-trust.p12"), "-storetype", "PKCS12", "-storepass", PASSWORD);
        // a client's key and certificate, trusted by the node's truststore
        keytool("-genkeypair", "-alias", "client", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=test-client", "-keystore", store("client.p12"), "-storetype", "PKCS12",
                "-storepass", PASSWORD);
        keytool("-exportcert", "-rfc", "-alias", "client", "-keystore", store("client.p12"), "-storepass", PASSWORD,
                "-file", store("client.pem"));
        keytool("-importcert", "-noprompt", "-alias", "client", "-file", store("client.pem"),
                "-keystore", store("node-trust.p12"), "-storetype", "PKCS12", "-storepass", PASSWORD);

        node = TestNode.start(home.resolve("data"), nodeTls(Map.of(
                CairnConfig.LISTENERS, "PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,MTLS://127.0.0.1:0,"
                        + "SASL_SSL://127.0.0.1:0",
                CairnConfig.LISTENER_SECURITY_PROTOCOL_MAP, "PLAINTEXT:PLAINTEXT,SSL:SSL,MTLS:SSL,SASL_SSL:SASL_SSL",
                // SCRAM over TLS, with a credential the cluster starts with
                "listener.name.sasl_ssl.sasl.enabled.mechanisms", "SCRAM-SHA-512",
                CairnConfig.BOOTSTRAP_SCRAM_CREDENTIALS, "SCRAM-SHA-512=[name=admin,password=admin-secret]",
                "delegation.token.secret.key", "tls-listener-token-key",
                // per listener, as Kafka: MTLS asks for a client certificate, SSL does not
                "listener.name.mtls.ssl.client.auth", "required",
                "listener.name.mtls.ssl.truststore.location", store("node-trust.p12"),
                "listener.name.mtls.ssl.truststore.password", PASSWORD,
                "listener.name.mtls.ssl.truststore.type", "PKCS12")));
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void everyTlsListenerUsesTheConfiguredEngine() {
        for (String listener : List.of("SSL", "MTLS", "SASL_SSL")) {
            assertThat(node.node().tlsEngine(listener)).as(listener).contains(engine);
        }
        assertThat(node.node().tlsEngine("PLAINTEXT")).isEmpty();
    }

    @Test
    void javaClientsProduceAndConsumeOverTls() throws Exception {
        // given: records large enough that Fetch answers with segment file data, over many 64 KiB chunks
        String topic = "tls-records";
        Map<String, Object> tls = clientTls(node.node().port("SSL"), false);
        try (Admin admin = Admin.create(tls)) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        String payload = "x".repeat(20_000);
        int count = 300;

        // when
        try (KafkaProducer<String, String> producer = node.producer(tls)) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, i + payload));
            }
            producer.flush();
        }

        // then: a TLS consumer and a plaintext one read the same records
        assertThat(consumeAll(node.consumer(tls), topic, count)).hasSize(count).allSatisfy(value ->
                assertThat(value).endsWith(payload));
        List<String> overPlaintext = consumeAll(node.consumer(Map.of()), topic, count);
        assertThat(overPlaintext).hasSize(count);
        assertThat(overPlaintext.get(count - 1)).isEqualTo((count - 1) + payload);
    }

    @Test
    void scramOverTlsProducesAndConsumes() throws Exception {
        // given
        Map<String, Object> scram = scramClient();
        String topic = "sasl-ssl-records";
        try (Admin admin = Admin.create(scram)) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }

        // when
        try (KafkaProducer<String, String> producer = node.producer(scram)) {
            for (int i = 0; i < 100; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i));
            }
            producer.flush();
        }

        // then
        assertThat(consumeAll(node.consumer(scram), topic, 100)).hasSize(100).startsWith("v0").endsWith("v99");
        Map<String, Object> wrong = new HashMap<>(scram);
        wrong.put(SaslConfigs.SASL_JAAS_CONFIG, SaslListenerIT.scramJaas("admin", "wrong"));
        try (Admin admin = Admin.create(wrong)) {
            assertThatThrownBy(() -> admin.describeCluster().nodes().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(org.apache.kafka.common.errors.SaslAuthenticationException.class);
        }
    }

    @Test
    void delegationTokensAreAskedForOverSaslSslOrMutualTlsAndLogInOverSaslSsl() throws Exception {
        // given: a SCRAM login over SASL_SSL, a client certificate over MTLS, no certificate over SSL
        Map<String, Object> scram = scramClient();
        Map<String, Object> mtls = clientTls(node.node().port("MTLS"), true);
        Map<String, Object> anonymous = clientTls(node.node().port("SSL"), false);

        // when: each asks for a token
        DelegationToken token;
        try (Admin admin = Admin.create(scram); Admin byCertificate = Admin.create(mtls);
             Admin withoutCertificate = Admin.create(anonymous)) {
            token = admin.createDelegationToken().delegationToken().get(30, TimeUnit.SECONDS);
            DelegationToken certificateToken = byCertificate.createDelegationToken().delegationToken()
                    .get(30, TimeUnit.SECONDS);

            // then: SASL_SSL and mutual TLS get one, for their principals; SSL without a certificate is refused
            assertThat(token.tokenInfo().owner().toString()).isEqualTo("User:admin");
            assertThat(certificateToken.tokenInfo().owner().toString()).isEqualTo("User:CN=test-client");
            assertThatThrownBy(() -> withoutCertificate.createDelegationToken().delegationToken()
                    .get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(UnsupportedByAuthenticationException.class);
        }

        // and: the token logs in over SASL_SSL as its owner, and that connection may not ask for tokens itself
        Map<String, Object> byToken = new HashMap<>(scram);
        byToken.put(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.scram.ScramLoginModule required "
                + "username=\"" + token.tokenInfo().tokenId() + "\" password=\""
                + Base64.getEncoder().encodeToString(token.hmac()) + "\" tokenauth=\"true\";");
        try (Admin viaToken = Admin.create(byToken)) {
            assertThat(viaToken.describeCluster().nodes().get(30, TimeUnit.SECONDS)).hasSize(1);
            assertThatThrownBy(() -> viaToken.createDelegationToken().delegationToken().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(UnsupportedByAuthenticationException.class);
        }
    }

    @Test
    void metadataNamesTheListenerTheClientUses() throws Exception {
        // when
        Node overTls;
        Node overPlaintext;
        try (Admin admin = Admin.create(clientTls(node.node().port("SSL"), false))) {
            overTls = single(admin.describeCluster(new DescribeClusterOptions()).nodes().get(30, TimeUnit.SECONDS));
        }
        try (Admin admin = node.admin()) {
            overPlaintext = single(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS));
        }

        // then
        assertThat(overTls.port()).isEqualTo(node.node().port("SSL"));
        assertThat(overTls.host()).isEqualTo("127.0.0.1");
        assertThat(overPlaintext.port()).isEqualTo(node.node().port());
        assertThat(node.node().port("SSL")).isNotEqualTo(node.node().port());
    }

    @Test
    void aRequiredClientCertificateRefusesClientsWithoutOne() throws Exception {
        int port = node.node().port("MTLS");

        // when: without a certificate
        Map<String, Object> anonymous = clientTls(port, false);
        anonymous.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000);
        anonymous.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 4_000);
        try (Admin admin = Admin.create(anonymous)) {
            // then
            assertThatThrownBy(() -> admin.describeCluster().nodes().get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(SslAuthenticationException.class);
        }

        // when: with one
        try (Admin admin = Admin.create(clientTls(port, true))) {
            // then
            assertThat(single(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).port()).isEqualTo(port);
        }
    }

    @Test
    void aNodeLogsInToAnotherNodesSaslSslListenerWithItsInterBrokerSettings() throws Exception {
        // given: another node's settings for an inter-broker SASL_SSL listener, Kafka's names
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", node.node().port("SASL_SSL"));
        Map<String, Object> peer = interBrokerPeer("admin-secret", "client-trust.p12");

        // when
        try (InterBrokerChannel channel = new InterBrokerChannel(9, InterBrokerSecurity.connector(
                new CairnConfig(peer), List.of("SCRAM-SHA-512")))) {
            AbstractResponse answer = channel.send(address, new ApiVersionsRequest.Builder()).get(30,
                    TimeUnit.SECONDS);

            // then: authenticated over TLS, it is answered
            assertThat(((ApiVersionsResponse) answer).data().errorCode()).isZero();
        }

        // when: a wrong password, then a truststore that does not trust the node's certificate
        InterBrokerConnector wrongPassword = InterBrokerSecurity.connector(
                new CairnConfig(interBrokerPeer("wrong", "client-trust.p12")), List.of("SCRAM-SHA-512"));
        InterBrokerConnector untrusting = InterBrokerSecurity.connector(
                new CairnConfig(interBrokerPeer("admin-secret", "node-trust.p12")), List.of("SCRAM-SHA-512"));

        // then
        assertThatThrownBy(() -> wrongPassword.connect(address, 5_000)).isInstanceOf(SaslException.class)
                .hasMessageContaining("SASL_AUTHENTICATION_FAILED");
        assertThatThrownBy(() -> untrusting.connect(address, 5_000)).isInstanceOf(SSLHandshakeException.class);
        // and a SASL inter-broker listener without a mechanism to log in with is refused, naming the property
        Map<String, Object> noMechanism = new HashMap<>(peer);
        noMechanism.remove(CairnConfig.SASL_MECHANISM_INTER_BROKER_PROTOCOL);
        assertThatThrownBy(() -> InterBrokerSecurity.connector(new CairnConfig(noMechanism),
                List.of("SCRAM-SHA-512"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining(CairnConfig.SASL_MECHANISM_INTER_BROKER_PROTOCOL);
    }

    @Test
    void aNodeConnectsToAnotherNodesSslListenerWithItsCertificate() throws Exception {
        // given: another node whose inter-broker listener is MTLS (SSL, client certificates required); its keystore
        // holds the certificate the MTLS listener trusts
        Map<String, Object> peer = new HashMap<>();
        peer.put(CairnConfig.LISTENERS, "MTLS://127.0.0.1:0");
        peer.put(CairnConfig.LISTENER_SECURITY_PROTOCOL_MAP, "MTLS:SSL");
        peer.put("listener.name.mtls.ssl.keystore.location", store("client.p12"));
        peer.put("listener.name.mtls.ssl.keystore.password", PASSWORD);
        peer.put("listener.name.mtls.ssl.keystore.type", "PKCS12");
        peer.put("listener.name.mtls.ssl.truststore.location", store("client-trust.p12"));
        peer.put("listener.name.mtls.ssl.truststore.password", PASSWORD);
        peer.put("listener.name.mtls.ssl.truststore.type", "PKCS12");
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", node.node().port("MTLS"));

        // when
        try (InterBrokerChannel channel = new InterBrokerChannel(9, InterBrokerSecurity.connector(
                new CairnConfig(peer), List.of()))) {
            AbstractResponse answer = channel.send(address, new ApiVersionsRequest.Builder()).get(30,
                    TimeUnit.SECONDS);

            // then
            assertThat(((ApiVersionsResponse) answer).data().errorCode()).isZero();
        }
    }

    @Test
    void aToolAsksOneNodeOverSaslSslWithKafkaClientProperties() throws Exception {
        // given: what --command-config FILE holds for a SASL_SSL listener
        Map<String, Object> client = new HashMap<>();
        client.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL");
        client.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, store("client-trust.p12"));
        client.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, PASSWORD);
        client.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12");
        client.put(SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-512");
        client.put(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.scram.ScramLoginModule required "
                + "username=\"admin\" password=\"admin-secret\";");

        // when: the per-node DescribeQuorum of cairn cluster-status
        QuorumProbe.View view = QuorumProbe.ask("127.0.0.1", node.node().port("SASL_SSL"), Duration.ofSeconds(30),
                ClientSecurity.connector(client));

        // then: the lone voter follows itself
        assertThat(view.leaderId()).isEqualTo(node.node().nodeId());
    }

    /** A Java client's settings for the SASL_SSL listener, logging in as admin with SCRAM-SHA-512. */
    private static Map<String, Object> scramClient() {
        Map<String, Object> scram = clientTls(node.node().port("SASL_SSL"), false);
        scram.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL");
        scram.put(SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-512");
        scram.put(SaslConfigs.SASL_JAAS_CONFIG, SaslListenerIT.scramJaas("admin", "admin-secret"));
        return scram;
    }

    /** A node whose inter-broker listener is SASL_SSL, logging in as admin with SCRAM-SHA-512. */
    private static Map<String, Object> interBrokerPeer(String password, String truststore) {
        Map<String, Object> properties = new HashMap<>(nodeTls(Map.of()));
        properties.put(CairnConfig.LISTENERS, "SASL_SSL://127.0.0.1:0");
        properties.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, store(truststore));
        properties.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, PASSWORD);
        properties.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12");
        properties.put(CairnConfig.SASL_ENABLED_MECHANISMS, "SCRAM-SHA-512");
        properties.put(CairnConfig.SASL_MECHANISM_INTER_BROKER_PROTOCOL, "SCRAM-SHA-512");
        properties.put("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" password=\""
                        + password + "\";");
        return properties;
    }

    @Test
    void aBadKeystorePasswordStopsTheStartNamingTheProperty() throws Exception {
        // given
        Map<String, Object> properties = new HashMap<>(nodeTls(Map.of()));
        properties.put(CairnConfig.LISTENERS, "PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0");
        properties.put(CairnConfig.LOG_DIRS, home.resolve("bad-password").toString());
        properties.put("ssl.keystore.password", "wrong");
        CairnNode bad = new CairnNode(new CairnConfig(properties));
        try {
            // when / then
            assertThatThrownBy(bad::start)
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("Listener SSL")
                    .hasMessageContaining("ssl.keystore.password")
                    .hasMessageContaining(store("node.p12"));
        } finally {
            bad.close();
        }
    }

    @Test
    void anSslListenerWithoutKeystoreStopsTheStart() throws Exception {
        // given
        Map<String, Object> properties = new HashMap<>();
        properties.put(CairnConfig.LISTENERS, "PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0");
        properties.put(CairnConfig.LOG_DIRS, home.resolve("no-keystore").toString());
        CairnNode bad = new CairnNode(new CairnConfig(properties));
        try {
            // when / then
            assertThatThrownBy(bad::start)
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("ssl.keystore.location");
        } finally {
            bad.close();
        }
    }

    @Test
    void kcatConsumesOverTls() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/kcat")), "kcat is not installed (.ci/run installs it)");
        // given
        String topic = "tls-kcat";
        try (KafkaProducer<String, String> producer = node.producer(Map.of())) {
            for (int i = 0; i < 50; i++) {
                producer.send(new ProducerRecord<>(topic, "value-" + i));
            }
            producer.flush();
        }

        // when
        Process kcat = new ProcessBuilder("kcat", "-b", "127.0.0.1:" + node.node().port("SSL"),
                "-X", "security.protocol=ssl", "-X", "ssl.ca.location=" + store("node.pem"),
                "-t", topic, "-C", "-e", "-o", "beginning", "-q")
                .redirectErrorStream(true).start();
        String output = new String(kcat.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(kcat.waitFor(60, TimeUnit.SECONDS)).isTrue();

        // then
        assertThat(kcat.exitValue()).as(output).isZero();
        assertThat(output.lines().toList()).hasSize(50).contains("value-0", "value-49");
    }

    @Test
    void javaClientsProduceAndConsumeOverMutualTls() throws Exception {
        // given
        Map<String, Object> mtls = clientTls(node.node().port("MTLS"), true);
        String topic = "mtls-java";
        // when
        try (KafkaProducer<String, String> producer = node.producer(mtls)) {
            for (int i = 0; i < 20; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i));
            }
            producer.flush();
        }
        // then
        assertThat(consumeAll(node.consumer(mtls), topic, 20)).hasSize(20).startsWith("v0").endsWith("v19");
    }

    @Test
    void kafkajsProducesAndConsumesOverSaslSslWithScram() throws Exception {
        assumeTrue(Files.isDirectory(KAFKAJS.resolve("node_modules/kafkajs")),
                "kafkajs is not installed (.ci/run runs npm ci in " + KAFKAJS + ")");
        // when
        Run check = run(KAFKAJS, Map.of("CHECK_SSL_CA", store("node.pem"),
                        "CHECK_SASL", "scram-sha-512:admin:admin-secret"),
                "node", "check.js", "127.0.0.1:" + node.node().port("SASL_SSL"), "kafkajs-sasl-ssl", "--consume");
        // then
        assertThat(check.exitCode()).as(check.output()).isZero();
        assertThat(check.output()).contains("kafkajs check passed: 100 records");
    }

    @Test
    void kcatProducesAndConsumesOverSaslSslWithScram() throws Exception {
        assumeTrue(System.getenv(Librdkafka.DIR_ENV) != null || Librdkafka.kcatSendsRfcScram(),
                "no kcat on librdkafka 2.6.1 or later (.ci/run builds one and names it in " + Librdkafka.DIR_ENV + ")");
        // given: kcat logging in with SCRAM-SHA-512 over TLS, the node's certificate as its CA
        List<String> scram = List.of("kcat", "-b", "127.0.0.1:" + node.node().port("SASL_SSL"),
                "-X", "security.protocol=sasl_ssl", "-X", "ssl.ca.location=" + store("node.pem"),
                "-X", "sasl.mechanisms=SCRAM-SHA-512", "-X", "sasl.username=admin", "-X", "sasl.password=admin-secret");
        // when / then
        assertKcatProducesAndConsumes(scram, "kcat-sasl-ssl", Librdkafka.env());
    }

    @Test
    void confluentKafkaPythonProducesAndConsumesOverSaslSslWithScram() throws Exception {
        assumeTrue(System.getenv(Librdkafka.DIR_ENV) != null || Librdkafka.pythonSendsRfcScram(PYTHON),
                "no confluent-kafka-python on librdkafka 2.6.1 or later (.ci/run installs the binding, builds "
                        + "librdkafka and names it in " + Librdkafka.DIR_ENV + ")");
        // given: an idempotent producer and a group consumer of librdkafka's Python binding, SCRAM-SHA-512 over TLS
        String script = clientScript("""
                conf = {'bootstrap.servers': sys.argv[1], 'security.protocol': 'sasl_ssl', 'ssl.ca.location': sys.argv[2],
                        'sasl.mechanisms': 'SCRAM-SHA-512', 'sasl.username': sys.argv[3], 'sasl.password': sys.argv[4]}
                """, "python-sasl-ssl");
        // when
        Run python = run(home, Librdkafka.env(), PYTHON, "-c", script, "127.0.0.1:" + node.node().port("SASL_SSL"),
                store("node.pem"), "admin", "admin-secret");
        // then
        assertThat(python.exitCode()).as(python.output()).isZero();
        assertThat(python.output()).contains("python read v0,v1,v2,v3,v4,v5,v6,v7,v8,v9");
    }

    @Test
    void kafkajsProducesAndConsumesOverMutualTls() throws Exception {
        assumeTrue(Files.isDirectory(KAFKAJS.resolve("node_modules/kafkajs")),
                "kafkajs is not installed (.ci/run runs npm ci in " + KAFKAJS + ")");
        // when
        Run check = run(KAFKAJS, Map.of("CHECK_SSL_CA", store("node.pem"), "CHECK_SSL_PFX", store("client.p12"),
                        "CHECK_SSL_PASSPHRASE", PASSWORD),
                "node", "check.js", "127.0.0.1:" + node.node().port("MTLS"), "kafkajs-mtls", "--consume");
        // then
        assertThat(check.exitCode()).as(check.output()).isZero();
        assertThat(check.output()).contains("kafkajs check passed: 100 records");
    }

    @Test
    void kcatProducesAndConsumesOverMutualTls() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/kcat")), "kcat is not installed (.ci/run installs it)");
        // given
        List<String> mtls = List.of("kcat", "-b", "127.0.0.1:" + node.node().port("MTLS"),
                "-X", "security.protocol=ssl", "-X", "ssl.ca.location=" + store("node.pem"),
                "-X", "ssl.keystore.location=" + store("client.p12"), "-X", "ssl.keystore.password=" + PASSWORD);
        // when / then
        assertKcatProducesAndConsumes(mtls, "kcat-mtls", Map.of());
    }

    /** kcat, connected by {@code connection}, produces three lines to {@code topic} and reads them back. */
    private static void assertKcatProducesAndConsumes(List<String> connection, String topic, Map<String, String> env)
            throws IOException, InterruptedException {
        Path input = Files.writeString(home.resolve(topic + ".txt"), "one\ntwo\nthree\n");
        List<String> produce = new ArrayList<>(connection);
        produce.addAll(List.of("-t", topic, "-P", "-l", input.toString()));
        List<String> consume = new ArrayList<>(connection);
        consume.addAll(List.of("-t", topic, "-C", "-e", "-o", "beginning", "-q"));
        Run produced = run(home, env, produce.toArray(String[]::new));
        Run consumed = run(home, env, consume.toArray(String[]::new));
        assertThat(produced.exitCode()).as(produced.output()).isZero();
        assertThat(consumed.exitCode()).as(consumed.output()).isZero();
        assertThat(consumed.output().lines().toList()).containsExactly("one", "two", "three");
    }

    @Test
    void confluentKafkaPythonProducesAndConsumesOverMutualTls() throws Exception {
        assumeTrue(run(home, Map.of(), PYTHON, "-c", "import confluent_kafka").exitCode() == 0,
                "confluent-kafka-python is not installed (.ci/run installs python3-confluent-kafka)");
        // given: a producer and a consumer of librdkafka's Python binding with a client certificate
        String script = clientScript("""
                conf = {'bootstrap.servers': sys.argv[1], 'security.protocol': 'ssl', 'ssl.ca.location': sys.argv[2],
                        'ssl.keystore.location': sys.argv[3], 'ssl.keystore.password': sys.argv[4]}
                """, "python-mtls");
        // when
        Run python = run(home, Map.of(), PYTHON, "-c", script, "127.0.0.1:" + node.node().port("MTLS"),
                store("node.pem"), store("client.p12"), PASSWORD);
        // then
        assertThat(python.exitCode()).as(python.output()).isZero();
        assertThat(python.output()).contains("python read v0,v1,v2,v3,v4,v5,v6,v7,v8,v9");
    }

    /**
     * A confluent-kafka-python script that produces v0..v9 to {@code topic} with an idempotent producer, reads them
     * back in a group of the topic's name and prints them; {@code conf} sets the dict {@code conf} from sys.argv.
     */
    private static String clientScript(String conf, String topic) {
        return "import sys\nfrom confluent_kafka import Consumer, Producer\n" + conf + """
                producer = Producer(dict(conf, **{'enable.idempotence': True}))
                for i in range(10):
                    producer.produce('%1$s', value=('v%%d' %% i).encode())
                assert producer.flush(30) == 0, 'not all delivered'
                consumer = Consumer(dict(conf, **{'group.id': '%1$s', 'auto.offset.reset': 'earliest'}))
                consumer.subscribe(['%1$s'])
                values = []
                for _ in range(120):
                    message = consumer.poll(0.5)
                    if message is not None and message.error() is None:
                        values.append(message.value().decode())
                    if len(values) == 10:
                        break
                consumer.close()
                print('python read', ','.join(values))
                """.formatted(topic);
    }

    private record Run(int exitCode, String output) {
    }

    /** Runs a client process to its end (at most 120 s) and returns its exit code and output. */
    private static Run run(Path directory, Map<String, String> env, String... command)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process = builder.start();
        process.getOutputStream().close();
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(output unreadable: " + e + ")";
            }
        });
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return new Run(-1, "did not finish in 120 s: " + String.join(" ", command));
        }
        return new Run(process.exitValue(), output.join());
    }

    /** The node's keystore, under the unprefixed names (every SSL listener's default). */
    private static Map<String, Object> nodeTls(Map<String, Object> more) {
        Map<String, Object> properties = new HashMap<>(more);
        properties.put(ListenerTls.ENGINE, engine);
        properties.put(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, store("node.p12"));
        properties.put(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, PASSWORD);
        properties.put(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, "PKCS12");
        return properties;
    }

    private static Map<String, Object> clientTls(int port, boolean withCertificate) {
        Map<String, Object> props = new HashMap<>();
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port);
        props.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SSL");
        props.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, store("client-trust.p12"));
        props.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, PASSWORD);
        props.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12");
        if (withCertificate) {
            props.put(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, store("client.p12"));
            props.put(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, PASSWORD);
            props.put(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, "PKCS12");
        }
        return props;
    }

    private static List<String> consumeAll(KafkaConsumer<String, String> consumer, String topic, int count) {
        List<String> values = new ArrayList<>();
        try (consumer) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (values.size() < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    values.add(record.value());
                }
            }
        }
        return values;
    }

    private static Node single(java.util.Collection<Node> nodes) {
        assertThat(nodes).hasSize(1);
        return nodes.iterator().next();
    }

    private static String store(String name) {
        return certs.resolve(name).toString();
    }

    static void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("keytool " + String.join(" ", args) + " failed: " + output);
        }
    }
}
