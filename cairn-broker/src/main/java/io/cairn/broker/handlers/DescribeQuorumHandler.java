package io.cairn.broker.handlers;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import io.cairn.broker.cluster.QuorumView;
import io.cairn.metadata.BrokerImage;
import io.cairn.metadata.MetadataImage;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DescribeQuorumResponseData;
import org.apache.kafka.common.message.DescribeQuorumResponseData.PartitionData;
import org.apache.kafka.common.message.DescribeQuorumResponseData.ReplicaState;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeQuorumRequest;

/**
 * DescribeQuorum for the metadata partition {@code __cluster_metadata-0}: the Raft leader, its term as the
 * leader epoch and every voter's log end offset, from the metadata Raft group (so
 * {@code kafka-metadata-quorum describe --status} works against any node).
 *
 * <p>Stateless, thread-safe.
 */
public final class DescribeQuorumHandler implements ApiHandler<DescribeQuorumRequest> {

    public static final String METADATA_TOPIC = "__cluster_metadata";

    private final QuorumView quorum;
    private final Supplier<MetadataImage> image;

    public DescribeQuorumHandler(QuorumView quorum, Supplier<MetadataImage> image) {
        this.quorum = quorum;
        this.image = image;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DESCRIBE_QUORUM;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, DescribeQuorumRequest request) {
        boolean known = request.data().topics().stream().allMatch(t -> METADATA_TOPIC.equals(t.topicName())
                && t.partitions().stream().allMatch(p -> p.partitionIndex() == 0));
        if (!known || request.data().topics().isEmpty()) {
            return CompletableFuture.completedFuture(new DescribeQuorumResponseData()
                    .setErrorCode(Errors.INVALID_REQUEST.code())
                    .setErrorMessage("Cairn's only quorum is " + METADATA_TOPIC + "-0"));
        }
        QuorumView.Status status = quorum.status();
        if (status.leaderId() < 0) {
            return CompletableFuture.completedFuture(new DescribeQuorumResponseData().setTopics(List.of(
                    new DescribeQuorumResponseData.TopicData().setTopicName(METADATA_TOPIC).setPartitions(List.of(
                            new PartitionData().setPartitionIndex(0)
                                    .setErrorCode(Errors.NOT_LEADER_OR_FOLLOWER.code()))))));
        }
        PartitionData partition = new PartitionData()
                .setPartitionIndex(0)
                .setLeaderId(status.leaderId())
                .setLeaderEpoch(status.term())
                .setHighWatermark(status.highWatermark());
        for (QuorumView.Voter voter : status.voters()) {
            partition.currentVoters().add(new ReplicaState()
                    .setReplicaId(voter.id())
                    .setReplicaDirectoryId(Uuid.ZERO_UUID)
                    .setLogEndOffset(voter.logEndOffset())
                    .setLastFetchTimestamp(-1)
                    .setLastCaughtUpTimestamp(-1));
        }
        DescribeQuorumResponseData response = new DescribeQuorumResponseData().setTopics(List.of(
                new DescribeQuorumResponseData.TopicData().setTopicName(METADATA_TOPIC)
                        .setPartitions(List.of(partition))));
        MetadataImage current = image.get();
        for (QuorumView.Voter voter : status.voters()) {
            BrokerImage broker = current.brokers().get(voter.id());
            DescribeQuorumResponseData.Node node = new DescribeQuorumResponseData.Node().setNodeId(voter.id());
            if (broker != null) {
                node.listeners().add(new DescribeQuorumResponseData.Listener()
                        .setName("PLAINTEXT").setHost(broker.host()).setPort(broker.port()));
            }
            response.nodes().add(node);
        }
        return CompletableFuture.completedFuture(response);
    }
}
