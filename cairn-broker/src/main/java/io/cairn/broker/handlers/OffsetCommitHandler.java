package io.cairn.broker.handlers;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import io.cairn.broker.group.GroupCoordinatorRuntime;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.TopicImage;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.OffsetCommitRequest;

/**
 * OffsetCommit: stores a group's offsets in its {@code __consumer_offsets} partition and answers once they
 * are committed. Topics are named (v2..v9); v10's topic ids are not served, so clients use v9. As in Kafka, a
 * partition that does not exist (its topic unknown, or beyond the topic's partitions) is answered
 * UNKNOWN_TOPIC_OR_PARTITION and not stored; the others are committed as usual (the group coordinator is not
 * asked at all when none exists).
 *
 * <p>Thread-safe (stateless).
 */
public final class OffsetCommitHandler implements ApiHandler<OffsetCommitRequest> {

    private final GroupCoordinatorRuntime groups;
    private final Supplier<MetadataImage> image;

    public OffsetCommitHandler(GroupCoordinatorRuntime groups, Supplier<MetadataImage> image) {
        this.groups = groups;
        this.image = image;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.OFFSET_COMMIT;
    }

    @Override
    public short maxVersion() {
        return 9;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, OffsetCommitRequest request) {
        OffsetCommitRequestData data = request.data();
        MetadataImage current = image.get();
        List<OffsetCommitRequestData.OffsetCommitRequestTopic> known = new ArrayList<>();
        List<OffsetCommitResponseData.OffsetCommitResponseTopic> unknown = new ArrayList<>();
        for (OffsetCommitRequestData.OffsetCommitRequestTopic topic : data.topics()) {
            Optional<TopicImage> topicImage = current.topic(topic.name());
            OffsetCommitRequestData.OffsetCommitRequestTopic kept = topic.duplicate().setPartitions(new ArrayList<>());
            OffsetCommitResponseData.OffsetCommitResponseTopic missing =
                    new OffsetCommitResponseData.OffsetCommitResponseTopic().setName(topic.name());
            for (OffsetCommitRequestData.OffsetCommitRequestPartition partition : topic.partitions()) {
                if (topicImage.isPresent() && topicImage.get().partitions().containsKey(partition.partitionIndex())) {
                    kept.partitions().add(partition);
                } else {
                    missing.partitions().add(new OffsetCommitResponseData.OffsetCommitResponsePartition()
                            .setPartitionIndex(partition.partitionIndex())
                            .setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()));
                }
            }
            if (!kept.partitions().isEmpty()) {
                known.add(kept);
            }
            if (!missing.partitions().isEmpty()) {
                unknown.add(missing);
            }
        }
        if (unknown.isEmpty()) {
            return groups.write(groups.partitionFor(data.groupId()), shard -> shard.offsets().commit(data, context.apiVersion()))
                    .thenApply(response -> response);
        }
        if (known.isEmpty()) {
            return CompletableFuture.completedFuture(new OffsetCommitResponseData().setTopics(unknown));
        }
        OffsetCommitRequestData existing = data.duplicate().setTopics(known);
        return groups.write(groups.partitionFor(data.groupId()), shard -> shard.offsets().commit(existing, context.apiVersion()))
                .thenApply(response -> {
                    response.topics().addAll(unknown);
                    return response;
                });
    }
}
