package io.cairn.metadata.controller;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

import io.cairn.metadata.BrokerImage;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.TopicImage;
import io.cairn.metadata.record.MetadataRecord;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsAssignment;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsTopic;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreatePartitionsResponseData.CreatePartitionsTopicResult;
import org.apache.kafka.common.protocol.Errors;

/**
 * Decides CreatePartitions: adds partitions to existing topics, with the topic's replication factor, placed by
 * {@link ReplicaPlacer} or as the request assigns them. All new partitions of a request go in one batch.
 *
 * <p>Thread-safe (stateless, pure given the injected Random).
 */
public final class PartitionControl {

    private PartitionControl() {
    }

    public static ControllerResult<CreatePartitionsResponseData> createPartitions(MetadataImage image,
            CreatePartitionsRequestData request, Random random) {
        CreatePartitionsResponseData response = new CreatePartitionsResponseData();
        List<MetadataRecord> records = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        Set<String> duplicates = new HashSet<>();
        for (CreatePartitionsTopic topic : request.topics()) {
            if (!seen.add(topic.name())) {
                duplicates.add(topic.name());
            }
        }
        for (CreatePartitionsTopic topic : request.topics()) {
            CreatePartitionsTopicResult result = new CreatePartitionsTopicResult().setName(topic.name());
            response.results().add(result);
            if (duplicates.contains(topic.name())) {
                result.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage("Duplicate topic name.");
                continue;
            }
            List<MetadataRecord> topicRecords = new ArrayList<>();
            TopicControl.Failure failure = decideTopic(image, topic, random, topicRecords);
            if (failure != null) {
                result.setErrorCode(failure.error().code()).setErrorMessage(failure.message());
            } else if (!request.validateOnly()) {
                records.addAll(topicRecords);
            }
        }
        return ControllerResult.of(records, response);
    }

    private static TopicControl.Failure decideTopic(MetadataImage image, CreatePartitionsTopic request,
                                                    Random random, List<MetadataRecord> out) {
        Optional<TopicImage> found = image.topic(request.name());
        if (found.isEmpty()) {
            return new TopicControl.Failure(Errors.UNKNOWN_TOPIC_OR_PARTITION, "Topic '" + request.name()
                    + "' does not exist.");
        }
        TopicImage topic = found.get();
        int current = topic.partitions().size();
        if (request.count() < current) {
            return new TopicControl.Failure(Errors.INVALID_PARTITIONS, "Topic currently has " + current
                    + " partitions, which is higher than the requested " + request.count() + ".");
        }
        if (request.count() == current) {
            return new TopicControl.Failure(Errors.INVALID_PARTITIONS, "Topic already has " + current
                    + " partitions.");
        }
        int added = request.count() - current;
        if (added > TopicControl.MAX_PARTITIONS_PER_REQUEST) {
            return new TopicControl.Failure(Errors.INVALID_PARTITIONS, TopicControl.TOO_MANY_PARTITIONS
                    + " Adding " + added + " partitions; at most " + TopicControl.MAX_PARTITIONS_PER_REQUEST + ".");
        }
        int rf = topic.partitions().isEmpty() ? 1 : topic.partitions().get(topic.partitions().firstKey())
                .replicas().size();
        List<List<Integer>> assignment = new ArrayList<>();
        if (request.assignments() != null && !request.assignments().isEmpty()) {
            if (request.assignments().size() != added) {
                return new TopicControl.Failure(Errors.INVALID_REPLICA_ASSIGNMENT, "Increasing the number of "
                        + "partitions by " + added + " but " + request.assignments().size()
                        + " assignments provided.");
            }
            for (CreatePartitionsAssignment a : request.assignments()) {
                TopicControl.Failure f = TopicControl.checkReplicas(image, a.brokerIds(), rf);
                if (f != null) {
                    return f;
                }
                assignment.add(List.copyOf(a.brokerIds()));
            }
        } else {
            List<BrokerImage> brokers = image.unfencedBrokers();
            if (rf > brokers.size()) {
                return new TopicControl.Failure(Errors.INVALID_REPLICATION_FACTOR, "Unable to replicate the "
                        + "partition " + rf + " time(s): only " + brokers.size() + " broker(s) are unfenced.");
            }
            assignment = ReplicaPlacer.place(brokers, current, added, rf, random.nextInt(brokers.size()),
                    random.nextInt(brokers.size()));
        }
        for (int i = 0; i < added; i++) {
            out.add(TopicControl.newPartition(image, topic.id(), current + i, assignment.get(i)));
        }
        return null;
    }
}
