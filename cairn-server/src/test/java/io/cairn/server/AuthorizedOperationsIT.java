package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeConsumerGroupsOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Metadata, DescribeCluster and DescribeGroups report the operations the caller may perform when asked (KIP-430):
 * with no authorizer, as in Kafka, every operation the resource type supports (issue 20, point 4).
 */
class AuthorizedOperationsIT {

    private static final List<AclOperation> TOPIC = List.of(AclOperation.READ, AclOperation.WRITE,
            AclOperation.CREATE, AclOperation.DESCRIBE, AclOperation.DELETE, AclOperation.ALTER,
            AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS);
    private static final List<AclOperation> CLUSTER = List.of(AclOperation.CREATE, AclOperation.CLUSTER_ACTION,
            AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS, AclOperation.IDEMPOTENT_WRITE,
            AclOperation.ALTER, AclOperation.DESCRIBE);
    private static final List<AclOperation> GROUP = List.of(AclOperation.READ, AclOperation.DESCRIBE,
            AclOperation.DELETE, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS);

    @TempDir
    Path dataDir;

    @Test
    void everyOperationIsReportedWhenAskedAndNoneWhenNot() throws Exception {
        try (TestNode node = TestNode.start(dataDir); Admin admin = node.admin()) {
            admin.createTopics(List.of(new NewTopic("t", 1, (short) 1))).all().get();

            TopicDescription asked = admin.describeTopics(List.of("t"),
                    new DescribeTopicsOptions().includeAuthorizedOperations(true)).allTopicNames().get().get("t");
            assertThat(asked.authorizedOperations()).containsExactlyInAnyOrderElementsOf(TOPIC);
            TopicDescription notAsked = admin.describeTopics(List.of("t")).allTopicNames().get().get("t");
            assertThat(notAsked.authorizedOperations()).isNull();

            assertThat(admin.describeCluster(new DescribeClusterOptions().includeAuthorizedOperations(true))
                    .authorizedOperations().get()).containsExactlyInAnyOrderElementsOf(CLUSTER);
            assertThat(admin.describeCluster().authorizedOperations().get()).isNull();

            try (KafkaConsumer<String, String> member = node.consumer(Map.of(ConsumerConfig.GROUP_ID_CONFIG, "g"))) {
                member.subscribe(List.of("t"));
                Awaitility.await("the member joined").atMost(Duration.ofSeconds(30))
                        .until(() -> !member.poll(Duration.ofMillis(100)).isEmpty() || !member.assignment().isEmpty());
                ConsumerGroupDescription group = admin.describeConsumerGroups(List.of("g"),
                        new DescribeConsumerGroupsOptions().includeAuthorizedOperations(true)).all().get().get("g");
                assertThat(group.authorizedOperations()).containsExactlyInAnyOrderElementsOf(GROUP);
                assertThat(admin.describeConsumerGroups(List.of("g")).all().get().get("g").authorizedOperations())
                        .isNull();
            }
        }
    }

    @Test
    void metadataVersionsEightToTenCarryTheClustersOperations() throws Exception {
        try (TestNode node = TestNode.start(dataDir); RawClient raw = new RawClient(node.node().port())) {
            MetadataResponseData v10 = (MetadataResponseData) raw.call(ApiKeys.METADATA,
                    new MetadataRequestData().setTopics(List.of()).setIncludeClusterAuthorizedOperations(true), (short) 10);
            assertThat(v10.clusterAuthorizedOperations()).isEqualTo(bits(CLUSTER));
            MetadataResponseData v12 = (MetadataResponseData) raw.call(ApiKeys.METADATA,
                    new MetadataRequestData().setTopics(List.of()), (short) 12);
            assertThat(v12.clusterAuthorizedOperations()).isEqualTo(Integer.MIN_VALUE);
        }
    }

    private static int bits(List<AclOperation> operations) {
        int field = 0;
        for (AclOperation op : operations) {
            field |= 1 << op.code();
        }
        return field;
    }
}
