package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.admin.UserScramCredentialsDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SASL listeners with Kafka's configuration: PLAIN users from the listener's JAAS property, real kafka-clients, the
 * answers to wrong passwords, unauthenticated requests and malformed tokens, and KIP-368 re-authentication.
 */
class SaslListenerIT {

    static final String PLAIN_JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "username=\"admin\" password=\"admin-secret\" user_admin=\"admin-secret\" user_alice=\"alice-secret\";";

    @TempDir
    static Path dir;
    static TestNode node;
    static final ListAppender<ILoggingEvent> events = new ListAppender<>();

    @BeforeAll
    static void start() throws Exception {
        events.start();
        ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(Logger.ROOT_LOGGER_NAME).addAppender(events);
        Map<String, Object> properties = new HashMap<>();
        properties.put(CairnConfig.LISTENERS, "PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,"
                + "REAUTH://127.0.0.1:0");
        properties.put(CairnConfig.LISTENER_SECURITY_PROTOCOL_MAP,
                "PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,REAUTH:SASL_PLAINTEXT");
        properties.put("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512");
        properties.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", PLAIN_JAAS);
        properties.put("listener.name.reauth.sasl.enabled.mechanisms", "PLAIN");
        properties.put("listener.name.reauth.plain.sasl.jaas.config", PLAIN_JAAS);
        properties.put("listener.name.reauth.connections.max.reauth.ms", "1500");
        properties.put(CairnConfig.BOOTSTRAP_SCRAM_CREDENTIALS, "SCRAM-SHA-256=[name=admin,password=admin-secret],"
                + "SCRAM-SHA-512=[name=admin,password=\"admin,secret\",iterations=8192]");
        node = TestNode.start(dir.resolve("data"), properties);
    }

    @AfterAll
    static void stop() {
        ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(Logger.ROOT_LOGGER_NAME).detachAppender(events);
        if (node != null) {
            node.close();
        }
    }

    @Test
    void plainUsersProduceConsumeAndAdminister() throws Exception {
        // given
        Map<String, Object> alice = sasl("SASL_PLAINTEXT", "PLAIN", plainJaas("alice", "alice-secret"));
        String topic = "plain-records";

        // when
        try (Admin admin = Admin.create(alice)) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        try (KafkaProducer<String, String> producer = node.producer(alice)) {
            for (int i = 0; i < 20; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i));
            }
            producer.flush();
        }

        // then
        assertThat(consumeAll(alice, topic, 20)).startsWith("v0", "v1").endsWith("v19");
    }

    @Test
    void scramUsersCreatedWithTheAdminApiProduceConsumeAndAdminister() throws Exception {
        // given: the bootstrap admin creates alice's credentials, as kafka-configs --alter --entity-type users does
        Map<String, Object> admin = sasl("SASL_PLAINTEXT", "SCRAM-SHA-256", scramJaas("admin", "admin-secret"));
        try (Admin client = Admin.create(admin)) {
            // one change per user and request, as Kafka's controller accepts them
            client.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("alice",
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 8192), "alice-secret")))
                    .all().get(30, TimeUnit.SECONDS);
            client.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("alice",
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), "alice-512")))
                    .all().get(30, TimeUnit.SECONDS);

            // then: described by mechanism and iterations (and the bootstrap admin's two)
            Map<String, UserScramCredentialsDescription> described = client.describeUserScramCredentials()
                    .all().get(30, TimeUnit.SECONDS);
            assertThat(described.get("alice").credentialInfos()).containsExactlyInAnyOrder(
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 8192),
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096));
            assertThat(described.get("admin").credentialInfos()).containsExactlyInAnyOrder(
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096),
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192));
        }

        for (Map.Entry<String, String> mechanism : Map.of("SCRAM-SHA-256", "alice-secret",
                "SCRAM-SHA-512", "alice-512").entrySet()) {
            // when
            Map<String, Object> alice = sasl("SASL_PLAINTEXT", mechanism.getKey(),
                    scramJaas("alice", mechanism.getValue()));
            String topic = "scram-" + mechanism.getKey().toLowerCase(java.util.Locale.ROOT);
            try (Admin client = Admin.create(alice)) {
                client.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            try (KafkaProducer<String, String> producer = node.producer(alice)) {
                for (int i = 0; i < 10; i++) {
                    producer.send(new ProducerRecord<>(topic, "v" + i));
                }
                producer.flush();
            }

            // then
            assertThat(consumeAll(alice, topic, 10)).hasSize(10).startsWith("v0").endsWith("v9");
        }
        // a password with a comma, quoted in the bootstrap property, is the whole password
        try (Admin client = Admin.create(sasl("SASL_PLAINTEXT", "SCRAM-SHA-512",
                scramJaas("admin", "admin,secret")))) {
            assertThat(client.describeCluster().nodes().get(30, TimeUnit.SECONDS)).hasSize(1);
        }
    }

    @Test
    void aWrongScramPasswordOrAnUnknownUserIsRefusedWithKafkasMessage() {
        for (Map<String, Object> wrong : List.of(
                sasl("SASL_PLAINTEXT", "SCRAM-SHA-256", scramJaas("admin", "not-the-secret")),
                sasl("SASL_PLAINTEXT", "SCRAM-SHA-512", scramJaas("nobody", "whatever")))) {
            wrong.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
            wrong.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
            try (Admin admin = Admin.create(wrong)) {
                assertThatThrownBy(() -> admin.describeCluster().nodes().get(30, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class)
                        .hasCauseInstanceOf(SaslAuthenticationException.class)
                        .hasMessageContaining("Authentication failed during authentication due to invalid credentials "
                                + "with SASL mechanism " + wrong.get(SaslConfigs.SASL_MECHANISM));
            }
        }
        assertThat(logLines()).filteredOn(line -> line.contains("not-the-secret")).isEmpty();
    }

    /**
     * kcat with PLAIN always; with SCRAM on a librdkafka of 2.6.1 or later (see {@link Librdkafka}): .ci/run builds
     * one, elsewhere SCRAM is tried only when the installed kcat has one.
     */
    @Test
    void kcatConsumesOverSaslPlaintext() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/kcat")), "kcat is not installed (.ci/run installs it)");
        // given
        String topic = "sasl-kcat";
        try (KafkaProducer<String, String> producer = node.producer(Map.of())) {
            for (int i = 0; i < 50; i++) {
                producer.send(new ProducerRecord<>(topic, "value-" + i));
            }
            producer.flush();
        }
        List<List<String>> logins = new java.util.ArrayList<>();
        logins.add(List.of("PLAIN", "alice", "alice-secret"));
        if (System.getenv(Librdkafka.DIR_ENV) != null || Librdkafka.kcatSendsRfcScram()) {
            logins.add(List.of("SCRAM-SHA-256", "admin", "admin-secret"));
            logins.add(List.of("SCRAM-SHA-512", "admin", "admin,secret"));
        }

        for (List<String> login : logins) {
            // when
            ProcessBuilder builder = new ProcessBuilder("kcat", "-b",
                    "127.0.0.1:" + node.node().port("SASL_PLAINTEXT"),
                    "-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanisms=" + login.get(0),
                    "-X", "sasl.username=" + login.get(1), "-X", "sasl.password=" + login.get(2),
                    "-t", topic, "-C", "-e", "-o", "beginning", "-q")
                    .redirectErrorStream(true);
            if (!login.get(0).equals("PLAIN")) {
                builder.environment().putAll(Librdkafka.env());
            }
            Process kcat = builder.start();
            String output = new String(kcat.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(kcat.waitFor(60, TimeUnit.SECONDS)).isTrue();

            // then
            assertThat(kcat.exitValue()).as(login.get(0) + ": " + output).isZero();
            assertThat(output.lines().toList()).hasSize(50).contains("value-0", "value-49");
        }
    }

    @Test
    void aWrongPasswordIsRefusedAsKafkaRefusesItAndLoggedOnceWithoutTheSecret() {
        // given
        Map<String, Object> wrong = sasl("SASL_PLAINTEXT", "PLAIN", plainJaas("alice", "not-the-secret"));
        wrong.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        wrong.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        int before = failures().size();

        // when / then
        try (Admin admin = Admin.create(wrong)) {
            assertThatThrownBy(() -> admin.describeCluster().nodes().get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(SaslAuthenticationException.class)
                    .hasMessageContaining("Authentication failed: Invalid username or password");
        }
        List<String> logged = failures().subList(before, failures().size());
        assertThat(logged).isNotEmpty().allSatisfy(line -> assertThat(line)
                .contains("Failed authentication").contains("Invalid username or password")
                .doesNotContain("not-the-secret"));
        assertThat(logLines()).filteredOn(line -> line.contains("not-the-secret")).isEmpty();
    }

    @Test
    void aSaslListenerWithoutServedMechanismsOrPlainUsersStopsTheStartNamingTheProperty() throws Exception {
        Map<String, Map<String, Object>> bad = Map.of(
                // Kafka's default mechanism, GSSAPI, is not served
                "sasl.enabled.mechanisms", Map.of(),
                "listener.name.sasl_plaintext.plain.sasl.jaas.config",
                Map.of("sasl.enabled.mechanisms", "PLAIN"));
        for (Map.Entry<String, Map<String, Object>> config : bad.entrySet()) {
            // given
            Map<String, Object> properties = new HashMap<>(config.getValue());
            properties.put(CairnConfig.LISTENERS, "PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0");
            properties.put(CairnConfig.LOG_DIRS, dir.resolve("bad-" + config.getKey()).toString());
            CairnNode refused = new CairnNode(new CairnConfig(properties));
            try {
                // when / then
                assertThatThrownBy(refused::start).isInstanceOf(org.apache.kafka.common.config.ConfigException.class)
                        .hasMessageContaining(config.getKey());
            } finally {
                refused.close();
            }
        }
    }

    @Test
    void describeConfigsNeverShowsAJaasConfigOrABootstrapPassword() throws Exception {
        try (Admin admin = node.admin()) {
            // when
            org.apache.kafka.clients.admin.Config config = admin.describeConfigs(List.of(
                    new org.apache.kafka.common.config.ConfigResource(
                            org.apache.kafka.common.config.ConfigResource.Type.BROKER, "1")))
                    .all().get(30, TimeUnit.SECONDS).values().iterator().next();

            // then
            assertThat(config.get("listener.name.sasl_plaintext.plain.sasl.jaas.config")).satisfies(entry -> {
                assertThat(entry.isSensitive()).isTrue();
                assertThat(entry.value()).isNull();
            });
            assertThat(config.entries()).allSatisfy(entry -> assertThat(String.valueOf(entry.value()))
                    .doesNotContain("secret"));
        }
    }

    @Test
    void aRequestBeforeAuthenticationClosesTheConnection() throws Exception {
        try (Socket socket = connect("SASL_PLAINTEXT")) {
            // when
            send(socket, ApiKeys.METADATA, new MetadataRequestData(), (short) 12, 1);

            // then
            assertClosed(socket);
        }
    }

    @Test
    void anUnknownMechanismIsAnsweredWithTheEnabledOnesThenTheConnectionCloses() throws Exception {
        try (Socket socket = connect("SASL_PLAINTEXT")) {
            // when
            send(socket, ApiKeys.SASL_HANDSHAKE, new SaslHandshakeRequestData().setMechanism("GSSAPI"), (short) 1, 1);

            // then
            SaslHandshakeResponseData response = (SaslHandshakeResponseData) receive(socket, ApiKeys.SASL_HANDSHAKE,
                    (short) 1, 1).data();
            assertThat(response.errorCode()).isEqualTo(Errors.UNSUPPORTED_SASL_MECHANISM.code());
            assertThat(response.mechanisms()).containsExactly("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512");
            assertClosed(socket);
        }
    }

    @Test
    void anotherRequestInsteadOfSaslAuthenticateIsIllegalSaslState() throws Exception {
        try (Socket socket = connect("SASL_PLAINTEXT")) {
            // given
            handshake(socket, "PLAIN");

            // when
            send(socket, ApiKeys.DESCRIBE_CLUSTER, new DescribeClusterRequestData(), (short) 0, 2);

            // then
            assertThat(receive(socket, ApiKeys.DESCRIBE_CLUSTER, (short) 0, 2).errorCounts())
                    .containsKey(Errors.ILLEGAL_SASL_STATE);
            assertClosed(socket);
        }
    }

    @Test
    void malformedTokensAreFailedAuthenticationsNotErrors() throws Exception {
        List<List<byte[]>> exchanges = List.of(
                List.of(new byte[0]), List.of(new byte[] {0}), List.of(bytes("\0alice")),
                List.of(bytes("a\0b\0c\0d")), List.of(new byte[300_000]));
        List<List<byte[]>> scram = List.of(
                List.of(new byte[0]), List.of(bytes("n,,n=admin")), List.of(bytes("y,,n=admin,r=abc,x=1")),
                List.of(new byte[] {(byte) 0xff, (byte) 0xfe}), List.of(bytes("n,,n=" + "a".repeat(200_000) + ",r=1")),
                // a good first message, then a final one that is not SCRAM, or proves nothing
                List.of(bytes("n,,n=admin,r=abc"), bytes("c=biws,r=abc")),
                List.of(bytes("n,,n=admin,r=abc"), bytes("garbage")));
        for (Map.Entry<String, List<List<byte[]>>> mechanism : Map.of("PLAIN", exchanges, "SCRAM-SHA-256", scram)
                .entrySet()) {
            for (List<byte[]> tokens : mechanism.getValue()) {
                try (Socket socket = connect("SASL_PLAINTEXT")) {
                    // given
                    handshake(socket, mechanism.getKey());

                    // when
                    SaslAuthenticateResponseData response = null;
                    for (int i = 0; i < tokens.size(); i++) {
                        send(socket, ApiKeys.SASL_AUTHENTICATE, new SaslAuthenticateRequestData()
                                .setAuthBytes(tokens.get(i)), (short) 2, 2 + i);
                        response = (SaslAuthenticateResponseData) receive(socket, ApiKeys.SASL_AUTHENTICATE,
                                (short) 2, 2 + i).data();
                    }

                    // then
                    assertThat(response.errorCode()).as(mechanism.getKey() + " " + new String(tokens.get(0),
                            StandardCharsets.UTF_8)).isEqualTo(Errors.SASL_AUTHENTICATION_FAILED.code());
                    assertThat(response.errorMessage()).isNotBlank();
                    assertClosed(socket);
                }
            }
        }
        assertNoWarnings();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aFailedAuthenticationIsAnsweredAfterConnectionFailedAuthenticationDelayMs() throws Exception {
        try (Socket socket = connect("SASL_PLAINTEXT")) {
            // given
            handshake(socket, "PLAIN");
            long start = System.nanoTime();

            // when
            send(socket, ApiKeys.SASL_AUTHENTICATE, new SaslAuthenticateRequestData()
                    .setAuthBytes("\0alice\0wrong".getBytes(StandardCharsets.UTF_8)), (short) 2, 2);
            SaslAuthenticateResponseData response = (SaslAuthenticateResponseData) receive(socket,
                    ApiKeys.SASL_AUTHENTICATE, (short) 2, 2).data();

            // then: Kafka's default delay, 100 ms (KIP-306)
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(100);
            assertThat(response.errorMessage()).isEqualTo("Authentication failed: Invalid username or password");
            assertClosed(socket);
        }
    }

    @Test
    void aTruncatedSaslAuthenticateClosesTheConnection() throws Exception {
        try (Socket socket = connect("SASL_PLAINTEXT")) {
            // given
            handshake(socket, "PLAIN");

            // when: a header and a body cut short
            ByteBuffer frame = ByteBuffer.allocate(16);
            frame.putShort(ApiKeys.SASL_AUTHENTICATE.id).putShort((short) 2).putInt(2).putShort((short) 3)
                    .put("raw".getBytes(StandardCharsets.UTF_8)).put((byte) 0).put((byte) 0x7f).flip();
            sendFrame(socket, frame);

            // then
            assertClosed(socket);
        }
        assertNoWarnings();
    }

    @Test
    void anOversizedFrameBeforeAuthenticationClosesTheConnection() throws Exception {
        try (Socket socket = connect("SASL_PLAINTEXT")) {
            // when: a size above sasl.server.max.receive.size (524288), far below socket.request.max.bytes
            new DataOutputStream(socket.getOutputStream()).writeInt(600_000);

            // then
            assertClosed(socket);
        }
        assertThat(logLines()).filteredOn(line -> line.contains(
                "invalid receive size (size = 600000 larger than 524288)")).hasSize(1);
    }

    @Test
    void saslRequestsAfterAuthenticationOrOnPlaintextAreIllegalSaslState() throws Exception {
        try (RawClient client = new RawClient(node.node().port())) {
            // when
            SaslHandshakeResponseData response = (SaslHandshakeResponseData) client.call(ApiKeys.SASL_HANDSHAKE,
                    new SaslHandshakeRequestData().setMechanism("PLAIN"), (short) 1);

            // then
            assertThat(response.errorCode()).isEqualTo(Errors.ILLEGAL_SASL_STATE.code());
        }
    }

    @Test
    void clientsReauthenticateBeforeTheirSessionEnds() throws Exception {
        // given: sessions of 1.5 s on the REAUTH listener
        Map<String, Object> alice = sasl("REAUTH", "PLAIN", plainJaas("alice", "alice-secret"));
        String topic = "reauth-records";
        try (Admin admin = Admin.create(alice)) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }

        // when: one connection keeps producing over several sessions
        try (KafkaProducer<String, String> producer = node.producer(alice)) {
            int sent = 0;
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (reauthentications(producer) < 2 && System.nanoTime() < end) {
                producer.send(new ProducerRecord<>(topic, "v" + sent++)).get(10, TimeUnit.SECONDS);
            }

            // then: each send was acknowledged, on a connection that re-authenticated
            assertThat(reauthentications(producer)).isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void aConnectionThatDoesNotReauthenticateIsClosedAfterItsSession() throws Exception {
        try (Socket socket = connect("REAUTH")) {
            // given
            handshake(socket, "PLAIN");
            send(socket, ApiKeys.SASL_AUTHENTICATE, new SaslAuthenticateRequestData()
                    .setAuthBytes("\0alice\0alice-secret".getBytes(StandardCharsets.UTF_8)), (short) 2, 2);
            SaslAuthenticateResponseData authenticated = (SaslAuthenticateResponseData) receive(socket,
                    ApiKeys.SASL_AUTHENTICATE, (short) 2, 2).data();
            assertThat(authenticated.errorCode()).isZero();
            assertThat(authenticated.sessionLifetimeMs()).isEqualTo(1500);

            // when / then: requests are served until the session ends, then the connection closes
            int[] correlation = {3};
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                int id = correlation[0]++;
                send(socket, ApiKeys.METADATA, new MetadataRequestData(), (short) 12, id);
                try {
                    receive(socket, ApiKeys.METADATA, (short) 12, id);
                    return false;
                } catch (IOException closed) {
                    return true;
                }
            });
        }
    }

    /** Reads a one-partition topic from the start with a consumer of these settings. */
    static List<String> consumeAll(Map<String, Object> settings, String topic, int count) {
        List<String> values = new java.util.ArrayList<>();
        try (KafkaConsumer<String, String> consumer = node.consumer(settings)) {
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

    static Map<String, Object> sasl(String listener, String mechanism, String jaas) {
        Map<String, Object> props = new HashMap<>();
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + node.node().port(listener));
        props.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
        props.put(SaslConfigs.SASL_MECHANISM, mechanism);
        props.put(SaslConfigs.SASL_JAAS_CONFIG, jaas);
        return props;
    }

    static String scramJaas(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user
                + "\" password=\"" + password + "\";";
    }

    static String plainJaas(String user, String password) {
        return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + user
                + "\" password=\"" + password + "\";";
    }

    private static double reauthentications(KafkaProducer<?, ?> producer) {
        return producer.metrics().entrySet().stream()
                .filter(e -> e.getKey().name().equals("successful-reauthentication-total"))
                .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue()).sum();
    }

    private static List<String> failures() {
        return logLines().stream().filter(line -> line.contains("Failed authentication")).toList();
    }

    /** The lines logged so far (the appender takes events under its own lock). */
    private static List<String> logLines() {
        synchronized (events) {
            return events.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    private static void assertNoWarnings() {
        synchronized (events) {
            assertThat(events.list).filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                    .filteredOn(e -> e.getLoggerName().startsWith("io.cairn")).isEmpty();
        }
    }

    private static Socket connect(String listener) throws IOException {
        Socket socket = new Socket("127.0.0.1", node.node().port(listener));
        socket.setSoTimeout(10_000);
        return socket;
    }

    /** SaslHandshake v1 for a mechanism, expecting it accepted. */
    private static void handshake(Socket socket, String mechanism) throws IOException {
        send(socket, ApiKeys.SASL_HANDSHAKE, new SaslHandshakeRequestData().setMechanism(mechanism), (short) 1, 1);
        SaslHandshakeResponseData response = (SaslHandshakeResponseData) receive(socket, ApiKeys.SASL_HANDSHAKE,
                (short) 1, 1).data();
        assertThat(response.errorCode()).isZero();
    }

    private static void send(Socket socket, ApiKeys key, org.apache.kafka.common.protocol.ApiMessage data,
                             short version, int correlationId) throws IOException {
        sendFrame(socket, RawClient.frame(RawClient.request(key, data, version), "raw", correlationId)
                .position(4));
    }

    private static org.apache.kafka.common.requests.AbstractResponse receive(Socket socket, ApiKeys key,
                                                                             short version, int correlationId)
            throws IOException {
        DataInputStream in = new DataInputStream(socket.getInputStream());
        byte[] bytes = new byte[in.readInt()];
        in.readFully(bytes);
        return org.apache.kafka.common.requests.AbstractResponse.parseResponse(ByteBuffer.wrap(bytes),
                new RequestHeader(key, version, "raw", correlationId));
    }

    private static void sendFrame(Socket socket, ByteBuffer payload) throws IOException {
        DataOutputStream out = new DataOutputStream(socket.getOutputStream());
        byte[] bytes = new byte[payload.remaining()];
        payload.get(bytes);
        out.writeInt(bytes.length);
        out.write(bytes);
        out.flush();
    }

    private static void assertClosed(Socket socket) throws IOException {
        try {
            assertThat(socket.getInputStream().read()).isEqualTo(-1);
        } catch (java.net.SocketException reset) {
            // a reset is a close too
        }
    }
}
