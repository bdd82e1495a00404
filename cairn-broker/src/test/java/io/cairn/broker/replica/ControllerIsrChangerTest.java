package io.cairn.broker.replica;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;

import io.cairn.broker.UnsupportedMetadataWriter;
import io.cairn.metadata.MetadataImage;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.FencedLeaderEpochException;
import org.apache.kafka.common.message.AlterPartitionRequestData;
import org.apache.kafka.common.message.AlterPartitionResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

class ControllerIsrChangerTest {

    private static final Uuid T1 = Uuid.randomUuid();
    private static final Uuid T2 = Uuid.randomUuid();

    /** Records each AlterPartition request; the test answers them. */
    private static final class Controller extends UnsupportedMetadataWriter {
        final List<AlterPartitionRequestData> requests = new CopyOnWriteArrayList<>();
        final List<CompletableFuture<AlterPartitionResponseData>> answers = new CopyOnWriteArrayList<>();

        @Override
        public CompletableFuture<AlterPartitionResponseData> alterPartition(AlterPartitionRequestData request) {
            requests.add(request);
            CompletableFuture<AlterPartitionResponseData> answer = new CompletableFuture<>();
            answers.add(answer);
            return answer;
        }
    }

    private final Controller controller = new Controller();
    private final ControllerIsrChanger changer = new ControllerIsrChanger(1, () -> 7, () -> MetadataImage.EMPTY,
            controller);

    private CompletableFuture<Void> propose(Uuid topicId, String topic, int partition) {
        return changer.proposeIsr(topicId, new TopicPartition(topic, partition), 3, 5, List.of(1, 2));
    }

    private static AlterPartitionResponseData answer(Object... topicPartitionError) {
        AlterPartitionResponseData response = new AlterPartitionResponseData();
        for (int i = 0; i < topicPartitionError.length; i += 3) {
            Uuid id = (Uuid) topicPartitionError[i];
            AlterPartitionResponseData.TopicData topic = response.topics().stream()
                    .filter(t -> t.topicId().equals(id)).findFirst().orElseGet(() -> {
                        AlterPartitionResponseData.TopicData t = new AlterPartitionResponseData.TopicData()
                                .setTopicId(id);
                        response.topics().add(t);
                        return t;
                    });
            topic.partitions().add(new AlterPartitionResponseData.PartitionData()
                    .setPartitionIndex((Integer) topicPartitionError[i + 1])
                    .setErrorCode(((Errors) topicPartitionError[i + 2]).code()));
        }
        return response;
    }

    @Test
    void proposalsMadeWhileARequestIsOutGoTogetherInTheNext() {
        // given: one proposal out
        CompletableFuture<Void> first = propose(T1, "a", 0);
        assertThat(controller.requests).hasSize(1);
        assertThat(controller.requests.get(0).brokerEpoch()).isEqualTo(7);

        // when: three more meanwhile, over two topics
        CompletableFuture<Void> second = propose(T1, "a", 1);
        CompletableFuture<Void> third = propose(T2, "b", 0);
        CompletableFuture<Void> fourth = propose(T1, "a", 2);

        // then: nothing more is sent until the first is answered, then all three in one request
        assertThat(controller.requests).hasSize(1);
        controller.answers.get(0).complete(answer(T1, 0, Errors.NONE));
        assertThat(first).isCompleted();
        assertThat(controller.requests).hasSize(2);
        AlterPartitionRequestData batch = controller.requests.get(1);
        assertThat(batch.topics()).extracting(AlterPartitionRequestData.TopicData::topicId).containsExactly(T1, T2);
        assertThat(batch.topics().get(0).partitions()).extracting(AlterPartitionRequestData.PartitionData::partitionIndex)
                .containsExactly(1, 2);
        assertThat(batch.topics().get(0).partitions().get(0).leaderEpoch()).isEqualTo(3);
        assertThat(batch.topics().get(0).partitions().get(0).partitionEpoch()).isEqualTo(5);

        // and: each proposal gets its own partition's answer
        controller.answers.get(1).complete(answer(T1, 1, Errors.NONE, T2, 0, Errors.FENCED_LEADER_EPOCH,
                T1, 2, Errors.NONE));
        assertThat(second).isCompleted();
        assertThat(fourth).isCompleted();
        assertThat(third).failsWithin(Duration.ZERO).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(FencedLeaderEpochException.class);
        assertThat(controller.requests).hasSize(2);
    }

    @Test
    void aFailedRequestFailsItsProposalsAndTheNextOnesStillGoOut() {
        CompletableFuture<Void> first = propose(T1, "a", 0);
        CompletableFuture<Void> second = propose(T1, "a", 1);

        controller.answers.get(0).completeExceptionally(new IllegalStateException("controller unreachable"));

        assertThat(first).isCompletedExceptionally();
        assertThat(controller.requests).hasSize(2);
        controller.answers.get(1).complete(answer().setErrorCode(Errors.STALE_BROKER_EPOCH.code()));
        assertThat(second).isCompletedExceptionally();

        CompletableFuture<Void> third = propose(T1, "a", 2);
        assertThat(controller.requests).hasSize(3);
        controller.answers.get(2).complete(answer(T1, 2, Errors.NONE));
        assertThat(third).isCompleted().isNotCompletedExceptionally();
    }
}
