package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateDelegationTokenOptions;
import org.apache.kafka.clients.admin.DescribeDelegationTokenOptions;
import org.apache.kafka.clients.admin.ExpireDelegationTokenOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RenewDelegationTokenOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.DelegationTokenAuthorizationException;
import org.apache.kafka.common.errors.DelegationTokenNotFoundException;
import org.apache.kafka.common.errors.DelegationTokenOwnerMismatchException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnsupportedByAuthenticationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.token.delegation.DelegationToken;
import org.apache.kafka.common.security.token.delegation.TokenInformation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Delegation tokens (docs/adr/0034) with real clients on one node with SCRAM and the StandardAuthorizer: Admin
 * creates, renews, expires and describes them; producers and consumers log in with a token (SCRAM, tokenauth=true)
 * and act with the owner's ACLs; Kafka's refusals (owner mismatch, not found, token-authenticated or PLAINTEXT
 * connections, CREATE_TOKENS for another owner); expired tokens refused and removed; tokens kept over a restart.
 * Each test uses its own user, so they do not depend on each other.
 */
class DelegationTokenIT {

    private static final String USERS = "alice,bob,carol,dave,erin,frank,gina,hank";

    @TempDir
    static Path dir;
    static TestNode node;

    @BeforeAll
    static void start() throws Exception {
        Map<String, Object> properties = new HashMap<>();
        properties.put(CairnConfig.LISTENERS, "PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0");
        properties.put(CairnConfig.LISTENER_SECURITY_PROTOCOL_MAP, "PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT");
        properties.put("sasl.enabled.mechanisms", "SCRAM-SHA-256,SCRAM-SHA-512");
        StringBuilder credentials = new StringBuilder("SCRAM-SHA-256=[name=admin,password=admin-secret]");
        for (String user : USERS.split(",")) {
            credentials.append(",SCRAM-SHA-256=[name=").append(user).append(",password=").append(user)
                    .append("-secret]");
        }
        properties.put(CairnConfig.BOOTSTRAP_SCRAM_CREDENTIALS, credentials.toString());
        properties.put(CairnConfig.AUTHORIZER_CLASS_NAME, "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        properties.put(CairnConfig.SUPER_USERS, "User:admin;User:ANONYMOUS");
        properties.put(CairnConfig.AUTO_CREATE_TOPICS_ENABLE, false);
        properties.put("delegation.token.master.key", "the-old-name-of-the-secret"); // Kafka's alias works too
        properties.put(CairnConfig.DELEGATION_TOKEN_EXPIRY_CHECK_INTERVAL_MS, 500L);
        node = TestNode.start(dir.resolve("data"), properties);
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void aTokenLogsInAsItsOwnerAndActsWithTheOwnersAcls() throws Exception {
        try (Admin admin = Admin.create(user("admin")); Admin alice = Admin.create(user("alice"))) {
            // given alice may write and read topic dt-alice, and read group g-alice, and nothing else
            admin.createTopics(List.of(new NewTopic("dt-alice", 1, (short) 1), new NewTopic("dt-other", 1,
                    (short) 1))).all().get(30, TimeUnit.SECONDS);
            admin.createAcls(List.of(allow("User:alice", ResourceType.TOPIC, "dt-alice", AclOperation.ALL),
                    allow("User:alice", ResourceType.GROUP, "g-alice", AclOperation.READ)))
                    .all().get(30, TimeUnit.SECONDS);

            // when alice creates a token
            DelegationToken token = alice.createDelegationToken().delegationToken().get(30, TimeUnit.SECONDS);

            // then it is hers, and a producer and a consumer logging in with it act as alice
            TokenInformation info = token.tokenInfo();
            assertThat(info.owner()).isEqualTo(new KafkaPrincipal("User", "alice"));
            assertThat(info.tokenRequester()).isEqualTo(new KafkaPrincipal("User", "alice"));
            assertThat(info.expiryTimestamp()).isGreaterThan(info.issueTimestamp());
            try (KafkaProducer<String, String> producer = node.producer(tokenLogin(token, "SCRAM-SHA-256"))) {
                producer.send(new ProducerRecord<>("dt-alice", "k", "by token")).get(30, TimeUnit.SECONDS);
                assertThatThrownBy(() -> producer.send(new ProducerRecord<>("dt-other", "k", "v"))
                        .get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(TopicAuthorizationException.class);
            }
            Map<String, Object> consumerLogin = new HashMap<>(tokenLogin(token, "SCRAM-SHA-512"));
            consumerLogin.put(ConsumerConfig.GROUP_ID_CONFIG, "g-alice");
            try (KafkaConsumer<String, String> consumer = node.consumer(consumerLogin)) {
                consumer.subscribe(List.of("dt-alice"));
                List<String> values = new java.util.ArrayList<>();
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                    records.forEach(r -> values.add(r.value()));
                    return !values.isEmpty();
                });
                assertThat(values).containsExactly("by token");
            }

            // and alice and the admin see it described, with its HMAC; gina, who has no ACL and no token, does not
            assertThat(alice.describeDelegationToken().delegationTokens().get(30, TimeUnit.SECONDS))
                    .containsExactly(token);
            assertThat(admin.describeDelegationToken(new DescribeDelegationTokenOptions().owners(List.of(
                    new KafkaPrincipal("User", "alice")))).delegationTokens().get(30, TimeUnit.SECONDS))
                    .containsExactly(token);
            try (Admin gina = Admin.create(user("gina"))) {
                assertThat(gina.describeDelegationToken().delegationTokens().get(30, TimeUnit.SECONDS)).isEmpty();
            }
        }
    }

    @Test
    void tokenRequestsAreRefusedOnTokenAndPlaintextConnections() throws Exception {
        DelegationToken token;
        try (Admin carol = Admin.create(user("carol"))) {
            token = carol.createDelegationToken().delegationToken().get(30, TimeUnit.SECONDS);
        }
        // given a connection authenticated with the token, when it asks for a token, then Kafka's refusal
        Map<String, Object> byToken = new HashMap<>(tokenLogin(token, "SCRAM-SHA-256"));
        byToken.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        try (Admin viaToken = Admin.create(byToken)) {
            assertThatThrownBy(() -> viaToken.createDelegationToken().delegationToken().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(UnsupportedByAuthenticationException.class);
            assertThatThrownBy(() -> viaToken.renewDelegationToken(token.hmac()).expiryTimestamp()
                    .get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(UnsupportedByAuthenticationException.class);
            assertThatThrownBy(() -> viaToken.describeDelegationToken().delegationTokens().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(UnsupportedByAuthenticationException.class);
        }
        // and on PLAINTEXT
        try (Admin plaintext = node.admin()) {
            assertThatThrownBy(() -> plaintext.createDelegationToken().delegationToken().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(UnsupportedByAuthenticationException.class);
        }
    }

    @Test
    void onlyTheOwnerAndRenewersRenewOrExpireAndAnExpiredTokenNoLongerLogsIn() throws Exception {
        try (Admin dave = Admin.create(user("dave")); Admin erin = Admin.create(user("erin"));
             Admin bob = Admin.create(user("bob"))) {
            // given dave's token that erin may renew
            DelegationToken token = dave.createDelegationToken(new CreateDelegationTokenOptions()
                    .renewers(List.of(new KafkaPrincipal("User", "erin")))).delegationToken()
                    .get(30, TimeUnit.SECONDS);

            // when bob renews or expires it, then DELEGATION_TOKEN_OWNER_MISMATCH
            assertThatThrownBy(() -> bob.renewDelegationToken(token.hmac()).expiryTimestamp()
                    .get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(DelegationTokenOwnerMismatchException.class);
            assertThatThrownBy(() -> bob.expireDelegationToken(token.hmac()).expiryTimestamp()
                    .get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(DelegationTokenOwnerMismatchException.class);

            // when erin renews it for a minute, then its expiry is about a minute away
            long before = System.currentTimeMillis();
            long expiry = erin.renewDelegationToken(token.hmac(), new RenewDelegationTokenOptions()
                    .renewTimePeriodMs(60_000)).expiryTimestamp().get(30, TimeUnit.SECONDS);
            assertThat(expiry).isBetween(before + 50_000, System.currentTimeMillis() + 60_000);

            // when dave expires it at once, then it no longer logs in and is gone
            dave.expireDelegationToken(token.hmac(), new ExpireDelegationTokenOptions().expiryTimePeriodMs(-1))
                    .expiryTimestamp().get(30, TimeUnit.SECONDS);
            assertLoginRefused(token);
            assertThat(dave.describeDelegationToken().delegationTokens().get(30, TimeUnit.SECONDS)).isEmpty();
            assertThatThrownBy(() -> dave.renewDelegationToken(token.hmac()).expiryTimestamp()
                    .get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(DelegationTokenNotFoundException.class);
        }
    }

    @Test
    void aTokenPastItsLifetimeIsRefusedAndRemovedByTheExpiryCheck() throws Exception {
        try (Admin frank = Admin.create(user("frank"))) {
            // given a token that lives for 1.5 s
            DelegationToken token = frank.createDelegationToken(new CreateDelegationTokenOptions()
                    .maxLifetimeMs(1500)).delegationToken().get(30, TimeUnit.SECONDS);
            assertThat(token.tokenInfo().maxTimestamp() - token.tokenInfo().issueTimestamp()).isEqualTo(1500);

            // when its lifetime is over, then the controller's expiry check removes it, and it no longer logs in
            await().atMost(Duration.ofSeconds(30)).until(() -> frank.describeDelegationToken().delegationTokens()
                    .get(30, TimeUnit.SECONDS).isEmpty());
            assertThat(System.currentTimeMillis()).isGreaterThan(token.tokenInfo().maxTimestamp());
            assertLoginRefused(token);
        }
    }

    @Test
    void creatingATokenForAnotherOwnerNeedsCreateTokensOnThatUser() throws Exception {
        try (Admin admin = Admin.create(user("admin")); Admin bob = Admin.create(user("bob"))) {
            KafkaPrincipal carol = new KafkaPrincipal("User", "carol");
            // given no ACL, when bob asks for a token owned by carol, then DELEGATION_TOKEN_AUTHORIZATION_FAILED
            assertThatThrownBy(() -> bob.createDelegationToken(new CreateDelegationTokenOptions().owner(carol))
                    .delegationToken().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(DelegationTokenAuthorizationException.class);

            // when the admin allows bob CREATE_TOKENS on User:carol, then the token is carol's, requested by bob
            admin.createAcls(List.of(allow("User:bob", ResourceType.USER, "User:carol", AclOperation.CREATE_TOKENS)))
                    .all().get(30, TimeUnit.SECONDS);
            DelegationToken token = bob.createDelegationToken(new CreateDelegationTokenOptions().owner(carol))
                    .delegationToken().get(30, TimeUnit.SECONDS);
            assertThat(token.tokenInfo().owner()).isEqualTo(carol);
            assertThat(token.tokenInfo().tokenRequester()).isEqualTo(new KafkaPrincipal("User", "bob"));
            // the requester sees it described; renewing it is the owner's or a renewer's business only
            assertThat(bob.describeDelegationToken().delegationTokens().get(30, TimeUnit.SECONDS)).contains(token);
            assertThatThrownBy(() -> bob.renewDelegationToken(token.hmac()).expiryTimestamp()
                    .get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(DelegationTokenOwnerMismatchException.class);
        }
    }

    @Test
    void aTokenSurvivesARestart() throws Exception {
        DelegationToken token;
        try (Admin admin = Admin.create(user("admin"))) {
            token = admin.createDelegationToken().delegationToken().get(30, TimeUnit.SECONDS);
        }
        // when the node restarts (its metadata replayed), then the token still logs in and is described
        node.restart();
        Map<String, Object> byToken = new HashMap<>(tokenLogin(token, "SCRAM-SHA-256"));
        byToken.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        try (Admin viaToken = Admin.create(byToken); Admin admin = Admin.create(user("admin"))) {
            assertThat(viaToken.describeCluster().nodes().get(30, TimeUnit.SECONDS)).isNotEmpty();
            assertThat(admin.describeDelegationToken().delegationTokens().get(30, TimeUnit.SECONDS)).contains(token);
        }
    }

    /** docs/security.md's commands, run with Kafka 4.3.1's own kafka-delegation-tokens.sh class. */
    @Test
    void kafkaDelegationTokensToolCreatesDescribesRenewsAndExpires() throws Exception {
        // given hank's client configuration
        Path config = dir.resolve("hank.properties");
        StringBuilder properties = new StringBuilder();
        user("hank").forEach((key, value) -> properties.append(key).append('=').append(value).append('\n'));
        java.nio.file.Files.writeString(config, properties.toString());
        String[] common = {"--bootstrap-server", "127.0.0.1:" + node.node().port("SASL_PLAINTEXT"),
                "--command-config", config.toString()};

        // when hank creates a token that bob may renew, then describes his tokens
        String created = tool(common, "--create", "--max-life-time-period", "-1", "--renewer-principal", "User:bob");
        assertThat(created).contains("Created delegation token with tokenId : ");
        String tokenId = created.substring(created.indexOf("tokenId : ") + 10).split("\\s+")[0];
        // (Kafka's tool sends an empty owner list without --owner-principal, which Kafka, and Cairn, answer with none)
        assertThat(tool(common, "--describe")).contains("Total number of tokens : 0");
        String described = tool(common, "--describe", "--owner-principal", "User:hank");
        assertThat(described).contains(tokenId).contains("User:hank").contains("User:bob")
                .contains("Total number of tokens : 1");

        // then renewing and expiring it by its HMAC work, and an expired-at-once token is gone
        DelegationToken token;
        try (Admin hank = Admin.create(user("hank"))) {
            token = hank.describeDelegationToken().delegationTokens().get(30, TimeUnit.SECONDS).get(0);
        }
        String hmac = Base64.getEncoder().encodeToString(token.hmac());
        assertThat(tool(common, "--renew", "--renew-time-period", "-1", "--hmac", hmac))
                .contains("Completed renew operation. New expiry date : ");
        assertThat(tool(common, "--expire", "--expiry-time-period", "-1", "--hmac", hmac))
                .contains("Completed expire operation.");
        assertThat(tool(common, "--describe", "--owner-principal", "User:hank"))
                .contains("Total number of tokens : 0");
    }

    /** Runs kafka-delegation-tokens.sh in this JVM: its output; fails on a non-zero exit. */
    private static String tool(String[] common, String... args) {
        List<String> all = new java.util.ArrayList<>(List.of(common));
        all.addAll(List.of(args));
        java.io.PrintStream original = System.out;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        int[] exit = {-1};
        org.apache.kafka.common.utils.Exit.setExitProcedure((code, message) -> exit[0] = code);
        System.setOut(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            org.apache.kafka.tools.DelegationTokenCommand.main(all.toArray(String[]::new));
        } finally {
            System.setOut(original);
            org.apache.kafka.common.utils.Exit.resetExitProcedure();
        }
        String out = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
        original.println("kafka-delegation-tokens " + String.join(" ", args) + "\n" + out);
        assertThat(exit[0]).as(out).isEqualTo(0);
        return out;
    }

    private static void assertLoginRefused(DelegationToken token) {
        Map<String, Object> byToken = new HashMap<>(tokenLogin(token, "SCRAM-SHA-256"));
        byToken.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        try (Admin viaToken = Admin.create(byToken)) {
            assertThatThrownBy(() -> viaToken.describeCluster().nodes().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(SaslAuthenticationException.class);
        }
    }

    private static AclBinding allow(String principal, ResourceType type, String name, AclOperation operation) {
        return new AclBinding(new ResourcePattern(type, name, PatternType.LITERAL),
                new AccessControlEntry(principal, "*", operation, AclPermissionType.ALLOW));
    }

    /** A SASL_PLAINTEXT SCRAM client of {@code name}. */
    static Map<String, Object> user(String name) {
        Map<String, Object> props = sasl("SCRAM-SHA-256", scramJaas(name, name + "-secret", false));
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        return props;
    }

    /** A client logging in with {@code token}: username the token id, password its HMAC, tokenauth=true. */
    static Map<String, Object> tokenLogin(DelegationToken token, String mechanism) {
        Map<String, Object> props = sasl(mechanism, scramJaas(token.tokenInfo().tokenId(),
                Base64.getEncoder().encodeToString(token.hmac()), true));
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        return props;
    }

    private static Map<String, Object> sasl(String mechanism, String jaas) {
        Map<String, Object> props = new HashMap<>();
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + node.node().port("SASL_PLAINTEXT"));
        props.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
        props.put(SaslConfigs.SASL_MECHANISM, mechanism);
        props.put(SaslConfigs.SASL_JAAS_CONFIG, jaas);
        return props;
    }

    private static String scramJaas(String user, String password, boolean token) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user
                + "\" password=\"" + password + "\"" + (token ? " tokenauth=\"true\"" : "") + ";";
    }
}
