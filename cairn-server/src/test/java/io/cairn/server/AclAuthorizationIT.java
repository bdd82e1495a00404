package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.cairn.broker.security.Authorization;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.DeleteConsumerGroupOffsetsResult;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeConsumerGroupsOptions;
import org.apache.kafka.clients.admin.DescribeProducersResult;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.SubscriptionPattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SecurityDisabledException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeProducersRequest;
import org.apache.kafka.common.requests.DescribeProducersResponse;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.tools.AclCommand;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The authorizer with real clients on a SASL listener: for each class of API, a user without ACLs is refused with
 * Kafka's error, and served once an ACL (created with the Admin API or kafka-acls.sh) allows it. The admin is a super
 * user; so is User:ANONYMOUS, the principal of the PLAINTEXT inter-broker listener, as docs/adr/0021 tells operators.
 * Each test uses its own user and resources, so they do not depend on each other's ACLs.
 */
class AclAuthorizationIT {

    private static final String JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "username=\"admin\" password=\"admin-secret\" user_admin=\"admin-secret\" user_alice=\"alice-secret\" "
            + "user_bob=\"bob-secret\" user_carol=\"carol-secret\" user_dave=\"dave-secret\" "
            + "user_erin=\"erin-secret\" user_frank=\"frank-secret\" user_grace=\"grace-secret\" "
            + "user_henry=\"henry-secret\" user_ivan=\"ivan-secret\" user_judy=\"judy-secret\" "
            + "user_kate=\"kate-secret\" user_leo=\"leo-secret\" user_mia=\"mia-secret\";";

    @TempDir
    static Path dir;
    static TestNode node;
    static Admin admin;

    @BeforeAll
    static void start() throws Exception {
        Map<String, Object> properties = new HashMap<>();
        properties.put(CairnConfig.LISTENERS, "PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0");
        properties.put(CairnConfig.LISTENER_SECURITY_PROTOCOL_MAP, "PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT");
        properties.put("sasl.enabled.mechanisms", "PLAIN");
        properties.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", JAAS);
        properties.put(CairnConfig.AUTHORIZER_CLASS_NAME, "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        properties.put(CairnConfig.SUPER_USERS, "User:admin;User:ANONYMOUS");
        properties.put(CairnConfig.AUTO_CREATE_TOPICS_ENABLE, false);
        node = TestNode.start(dir.resolve("data"), properties);
        admin = Admin.create(user("admin"));
    }

    @AfterAll
    static void stop() {
        if (admin != null) {
            admin.close();
        }
        if (node != null) {
            node.close();
        }
    }

    @Test
    void aclApisNeedAlterOrDescribeOnTheClusterAndShowWhatWasCreated() throws Exception {
        AclBinding readT = allow("User:alice", ResourceType.TOPIC, "acl-api", PatternType.LITERAL, AclOperation.READ);
        try (Admin alice = Admin.create(user("alice"))) {
            // given no ACL, when alice creates or lists ACLs, then CLUSTER_AUTHORIZATION_FAILED
            assertThatThrownBy(() -> alice.createAcls(List.of(readT)).all().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(ClusterAuthorizationException.class);
            assertThatThrownBy(() -> alice.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(ClusterAuthorizationException.class);

            // when the admin creates it, then every user allowed to describe ACLs sees it
            admin.createAcls(List.of(readT, allow("User:alice", ResourceType.CLUSTER, "kafka-cluster",
                    PatternType.LITERAL, AclOperation.DESCRIBE))).all().get(30, TimeUnit.SECONDS);
            Collection<AclBinding> seen = alice.describeAcls(new AclBindingFilter(new ResourcePatternFilter(
                    ResourceType.TOPIC, "acl-api", PatternType.ANY), AccessControlEntryFilter.ANY)).values()
                    .get(30, TimeUnit.SECONDS);
            assertThat(seen).containsExactly(readT);

            // and deleting it leaves none
            Collection<AclBinding> deleted = admin.deleteAcls(List.of(readT.toFilter())).all().get(30,
                    TimeUnit.SECONDS);
            assertThat(deleted).containsExactly(readT);
            assertThat(alice.describeAcls(readT.toFilter()).values().get(30, TimeUnit.SECONDS)).isEmpty();
        }
    }

    @Test
    void produceNeedsWriteOnTheTopic() throws Exception {
        // given
        createTopic("produce-t");
        Map<String, Object> bob = user("bob");
        bob.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        bob.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);

        // when bob produces without an ACL, then TOPIC_AUTHORIZATION_FAILED
        try (KafkaProducer<String, String> producer = node.producer(bob)) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>("produce-t", "v")).get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
        }

        // when WRITE is granted, then an idempotent producer (KIP-679: WRITE on a topic is enough) is served
        admin.createAcls(List.of(allow("User:bob", ResourceType.TOPIC, "produce-", PatternType.PREFIXED,
                AclOperation.WRITE))).all().get(30, TimeUnit.SECONDS);
        bob.remove(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG);
        try (KafkaProducer<String, String> producer = node.producer(bob)) {
            assertThat(producer.send(new ProducerRecord<>("produce-t", "v")).get(30, TimeUnit.SECONDS).offset())
                    .isEqualTo(0);
        }
    }

    @Test
    void consumingInAGroupNeedsReadOnTheGroupAndTheTopic() throws Exception {
        // given a record in the topic
        createTopic("consume-t");
        try (KafkaProducer<String, String> producer = node.producer(user("admin"))) {
            producer.send(new ProducerRecord<>("consume-t", "hello")).get(30, TimeUnit.SECONDS);
        }
        Map<String, Object> carol = user("carol");
        carol.put(ConsumerConfig.GROUP_ID_CONFIG, "carol-group");

        // when carol reads the partition without ACLs, then TOPIC_AUTHORIZATION_FAILED
        try (KafkaConsumer<String, String> consumer = node.consumer(carol)) {
            consumer.assign(List.of(new TopicPartition("consume-t", 0)));
            assertThatThrownBy(() -> pollUntilRecords(consumer)).isInstanceOf(TopicAuthorizationException.class);
        }

        // when READ on the topic only, then joining the group is refused
        admin.createAcls(List.of(allow("User:carol", ResourceType.TOPIC, "consume-t", PatternType.LITERAL,
                AclOperation.READ))).all().get(30, TimeUnit.SECONDS);
        try (KafkaConsumer<String, String> consumer = node.consumer(carol)) {
            consumer.subscribe(List.of("consume-t"));
            assertThatThrownBy(() -> pollUntilRecords(consumer)).isInstanceOf(GroupAuthorizationException.class);
        }

        // when READ on the group too, then carol consumes and commits
        admin.createAcls(List.of(allow("User:carol", ResourceType.GROUP, "carol-group", PatternType.LITERAL,
                AclOperation.READ))).all().get(30, TimeUnit.SECONDS);
        try (KafkaConsumer<String, String> consumer = node.consumer(carol)) {
            consumer.subscribe(List.of("consume-t"));
            assertThat(pollUntilRecords(consumer).iterator().next().value()).isEqualTo("hello");
            consumer.commitSync();
        }
        try (Admin client = Admin.create(user("carol"))) {
            Map<TopicPartition, OffsetAndMetadata> offsets = client.listConsumerGroupOffsets("carol-group")
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            assertThat(offsets.get(new TopicPartition("consume-t", 0)).offset()).isEqualTo(1);
        }
    }

    @Test
    void metadataAndGroupListsShowWhatTheCallerMayDescribeWithItsAuthorizedOperations() throws Exception {
        // given two topics, dave may read one, and a group he may describe
        createTopic("seen-t");
        createTopic("hidden-t");
        admin.createAcls(List.of(
                allow("User:dave", ResourceType.TOPIC, "seen-t", PatternType.LITERAL, AclOperation.READ),
                allow("User:dave", ResourceType.GROUP, "dave-", PatternType.PREFIXED, AclOperation.DESCRIBE)))
                .all().get(30, TimeUnit.SECONDS);
        Map<String, Object> consumer = user("admin");
        consumer.put(ConsumerConfig.GROUP_ID_CONFIG, "dave-group");
        try (KafkaConsumer<String, String> c = node.consumer(consumer)) {
            c.commitSync(Map.of(new TopicPartition("seen-t", 0), new OffsetAndMetadata(0)));
        }
        consumer.put(ConsumerConfig.GROUP_ID_CONFIG, "other-group");
        try (KafkaConsumer<String, String> c = node.consumer(consumer)) {
            c.commitSync(Map.of(new TopicPartition("seen-t", 0), new OffsetAndMetadata(0)));
        }

        try (Admin dave = Admin.create(user("dave"))) {
            // when
            Set<String> topics = dave.listTopics().names().get(30, TimeUnit.SECONDS);
            TopicDescription seen = dave.describeTopics(List.of("seen-t"), new DescribeTopicsOptions()
                    .includeAuthorizedOperations(true)).allTopicNames().get(30, TimeUnit.SECONDS).get("seen-t");
            Collection<ConsumerGroupListing> groups = dave.listConsumerGroups().all().get(30, TimeUnit.SECONDS);

            // then
            assertThat(topics).contains("seen-t").doesNotContain("hidden-t");
            assertThat(seen.authorizedOperations()).containsExactlyInAnyOrder(AclOperation.READ,
                    AclOperation.DESCRIBE);
            assertThat(groups).extracting(ConsumerGroupListing::groupId).contains("dave-group")
                    .doesNotContain("other-group");
            assertThatThrownBy(() -> dave.describeTopics(List.of("hidden-t")).allTopicNames().get(30,
                    TimeUnit.SECONDS)).hasCauseInstanceOf(TopicAuthorizationException.class);
            // a topic that does not exist is TOPIC_AUTHORIZATION_FAILED too, not UNKNOWN_TOPIC_OR_PARTITION
            assertThatThrownBy(() -> dave.describeTopics(List.of("no-such-topic")).allTopicNames().get(30,
                    TimeUnit.SECONDS)).hasCauseInstanceOf(TopicAuthorizationException.class);
            // anyone may describe the cluster, but only those with DESCRIBE on it learn their operations
            assertThat(dave.describeCluster(new DescribeClusterOptions().includeAuthorizedOperations(true))
                    .authorizedOperations().get(30, TimeUnit.SECONDS)).isEmpty();
        }
    }

    @Test
    void topicAdministrationAndConfigsNeedCreateAndConfigOperations() throws Exception {
        try (Admin erin = Admin.create(user("erin"))) {
            // given no ACL: creating a topic and reading its configs are refused
            assertThatThrownBy(() -> erin.createTopics(List.of(new NewTopic("erin-t", 1, (short) 1))).all()
                    .get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(TopicAuthorizationException.class);
            createTopic("erin-config-t");
            ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, "erin-config-t");
            assertThatThrownBy(() -> erin.describeConfigs(List.of(topic)).all().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
            ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, "1");
            assertThatThrownBy(() -> erin.describeConfigs(List.of(broker)).all().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(ClusterAuthorizationException.class);

            // when CREATE on the prefix erin- and ALTER_CONFIGS (which implies DESCRIBE_CONFIGS)
            admin.createAcls(List.of(
                    allow("User:erin", ResourceType.TOPIC, "erin-", PatternType.PREFIXED, AclOperation.CREATE),
                    allow("User:erin", ResourceType.TOPIC, "erin-", PatternType.PREFIXED,
                            AclOperation.ALTER_CONFIGS))).all().get(30, TimeUnit.SECONDS);

            // then
            erin.createTopics(List.of(new NewTopic("erin-t", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            assertThat(erin.describeConfigs(List.of(topic)).all().get(30, TimeUnit.SECONDS).get(topic)
                    .get("cleanup.policy").value()).isEqualTo("delete");
            assertThatThrownBy(() -> erin.deleteTopics(List.of("erin-t")).all().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
        }
    }

    @Test
    void clusterOperationsNeedDescribeAlterOrAlterConfigsOnTheCluster() throws Exception {
        ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, "1");
        AlterConfigOp retention = new AlterConfigOp(new ConfigEntry("log.retention.ms", "3600000"),
                AlterConfigOp.OpType.SET);
        try (Admin henry = Admin.create(user("henry"))) {
            // given no ACL: every cluster-level API is CLUSTER_AUTHORIZATION_FAILED
            assertThatThrownBy(() -> henry.describeLogDirs(List.of(1)).allDescriptions().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(ClusterAuthorizationException.class);
            assertThatThrownBy(() -> henry.listPartitionReassignments().reassignments().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(ClusterAuthorizationException.class);
            assertThatThrownBy(() -> henry.incrementalAlterConfigs(Map.of(broker, List.of(retention))).all()
                    .get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(ClusterAuthorizationException.class);
            assertThatThrownBy(() -> henry.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(
                    "henry", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), "x"))).all()
                    .get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(ClusterAuthorizationException.class);
            assertThatThrownBy(() -> henry.electLeaders(ElectionType.PREFERRED, Set.of(new TopicPartition("t", 0)))
                    .all().get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(ClusterAuthorizationException.class);

            // when DESCRIBE and ALTER_CONFIGS on the cluster
            admin.createAcls(List.of(
                    allow("User:henry", ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL,
                            AclOperation.DESCRIBE),
                    allow("User:henry", ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL,
                            AclOperation.ALTER_CONFIGS))).all().get(30, TimeUnit.SECONDS);

            // then
            assertThat(henry.describeLogDirs(List.of(1)).allDescriptions().get(30, TimeUnit.SECONDS)).hasSize(1);
            assertThat(henry.listPartitionReassignments().reassignments().get(30, TimeUnit.SECONDS)).isEmpty();
            henry.incrementalAlterConfigs(Map.of(broker, List.of(retention))).all().get(30, TimeUnit.SECONDS);
            assertThat(henry.describeCluster(new DescribeClusterOptions().includeAuthorizedOperations(true))
                    .authorizedOperations().get(30, TimeUnit.SECONDS)).containsExactlyInAnyOrder(
                    AclOperation.DESCRIBE, AclOperation.ALTER_CONFIGS, AclOperation.DESCRIBE_CONFIGS);
        }
    }

    @Test
    void groupsAreDescribedAndDeletedWithDescribeAndDeleteOnThem() throws Exception {
        // given an empty group with a committed offset
        createTopic("group-t");
        Map<String, Object> committer = user("admin");
        committer.put(ConsumerConfig.GROUP_ID_CONFIG, "ivan-group");
        try (KafkaConsumer<String, String> c = node.consumer(committer)) {
            c.commitSync(Map.of(new TopicPartition("group-t", 0), new OffsetAndMetadata(0)));
        }
        try (Admin ivan = Admin.create(user("ivan"))) {
            // when ivan has no ACL, then describing, reading offsets and deleting are GROUP_AUTHORIZATION_FAILED
            assertThatThrownBy(() -> ivan.describeConsumerGroups(List.of("ivan-group")).all().get(30,
                    TimeUnit.SECONDS)).hasCauseInstanceOf(GroupAuthorizationException.class);
            assertThatThrownBy(() -> ivan.listConsumerGroupOffsets("ivan-group").partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(GroupAuthorizationException.class);
            assertThatThrownBy(() -> ivan.deleteConsumerGroups(List.of("ivan-group")).all().get(30,
                    TimeUnit.SECONDS)).hasCauseInstanceOf(GroupAuthorizationException.class);

            // when DESCRIBE on the group: described with his operations, offsets of topics he may not describe
            // left out
            admin.createAcls(List.of(allow("User:ivan", ResourceType.GROUP, "ivan-group", PatternType.LITERAL,
                    AclOperation.DESCRIBE))).all().get(30, TimeUnit.SECONDS);
            ConsumerGroupDescription group = ivan.describeConsumerGroups(List.of("ivan-group"),
                    new DescribeConsumerGroupsOptions().includeAuthorizedOperations(true)).all()
                    .get(30, TimeUnit.SECONDS).get("ivan-group");
            assertThat(group.authorizedOperations()).containsExactly(AclOperation.DESCRIBE);
            assertThat(ivan.listConsumerGroupOffsets("ivan-group").partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS)).isEmpty();
            assertThatThrownBy(() -> ivan.deleteConsumerGroups(List.of("ivan-group")).all().get(30,
                    TimeUnit.SECONDS)).hasCauseInstanceOf(GroupAuthorizationException.class);

            // when DELETE too, then the group is deleted
            admin.createAcls(List.of(allow("User:ivan", ResourceType.GROUP, "ivan-group", PatternType.LITERAL,
                    AclOperation.DELETE))).all().get(30, TimeUnit.SECONDS);
            ivan.deleteConsumerGroups(List.of("ivan-group")).all().get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void transactionsNeedWriteOnTheTransactionalId() throws Exception {
        // given
        createTopic("txn-t");
        admin.createAcls(List.of(allow("User:frank", ResourceType.TOPIC, "txn-t", PatternType.LITERAL,
                AclOperation.WRITE))).all().get(30, TimeUnit.SECONDS);
        Map<String, Object> frank = user("frank");
        frank.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "frank-tx");
        frank.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);

        // when initTransactions without WRITE on the transactional id, then TRANSACTIONAL_ID_AUTHORIZATION_FAILED
        try (KafkaProducer<String, String> producer = node.producer(frank)) {
            assertThatThrownBy(producer::initTransactions)
                    .isInstanceOf(TransactionalIdAuthorizationException.class);
        }

        // when granted, then a transaction commits
        admin.createAcls(List.of(allow("User:frank", ResourceType.TRANSACTIONAL_ID, "frank-tx", PatternType.LITERAL,
                AclOperation.WRITE))).all().get(30, TimeUnit.SECONDS);
        try (KafkaProducer<String, String> producer = node.producer(frank)) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("txn-t", "in-txn"));
            producer.commitTransaction();
        }
    }

    @Test
    void kafkaAclsToolAddsListsAndRemovesAcls() throws Exception {
        // given kafka-acls.sh run as the admin over SASL
        Path config = dir.resolve("admin.properties");
        Files.writeString(config, "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.jaas.config="
                + plainJaas("admin", "admin-secret") + "\n");
        createTopic("tool-t");
        Map<String, Object> grace = user("grace");
        grace.put(ConsumerConfig.GROUP_ID_CONFIG, "grace-group");

        // when: kafka-acls --add --allow-principal User:grace --consumer --topic tool-t --group grace-group
        aclTool(config, "--add", "--allow-principal", "User:grace", "--consumer", "--topic", "tool-t", "--group",
                "grace-group");
        String listed = aclTool(config, "--list", "--topic", "tool-t");

        // then grace consumes, and the listing shows her ACLs
        assertThat(listed).contains("User:grace").contains("READ").contains("DESCRIBE");
        try (KafkaConsumer<String, String> consumer = node.consumer(grace)) {
            consumer.assign(List.of(new TopicPartition("tool-t", 0)));
            consumer.poll(Duration.ofMillis(500));
            consumer.commitSync(Map.of(new TopicPartition("tool-t", 0), new OffsetAndMetadata(0)));
        }

        // when removed, then she is refused again
        aclTool(config, "--remove", "--force", "--allow-principal", "User:grace", "--consumer", "--topic", "tool-t",
                "--group", "grace-group");
        try (KafkaConsumer<String, String> consumer = node.consumer(grace)) {
            assertThatThrownBy(() -> consumer.commitSync(Map.of(new TopicPartition("tool-t", 0),
                    new OffsetAndMetadata(0)))).isInstanceOf(GroupAuthorizationException.class);
        }
    }

    @Test
    void everyApiTheNodeServesHasItsOwnCheck() throws Exception {
        // when
        ApiVersionsResponseData versions;
        try (RawClient client = new RawClient(node.node().port())) {
            versions = (ApiVersionsResponseData) client.call(ApiKeys.API_VERSIONS, new ApiVersionsRequestData()
                    .setClientSoftwareName("acl-test").setClientSoftwareVersion("1"), (short) 3);
        }

        // then: none falls back to the refusal of an API without a rule
        assertThat(versions.apiKeys()).isNotEmpty().allSatisfy(api ->
                assertThat(Authorization.covers(ApiKeys.forId(api.apiKey()))).as(ApiKeys.forId(api.apiKey()).name)
                        .isTrue());
    }

    @Test
    void withoutAnAuthorizerTheAclApisAnswerSecurityDisabled(@TempDir Path other) throws Exception {
        try (TestNode plain = TestNode.start(other.resolve("data")); Admin client = plain.admin()) {
            assertThatThrownBy(() -> client.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(SecurityDisabledException.class);
            assertThatThrownBy(() -> client.createAcls(List.of(allow("User:x", ResourceType.TOPIC, "t",
                    PatternType.LITERAL, AclOperation.READ))).all().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(SecurityDisabledException.class);
        }
    }

    @Test
    void describeProducersNeedsReadAndIsAnsweredPerTopic() throws Exception {
        // given: two topics with an idempotent producer's record each; judy may read only the first
        createTopic("dp-allowed");
        createTopic("dp-denied");
        try (KafkaProducer<String, String> producer = node.producer(user("admin"))) {
            producer.send(new ProducerRecord<>("dp-allowed", "v")).get(30, TimeUnit.SECONDS);
            producer.send(new ProducerRecord<>("dp-denied", "v")).get(30, TimeUnit.SECONDS);
        }
        admin.createAcls(List.of(allow("User:judy", ResourceType.TOPIC, "dp-allowed", PatternType.LITERAL,
                AclOperation.READ))).all().get(30, TimeUnit.SECONDS);
        TopicPartition allowed = new TopicPartition("dp-allowed", 0);
        TopicPartition denied = new TopicPartition("dp-denied", 0);

        // when: both in one request, as kafka-transactions.sh describe-producers --broker-id sends it
        DescribeProducersRequestData data = new DescribeProducersRequestData();
        for (String topic : List.of("dp-allowed", "dp-denied")) {
            data.topics().add(new DescribeProducersRequestData.TopicRequest().setName(topic)
                    .setPartitionIndexes(List.of(0)));
        }
        DescribeProducersResponse response = (DescribeProducersResponse) OneRequest.send("127.0.0.1",
                node.node().port("SASL_PLAINTEXT"), new DescribeProducersRequest.Builder(data).build(),
                Duration.ofSeconds(30), ClientSecurity.connector(user("judy")));

        // then: the allowed partition is described, the other refused by itself
        Map<String, DescribeProducersResponseData.PartitionResponse> byTopic = new HashMap<>();
        response.data().topics().forEach(t -> byTopic.put(t.name(), t.partitions().get(0)));
        assertThat(byTopic.get("dp-allowed").errorCode()).isZero();
        assertThat(byTopic.get("dp-allowed").activeProducers()).hasSize(1);
        assertThat(byTopic.get("dp-denied").errorCode()).isEqualTo(Errors.TOPIC_AUTHORIZATION_FAILED.code());
        assertThat(byTopic.get("dp-denied").activeProducers()).isEmpty();
        // and the Admin client, which looks the leaders up first, gets the same
        try (Admin judy = Admin.create(user("judy"))) {
            DescribeProducersResult result = judy.describeProducers(List.of(allowed, denied));
            assertThat(result.partitionResult(allowed).get(30, TimeUnit.SECONDS).activeProducers()).hasSize(1);
            assertThatThrownBy(() -> result.partitionResult(denied).get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
        }
    }

    @Test
    void offsetDeleteNeedsDeleteOnTheGroupAndReadPerTopic() throws Exception {
        // given: an empty group with offsets on two topics; kate may read only the first
        createTopic("od-allowed");
        createTopic("od-denied");
        TopicPartition allowed = new TopicPartition("od-allowed", 0);
        TopicPartition denied = new TopicPartition("od-denied", 0);
        admin.alterConsumerGroupOffsets("kate-group", Map.of(allowed, new OffsetAndMetadata(0),
                denied, new OffsetAndMetadata(0))).all().get(30, TimeUnit.SECONDS);
        admin.createAcls(List.of(allow("User:kate", ResourceType.TOPIC, "od-allowed", PatternType.LITERAL,
                AclOperation.READ))).all().get(30, TimeUnit.SECONDS);

        try (Admin kate = Admin.create(user("kate"))) {
            // when without DELETE on the group, then GROUP_AUTHORIZATION_FAILED
            assertThatThrownBy(() -> kate.deleteConsumerGroupOffsets("kate-group", Set.of(allowed)).all()
                    .get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(GroupAuthorizationException.class);

            // when with it, then the allowed topic's offset is deleted and the other refused by itself
            admin.createAcls(List.of(allow("User:kate", ResourceType.GROUP, "kate-group", PatternType.LITERAL,
                    AclOperation.DELETE))).all().get(30, TimeUnit.SECONDS);
            DeleteConsumerGroupOffsetsResult result = kate.deleteConsumerGroupOffsets("kate-group",
                    Set.of(allowed, denied));
            result.partitionResult(allowed).get(30, TimeUnit.SECONDS);
            assertThatThrownBy(() -> result.partitionResult(denied).get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
        }
        assertThat(admin.listConsumerGroupOffsets("kate-group").partitionsToOffsetAndMetadata()
                .get(30, TimeUnit.SECONDS).keySet()).containsExactly(denied);
    }

    @Test
    void aRegularExpressionSubscriptionResolvesOnlyToTopicsTheMemberMayDescribe() throws Exception {
        // given: two topics the expression matches, each with a record; leo may read (so describe) only one
        createTopic("rx-allowed");
        createTopic("rx-denied");
        try (KafkaProducer<String, String> producer = node.producer(user("admin"))) {
            producer.send(new ProducerRecord<>("rx-allowed", "allowed")).get(30, TimeUnit.SECONDS);
            producer.send(new ProducerRecord<>("rx-denied", "denied")).get(30, TimeUnit.SECONDS);
        }
        admin.createAcls(List.of(allow("User:leo", ResourceType.TOPIC, "rx-allowed", PatternType.LITERAL,
                        AclOperation.READ), allow("User:leo", ResourceType.GROUP, "leo-group", PatternType.LITERAL,
                        AclOperation.READ))).all().get(30, TimeUnit.SECONDS);
        Map<String, Object> leo = user("leo");
        leo.put(ConsumerConfig.GROUP_ID_CONFIG, "leo-group");
        leo.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer");

        // when: the server resolves the expression (KIP-848)
        try (KafkaConsumer<String, String> consumer = node.consumer(leo)) {
            consumer.subscribe(new SubscriptionPattern("rx-.*"));

            // then: leo is assigned and reads the topic he may describe, and never the other
            assertThat(pollUntilRecords(consumer).iterator().next().value()).isEqualTo("allowed");
            assertThat(consumer.assignment()).containsExactly(new TopicPartition("rx-allowed", 0));

            // and: describing the group (ConsumerGroupDescribe) needs DESCRIBE on the topics its members are
            // assigned too, as in Kafka: leo sees his assignment; mia, with DESCRIBE on the group only, does not
            admin.createAcls(List.of(allow("User:mia", ResourceType.GROUP, "leo-group", PatternType.LITERAL,
                    AclOperation.DESCRIBE))).all().get(30, TimeUnit.SECONDS);
            try (Admin leoAdmin = Admin.create(user("leo")); Admin mia = Admin.create(user("mia"))) {
                ConsumerGroupDescription described = leoAdmin.describeConsumerGroups(List.of("leo-group")).all()
                        .get(30, TimeUnit.SECONDS).get("leo-group");
                assertThat(described.members()).singleElement().satisfies(member -> assertThat(
                        member.assignment().topicPartitions()).containsExactly(new TopicPartition("rx-allowed", 0)));
                assertThatThrownBy(() -> mia.describeConsumerGroups(List.of("leo-group")).all()
                        .get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(TopicAuthorizationException.class)
                        .hasMessageContaining("not authorized to describe");
            }
        }
    }

    private static ConsumerRecords<String, String> pollUntilRecords(KafkaConsumer<String, String> consumer) {
        ConsumerRecords<String, String>[] polled = new ConsumerRecords[1];
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            polled[0] = consumer.poll(Duration.ofMillis(200));
            return !polled[0].isEmpty();
        });
        return polled[0];
    }

    private static synchronized String aclTool(Path config, String... args) {
        List<String> all = new ArrayList<>(List.of("--bootstrap-server",
                "127.0.0.1:" + node.node().port("SASL_PLAINTEXT"), "--command-config", config.toString()));
        all.addAll(List.of(args));
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            AclCommand.main(all.toArray(String[]::new));
        } finally {
            System.setOut(original);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        original.println("kafka-acls " + String.join(" ", args) + "\n" + out);
        return out;
    }

    private static void createTopic(String name) throws ExecutionException, InterruptedException,
            java.util.concurrent.TimeoutException {
        admin.createTopics(List.of(new NewTopic(name, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }

    private static AclBinding allow(String principal, ResourceType type, String name, PatternType pattern,
                                    AclOperation operation) {
        return new AclBinding(new ResourcePattern(type, name, pattern),
                new AccessControlEntry(principal, "*", operation, AclPermissionType.ALLOW));
    }

    static Map<String, Object> user(String name) {
        Map<String, Object> props = new HashMap<>();
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + node.node().port("SASL_PLAINTEXT"));
        props.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
        props.put(SaslConfigs.SASL_MECHANISM, "PLAIN");
        props.put(SaslConfigs.SASL_JAAS_CONFIG, plainJaas(name, name + "-secret"));
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        return props;
    }

    private static String plainJaas(String user, String password) {
        return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + user
                + "\" password=\"" + password + "\";";
    }
}
