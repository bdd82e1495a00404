package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dynamic broker configs through the Java Admin client, as kafka-configs.sh --entity-type brokers sends them:
 * Kafka's dynamic configs are stored per broker or cluster-wide and described back with their source, the rest
 * refused with Kafka's errors, and the ones Cairn honours take effect without a restart.
 */
class DynamicBrokerConfigIT {

    private static final ConfigResource BROKER_1 = new ConfigResource(ConfigResource.Type.BROKER, "1");
    private static final ConfigResource CLUSTER_DEFAULT = new ConfigResource(ConfigResource.Type.BROKER, "");

    @TempDir
    static Path dataDir;
    static TestNode node;
    static Admin admin;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(dataDir);
        admin = node.admin();
    }

    @AfterAll
    static void stop() {
        admin.close();
        node.close();
    }

    private static void set(ConfigResource resource, String name, String value) throws Exception {
        admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(new ConfigEntry(name, value),
                AlterConfigOp.OpType.SET)))).all().get();
    }

    private static Config describe(ConfigResource resource) throws Exception {
        return admin.describeConfigs(List.of(resource), new DescribeConfigsOptions().includeSynonyms(true)).all()
                .get().get(resource);
    }

    @Test
    void aPerBrokerSaslConfigIsStoredAndDescribedBack() throws Exception {
        // when
        set(BROKER_1, "sasl.kerberos.min.time.before.relogin", "61000");

        // then
        ConfigEntry entry = describe(BROKER_1).get("sasl.kerberos.min.time.before.relogin");
        assertThat(entry.value()).isEqualTo("61000");
        assertThat(entry.source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_BROKER_CONFIG);
        assertThat(entry.isReadOnly()).isFalse();
        assertThat(entry.type()).isEqualTo(ConfigEntry.ConfigType.LONG);
        assertThat(entry.synonyms()).extracting(ConfigEntry.ConfigSynonym::source, ConfigEntry.ConfigSynonym::value)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(ConfigEntry.ConfigSource.DYNAMIC_BROKER_CONFIG, "61000"),
                        org.assertj.core.groups.Tuple.tuple(ConfigEntry.ConfigSource.DEFAULT_CONFIG, "60000"));
    }

    @Test
    void aBrokerIdDescribesTheNodesPropertiesAndDefaultsToo() throws Exception {
        // when
        Config config = describe(BROKER_1);

        // then
        assertThat(config.get("listeners").source()).isEqualTo(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG);
        assertThat(config.get("listeners").isReadOnly()).isFalse();
        assertThat(config.get("num.partitions").source()).isEqualTo(ConfigEntry.ConfigSource.DEFAULT_CONFIG);
        assertThat(config.get("num.partitions").value()).isEqualTo("1");
        assertThat(config.get("num.partitions").isReadOnly()).isTrue();
        assertThat(config.get("log.dirs").source()).isEqualTo(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG);
    }

    @Test
    void aClusterWideConfigIsStoredAsTheDefaultAndPerBrokerOnesAreRefusedThere() throws Exception {
        // when
        set(CLUSTER_DEFAULT, "log.cleaner.threads", "2");

        // then
        assertThat(describe(CLUSTER_DEFAULT).get("log.cleaner.threads").source())
                .isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
        assertThat(describe(BROKER_1).get("log.cleaner.threads").source())
                .isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
        assertThatThrownBy(() -> set(CLUSTER_DEFAULT, "sasl.kerberos.min.time.before.relogin", "61000"))
                .hasCauseInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("Cannot update these configs at default cluster level, broker id must be "
                        + "specified: [sasl.kerberos.min.time.before.relogin]");
    }

    @Test
    void anotherBrokersIdIsRefusedByTheReceivingBroker() throws Exception {
        // given: the Admin client sends a broker resource to that broker; a raw request reaches this one
        IncrementalAlterConfigsRequestData request = new IncrementalAlterConfigsRequestData();
        IncrementalAlterConfigsRequestData.AlterConfigsResource resource =
                new IncrementalAlterConfigsRequestData.AlterConfigsResource()
                        .setResourceType(ConfigResource.Type.BROKER.id()).setResourceName("2");
        resource.configs().add(new IncrementalAlterConfigsRequestData.AlterableConfig()
                .setName("num.io.threads").setValue("4").setConfigOperation(AlterConfigOp.OpType.SET.id()));
        request.resources().add(resource);
        request.resources().add(new IncrementalAlterConfigsRequestData.AlterConfigsResource()
                .setResourceType(ConfigResource.Type.BROKER.id()).setResourceName("1"));

        // when
        IncrementalAlterConfigsResponseData response;
        try (RawClient client = new RawClient(node.node().port())) {
            response = (IncrementalAlterConfigsResponseData) client.call(ApiKeys.INCREMENTAL_ALTER_CONFIGS, request,
                    ApiKeys.INCREMENTAL_ALTER_CONFIGS.latestVersion());
        }

        // then
        assertThat(response.responses()).extracting(r -> r.resourceName(), r -> Errors.forCode(r.errorCode()),
                r -> r.errorMessage()).containsExactly(
                org.assertj.core.groups.Tuple.tuple("2", Errors.INVALID_REQUEST,
                        "Unexpected broker id, expected 1, but received 2"),
                org.assertj.core.groups.Tuple.tuple("1", Errors.NONE, null));
    }

    @Test
    void configsKafkaDoesNotChangeDynamicallyAndBadValuesAreRefusedWithKafkasErrors() {
        assertThatThrownBy(() -> set(BROKER_1, "broker.id", "2"))
                .hasCauseInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("Cannot update these configs dynamically: [broker.id]");
        assertThatThrownBy(() -> set(CLUSTER_DEFAULT, "log.dirs", "/elsewhere"))
                .hasCauseInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("Cannot update these configs dynamically: [log.dirs]");
        assertThatThrownBy(() -> set(BROKER_1, "sasl.kerberos.min.time.before.relogin", "soon"))
                .hasCauseInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("Invalid value soon for configuration sasl.kerberos.min.time.before.relogin: "
                        + "Not a number of type LONG");
    }

    @Test
    void passwordsAreStoredButNeverDescribed() throws Exception {
        // when
        set(BROKER_1, "listener.name.external.ssl.keystore.password", "secret");

        // then
        ConfigEntry entry = describe(BROKER_1).get("listener.name.external.ssl.keystore.password");
        assertThat(entry.isSensitive()).isTrue();
        assertThat(entry.value()).isNull();
        assertThat(entry.source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_BROKER_CONFIG);
    }

    @Test
    void aDynamicMessageMaxBytesAppliesToExistingLogsWithoutRestart() throws Exception {
        // given
        admin.createTopics(List.of(new NewTopic("sized", 1, (short) 1))).all().get();
        try (KafkaProducer<String, String> producer = node.producer(Map.of())) {
            producer.send(new ProducerRecord<>("sized", "x".repeat(5000))).get();

            // when
            set(CLUSTER_DEFAULT, "message.max.bytes", "2000");

            // then
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThatThrownBy(
                    () -> producer.send(new ProducerRecord<>("sized", "x".repeat(5000))).get())
                    .hasCauseInstanceOf(RecordTooLargeException.class));
            ConfigEntry topicView = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC,
                    "sized"))).all().get().values().iterator().next().get("max.message.bytes");
            assertThat(topicView.value()).isEqualTo("2000");
            assertThat(topicView.source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>("sized", "x".repeat(2500))).get())
                    .hasCauseInstanceOf(RecordTooLargeException.class);

            // when: this broker's own value beats the cluster default
            set(BROKER_1, "message.max.bytes", "3000");

            // then
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    producer.send(new ProducerRecord<>("sized", "x".repeat(2500))).get());
            ConfigEntry perBroker = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC,
                    "sized"))).all().get().values().iterator().next().get("max.message.bytes");
            assertThat(perBroker.value()).isEqualTo("3000");
            assertThat(perBroker.source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_BROKER_CONFIG);
        } finally {
            for (ConfigResource resource : List.of(CLUSTER_DEFAULT, BROKER_1)) {
                admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(
                        new ConfigEntry("message.max.bytes", null), AlterConfigOp.OpType.DELETE)))).all().get();
            }
        }
    }
}
