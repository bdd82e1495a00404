package io.cairn.broker.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/** How TxnOffsetCommit answers a failed coordinator write: Kafka's mapping, on every partition. */
class TxnOffsetCommitHandlerTest {

    @Test
    void writeErrorsAreMappedAsKafkasGroupCoordinatorDoes() {
        short v4 = 4;
        assertThat(TxnOffsetCommitHandler.clientError(Errors.NOT_LEADER_OR_FOLLOWER, v4))
                .isEqualTo(Errors.NOT_COORDINATOR);
        assertThat(TxnOffsetCommitHandler.clientError(Errors.REQUEST_TIMED_OUT, v4))
                .isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
        assertThat(TxnOffsetCommitHandler.clientError(Errors.NOT_ENOUGH_REPLICAS, v4))
                .isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
        assertThat(TxnOffsetCommitHandler.clientError(Errors.RECORD_LIST_TOO_LARGE, v4))
                .isEqualTo(Errors.UNKNOWN_SERVER_ERROR);
        assertThat(TxnOffsetCommitHandler.clientError(Errors.NOT_COORDINATOR, v4)).isEqualTo(Errors.NOT_COORDINATOR);
        assertThat(TxnOffsetCommitHandler.clientError(Errors.INVALID_PRODUCER_EPOCH, v4))
                .isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
        // a loading coordinator: retried by v2+ clients, unknown to v0/v1 ones (KAFKA-7296)
        assertThat(TxnOffsetCommitHandler.clientError(Errors.COORDINATOR_LOAD_IN_PROGRESS, v4))
                .isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS);
        assertThat(TxnOffsetCommitHandler.clientError(Errors.COORDINATOR_LOAD_IN_PROGRESS, (short) 1))
                .isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
    }

    @Test
    void anErrorIsAnsweredOnEveryPartitionOfTheRequest() {
        TxnOffsetCommitRequestData request = new TxnOffsetCommitRequestData().setGroupId("g").setTopics(List.of(
                new TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic().setName("t").setPartitions(List.of(
                        new TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition().setPartitionIndex(0),
                        new TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition().setPartitionIndex(3))),
                new TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic().setName("u").setPartitions(List.of(
                        new TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition().setPartitionIndex(1)))));

        TxnOffsetCommitResponseData response = TxnOffsetCommitHandler.errorResponse(request,
                Errors.NOT_LEADER_OR_FOLLOWER, (short) 4);

        assertThat(response.topics()).extracting(TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic::name)
                .containsExactly("t", "u");
        assertThat(response.topics().stream().flatMap(t -> t.partitions().stream()))
                .extracting(p -> p.partitionIndex() + ":" + Errors.forCode(p.errorCode()))
                .containsExactly("0:NOT_COORDINATOR", "3:NOT_COORDINATOR", "1:NOT_COORDINATOR");
    }
}
