package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicCollection;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The error message of a successful answer, which clients may compare (kafkajs's own tests do): null where Kafka
 * sends its ApiError.NONE, "NONE" where it sends Errors.NONE.message().
 */
class SuccessMessagesIT {

    @TempDir
    static Path dataDir;
    static TestNode node;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(dataDir, Map.of());
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void aCreatedTopicHasANullErrorMessage() throws Exception {
        try (RawClient client = new RawClient(node.node().port())) {
            for (boolean validateOnly : List.of(true, false)) {
                // given
                CreatableTopicCollection topics = new CreatableTopicCollection();
                topics.add(new CreatableTopic().setName("created-" + validateOnly).setNumPartitions(1)
                        .setReplicationFactor((short) 1));
                CreateTopicsRequestData request = new CreateTopicsRequestData().setTopics(topics)
                        .setTimeoutMs(30_000).setValidateOnly(validateOnly);

                // when: the version kafkajs sends
                CreateTopicsResponseData response = (CreateTopicsResponseData) client.call(ApiKeys.CREATE_TOPICS,
                        request, (short) 3);

                // then
                CreateTopicsResponseData.CreatableTopicResult result =
                        response.topics().find("created-" + validateOnly);
                assertThat(result.errorCode()).isZero();
                assertThat(result.errorMessage()).isNull();
            }
        }
    }

    @Test
    void aFoundCoordinatorHasTheMessageNone() throws Exception {
        try (RawClient client = new RawClient(node.node().port())) {
            // when: one key at v2 (the version kafkajs sends), then in the batched form of v4
            FindCoordinatorResponseData old = Awaitility.await().atMost(Duration.ofSeconds(30)).until(
                    () -> (FindCoordinatorResponseData) client.call(ApiKeys.FIND_COORDINATOR,
                            new FindCoordinatorRequestData().setKey("a-group").setKeyType((byte) 0), (short) 2),
                    r -> r.errorCode() == 0);
            FindCoordinatorResponseData batched = (FindCoordinatorResponseData) client.call(ApiKeys.FIND_COORDINATOR,
                    new FindCoordinatorRequestData().setKeyType((byte) 0).setCoordinatorKeys(List.of("a-group")),
                    (short) 4);

            // then
            assertThat(old.errorMessage()).isEqualTo("NONE");
            assertThat(batched.coordinators().get(0).errorCode()).isZero();
            assertThat(batched.coordinators().get(0).errorMessage()).isEqualTo("NONE");
        }
    }
}
