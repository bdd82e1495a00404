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
import java.util.stream.Collectors;

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
 * A 3-node cluster whose only listener is SASL_SSL (SCRAM-SHA-256), with the authorizer on and no anonymous super
 * user, and mutual TLS on the metadata Raft port: the nodes log in to each other as User:broker over TLS
 * (docs/adr/0025), so registration, heartbeats, forwarding to the controller, follower fetches and ISR changes work
 * only if the inter-broker client speaks the listener's protocol; the quorum elects and commits over TLS, and a
 * stranger's certificate is refused on the Raft port.
 */
class SecuredInterBrokerIT {

    private static final String SCRAM = "SCRAM-SHA-256";

    @TempDir
    static Path root;
    static TestCertificates certs;
    static CairnCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        certs = TestCertificates.create(root.resolve("certs"));
        cluster = CairnCluster.start(root.resolve("data"), 3, securedNode(certs));
    }

    /** A node's whole security set-up, Kafka's property names: what docs/README.md shows operators. */
    static Map<String, Object> securedNode(TestCertificates certs) {
        Map<String, Object> properties = new HashMap<>(certs.sslProperties(""));
        properties.put(CairnConfig.LISTENERS, "SASL_SSL://127.0.0.1:0");
        properties.put(CairnConfig.SASL_ENABLED_MECHANISMS, SCRAM);
        properties.put(CairnConfig.SASL_MECHANISM_INTER_BROKER_PROTOCOL, SCRAM);
        properties.put("listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"broker\" "
                        + "password=\"broker-secret\";");
        properties.put(CairnConfig.BOOTSTRAP_SCRAM_CREDENTIALS, List.of("admin", "broker", "alice", "bob").stream()
                .map(user -> SCRAM + "=[name=" + user + ",password=" + user + "-secret]")
                .collect(Collectors.joining(",")));
        properties.put(CairnConfig.AUTHORIZER_CLASS_NAME, "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        properties.put(CairnConfig.SUPER_USERS, "User:admin;User:broker");
        // the Raft port: mutual TLS with the same (unprefixed ssl.*) stores
        properties.put(CairnConfig.RAFT_SECURITY_PROTOCOL, "SSL");
        return properties;
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void replicationWorksBetweenAuthenticatedBrokersAndStrangersAreRefused() throws Exception {
        // given: a replicated topic alice may write and read, made through every node (forwarded to the controller)
        int leader;
        try (Admin admin = Admin.create(client("admin"))) {
            admin.createTopics(List.of(new NewTopic("secured", 1, (short) 3))).all().get(30, TimeUnit.SECONDS);
            admin.createAcls(List.of(allowAlice(AclOperation.WRITE), allowAlice(AclOperation.READ)))
                    .all().get(30, TimeUnit.SECONDS);
            leader = await().atMost(Duration.ofSeconds(30)).until(() -> admin.describeTopics(List.of("secured"))
                    .allTopicNames().get(30, TimeUnit.SECONDS).get("secured").partitions().get(0).leader(),
                    node -> node != null).id();
        }
        for (int id : cluster.runningNodes()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> cluster.node(id).controller().current().acls()
                    .acls().size() == 2);
        }

        // when: alice produces with acks=all (every follower must fetch as User:broker over TLS)
        Map<String, Object> producer = client("alice");
        producer.put(ProducerConfig.ACKS_CONFIG, "all");
        producer.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        producer.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        try (KafkaProducer<String, String> p = new KafkaProducer<>(producer)) {
            for (int i = 0; i < 10; i++) {
                p.send(new ProducerRecord<>("secured", "v" + i)).get(30, TimeUnit.SECONDS);
            }
        }

        // then: she reads them back, every replica has them, and the ISR keeps all three
        assertThat(consume("alice")).hasSize(10);
        for (int id : cluster.runningNodes()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> cluster.node(id).replicas()
                    .highWatermark(new TopicPartition("secured", 0)) == 10);
        }
        try (Admin admin = Admin.create(client("admin"))) {
            assertThat(admin.describeTopics(List.of("secured")).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get("secured").partitions().get(0).isr()).hasSize(3);
        }
        assertThat(leader).isPositive();
        // and bob, without ACLs, is refused
        assertThatThrownBy(() -> consume("bob")).isInstanceOf(TopicAuthorizationException.class);
    }

    @Test
    void theRaftPortRefusesACertificateItDoesNotTrust() throws Exception {
        // given: a voter's Raft port, and what its quorum has committed over TLS (the brokers' registrations)
        String voter = cluster.voters().split(",")[0];
        int raftPort = Integer.parseInt(voter.substring(voter.lastIndexOf(':') + 1));
        assertThat(cluster.node(1).controller().current().brokers()).hasSize(3);

        // when: a member's certificate, then a stranger's (the stranger trusts the node: only the node refuses)
        int memberAnswer = http2Preface(raftPort, certs.node());
        Throwable stranger = org.assertj.core.api.Assertions.catchThrowable(() -> {
            int answer = http2Preface(raftPort, certs.stranger());
            if (answer < 0) {
                throw new java.io.EOFException("closed without an answer");
            }
        });

        // then: the member is answered (the server's HTTP/2 SETTINGS), the stranger's connection is refused
        assertThat(memberAnswer).isPositive();
        assertThat(stranger).isInstanceOfAny(javax.net.ssl.SSLException.class, java.net.SocketException.class,
                java.io.EOFException.class);
    }

    @Test
    void auditAndExplainAskASecuredClusterWithACommandConfig() throws Exception {
        // given: what bin/cairn-cluster up --secure writes to DIR/client.properties
        Path file = root.resolve("client.properties");
        java.util.Properties properties = new java.util.Properties();
        client("admin").forEach((key, value) -> {
            if (!key.equals(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)) {
                properties.put(key, value.toString());
            }
        });
        try (java.io.Writer out = java.nio.file.Files.newBufferedWriter(file)) {
            properties.store(out, null);
        }
        String bootstrap = cluster.bootstrapServers().split(",")[0];

        // when / then: audit asks every node over SASL_SSL and finds the cluster healthy
        Tool audit = tool(new io.cairn.server.AuditCommand(), "--bootstrap", bootstrap, "--wait", "30",
                "--command-config", file.toString());
        assertThat(audit.exitCode()).as(audit.out()).isZero();
        assertThat(audit.out()).contains("verdict: HEALTHY").contains("node 1 (").doesNotContain("no answer");
        // and explain reads a broker's history
        Tool explain = tool(new io.cairn.server.ExplainCommand(), "--bootstrap", bootstrap, "--broker", "2",
                "--command-config", file.toString());
        assertThat(explain.exitCode()).as(explain.out()).isZero();
        assertThat(explain.out()).contains("broker 2: ").contains("broker registered");
        // without the file neither gets an answer
        Tool plaintext = tool(new io.cairn.server.ExplainCommand(), "--bootstrap", bootstrap, "--broker", "2",
                "--timeout", "3");
        assertThat(plaintext.exitCode()).as(plaintext.out()).isNotZero();
    }

    private record Tool(int exitCode, String out) {
    }

    /** Runs one of Cairn's picocli commands in this JVM; its output and error output together. */
    private static Tool tool(Object command, String... args) {
        java.io.StringWriter out = new java.io.StringWriter();
        picocli.CommandLine line = new picocli.CommandLine(command);
        line.setOut(new java.io.PrintWriter(out, true));
        line.setErr(new java.io.PrintWriter(out, true));
        int code = line.execute(args);
        System.out.println("[" + String.join(" ", args) + "] exit " + code + "\n" + out);
        return new Tool(code, out.toString());
    }

    /**
     * Opens TLS to a Raft port (gRPC: HTTP/2 over ALPN) with a client certificate from {@code keystore} and sends
     * the HTTP/2 preface; returns how many bytes the server answered (-1: it closed the connection).
     */
    private static int http2Preface(int port, Path keystore) throws Exception {
        java.security.KeyStore keys = java.security.KeyStore.getInstance("PKCS12");
        try (var in = java.nio.file.Files.newInputStream(keystore)) {
            keys.load(in, TestCertificates.PASSWORD.toCharArray());
        }
        java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
        try (var in = java.nio.file.Files.newInputStream(certs.trust())) {
            trust.load(in, TestCertificates.PASSWORD.toCharArray());
        }
        javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance("PKIX");
        kmf.init(keys, TestCertificates.PASSWORD.toCharArray());
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) context.getSocketFactory()
                .createSocket("127.0.0.1", port)) {
            javax.net.ssl.SSLParameters parameters = socket.getSSLParameters();
            parameters.setApplicationProtocols(new String[] {"h2"});
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            // the client preface and an empty SETTINGS frame (RFC 9113, 3.4)
            socket.getOutputStream().write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(
                    java.nio.charset.StandardCharsets.US_ASCII));
            socket.getOutputStream().write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0});
            socket.getOutputStream().flush();
            return socket.getInputStream().read(new byte[64]);
        }
    }

    private static AclBinding allowAlice(AclOperation operation) {
        return new AclBinding(new ResourcePattern(ResourceType.TOPIC, "secured", PatternType.LITERAL),
                new AccessControlEntry("User:alice", "*", operation, AclPermissionType.ALLOW));
    }

    private static List<String> consume(String user) {
        Map<String, Object> props = client(user);
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

    /** A client of every node's SASL_SSL listener, logging in as {@code user}. */
    static Map<String, Object> client(String user) {
        Map<String, Object> props = new HashMap<>(certs.clientTrust());
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        props.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL");
        props.put(SaslConfigs.SASL_MECHANISM, SCRAM);
        props.put(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.scram.ScramLoginModule required "
                + "username=\"" + user + "\" password=\"" + user + "-secret\";");
        return props;
    }
}
