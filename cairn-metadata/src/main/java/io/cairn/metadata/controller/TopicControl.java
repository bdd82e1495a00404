package io.cairn.metadata.controller;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

import io.cairn.metadata.BrokerImage;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.TopicImage;
import io.cairn.metadata.config.DescribedConfig;
import io.cairn.metadata.config.DynamicBrokerConfigs;
import io.cairn.metadata.config.TopicConfigs;
import io.cairn.metadata.record.ChangeReason;
import io.cairn.metadata.record.ConfigRecord;
import io.cairn.metadata.record.MetadataRecord;
import io.cairn.metadata.record.PartitionRecord;
import io.cairn.metadata.record.RemoveTopicRecord;
import io.cairn.metadata.record.TopicRecord;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableReplicaAssignment;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicConfig;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicConfigs;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsRequestData.DeleteTopicState;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResult;
import org.apache.kafka.common.protocol.Errors;

/**
 * Decides CreateTopics and DeleteTopics. CreateTopics validates each topic against the image and, for the valid ones, writes the topic, its
 * config overrides and all its partitions (replicas, leader, ISR) as records of one batch, so a topic
 * appears whole or not at all. Leaders are spread with {@link ReplicaPlacer}.
 *
 * <p>Thread-safe (stateless, pure given the injected Random).
 */
public final class TopicControl {

    /**
     * The most partitions one CreateTopics or CreatePartitions request may add, Kafka's limit: a user's one
     * operation must not make the controller build (and the quorum replicate) an unbounded batch of records.
     */
    public static final int MAX_PARTITIONS_PER_REQUEST = 10_000;
    static final String TOO_MANY_PARTITIONS = "Excessively large number of partitions per request.";


    private TopicControl() {
    }

    /** An error for one topic: the code and the message. */
    record Failure(Errors error, String message) {
    }

    /** A validated topic ready to be written. */
    private record NewTopic(String name, List<List<Integer>> assignment, Map<String, String> configs) {
    }

    public static ControllerResult<CreateTopicsResponseData> createTopics(MetadataImage image,
                                                                          ControllerSettings settings,
                                                                          CreateTopicsRequestData request,
                                                                          Random random) {
        CreateTopicsResponseData response = new CreateTopicsResponseData();
        if (requestedPartitions(settings, request) > MAX_PARTITIONS_PER_REQUEST) {
            // As Kafka's controller: the whole request is refused, every topic with the same error.
            for (CreatableTopic topic : request.topics()) {
                response.topics().add(new CreatableTopicResult().setName(topic.name())
                        .setErrorCode(Errors.POLICY_VIOLATION.code()).setErrorMessage(TOO_MANY_PARTITIONS));
            }
            return ControllerResult.of(List.of(), response);
        }
        List<MetadataRecord> records = new ArrayList<>();
        Set<String> duplicates = duplicateNames(request);
        Set<Uuid> usedIds = new HashSet<>(image.topicsById().keySet());
        for (String name : duplicates) {
            response.topics().add(new CreatableTopicResult().setName(name)
                    .setErrorCode(Errors.INVALID_REQUEST.code())
                    .setErrorMessage("Duplicate topic name " + name + " in one request"));
        }
        for (CreatableTopic topic : request.topics()) {
            if (duplicates.contains(topic.name())) {
                continue;
            }
            Object checked = validate(image, settings, topic, random);
            if (checked instanceof Failure f) {
                response.topics().add(new CreatableTopicResult().setName(topic.name())
                        .setErrorCode(f.error().code()).setErrorMessage(f.message()));
                continue;
            }
            NewTopic newTopic = (NewTopic) checked;
            Uuid id = newTopicId(random, usedIds);
            usedIds.add(id);
            response.topics().add(success(image, settings, newTopic, id));
            if (!request.validateOnly()) {
                records.addAll(topicRecords(image, newTopic, id));
            }
        }
        return ControllerResult.of(records, response);
    }

    /** The partitions a request asks for in all (the default count for a topic that names none), saturating. */
    private static long requestedPartitions(ControllerSettings settings, CreateTopicsRequestData request) {
        long total = 0;
        for (CreatableTopic topic : request.topics()) {
            if (!topic.assignments().isEmpty()) {
                total += topic.assignments().size();
            } else if (topic.numPartitions() == -1) {
                total += settings.numPartitions();
            } else if (topic.numPartitions() > 0) {
                total += topic.numPartitions();
            }
        }
        return total;
    }

    private static Set<String> duplicateNames(CreateTopicsRequestData request) {
        Set<String> seen = new HashSet<>();
        Set<String> duplicates = new java.util.TreeSet<>();
        for (CreatableTopic topic : request.topics()) {
            if (!seen.add(topic.name())) {
                duplicates.add(topic.name());
            }
        }
        return duplicates;
    }

    /** Returns a {@link Failure} or a {@link NewTopic}. */
    private static Object validate(MetadataImage image, ControllerSettings settings, CreatableTopic topic,
                                   Random random) {
        try {
            Topic.validate(topic.name());
        } catch (InvalidTopicException e) {
            return new Failure(Errors.INVALID_TOPIC_EXCEPTION, e.getMessage());
        }
        if (image.topic(topic.name()).isPresent()) {
            return new Failure(Errors.TOPIC_ALREADY_EXISTS, "Topic '" + topic.name() + "' already exists.");
        }
        for (String existing : image.topicsByName().keySet()) {
            if (Topic.hasCollision(existing, topic.name())) {
                return new Failure(Errors.INVALID_TOPIC_EXCEPTION, "Topic '" + topic.name()
                        + "' collides with existing topic '" + existing + "' ('.' and '_' may collide).");
            }
        }
        Object assignment = topic.assignments().isEmpty()
                ? placeNew(image, settings, topic, random)
                : manualAssignment(image, topic);
        if (assignment instanceof Failure) {
            return assignment;
        }
        Map<String, String> configs = new TreeMap<>();
        for (CreatableTopicConfig config : topic.configs()) {
            if (configs.put(config.name(), config.value()) != null) {
                return new Failure(Errors.INVALID_CONFIG, "Duplicate config " + config.name());
            }
        }
        var error = TopicConfigs.validate(configs);
        if (error.isPresent()) {
            return new Failure(Errors.INVALID_CONFIG, error.get());
        }
        @SuppressWarnings("unchecked")
        List<List<Integer>> replicas = (List<List<Integer>>) assignment;
        return new NewTopic(topic.name(), replicas, configs);
    }

    private static Object placeNew(MetadataImage image, ControllerSettings settings, CreatableTopic topic,
                                   Random random) {
        int partitions = topic.numPartitions() == -1 ? settings.numPartitions() : topic.numPartitions();
        int rf = topic.replicationFactor() == -1 ? settings.defaultReplicationFactor() : topic.replicationFactor();
        if (partitions <= 0) {
            return new Failure(Errors.INVALID_PARTITIONS, "Number of partitions was set to an invalid non-positive "
                    + "value.");
        }
        if (rf <= 0) {
            return new Failure(Errors.INVALID_REPLICATION_FACTOR, "Replication factor must be larger than 0.");
        }
        List<BrokerImage> brokers = image.unfencedBrokers();
        if (rf > brokers.size()) {
            return new Failure(Errors.INVALID_REPLICATION_FACTOR, "Unable to replicate the partition " + rf
                    + " time(s): The target replication factor of " + rf + " cannot be reached because only "
                    + brokers.size() + " broker(s) are registered and unfenced.");
        }
        return ReplicaPlacer.place(brokers, 0, partitions, rf, random.nextInt(brokers.size()),
                random.nextInt(brokers.size()));
    }

    private static Object manualAssignment(MetadataImage image, CreatableTopic topic) {
        if (topic.numPartitions() != -1 || topic.replicationFactor() != -1) {
            return new Failure(Errors.INVALID_REQUEST, "Both numPartitions or replicationFactor and "
                    + "replicasAssignments were set. Both cannot be used at the same time.");
        }
        Map<Integer, List<Integer>> byPartition = new TreeMap<>();
        for (CreatableReplicaAssignment a : topic.assignments()) {
            byPartition.put(a.partitionIndex(), a.brokerIds());
        }
        List<List<Integer>> result = new ArrayList<>();
        for (int p = 0; p < byPartition.size(); p++) {
            List<Integer> replicas = byPartition.get(p);
            if (replicas == null) {
                return new Failure(Errors.INVALID_REPLICA_ASSIGNMENT, "Partitions must be numbered 0 to "
                        + (byPartition.size() - 1) + " without gaps.");
            }
            Failure f = checkReplicas(image, replicas, result.isEmpty() ? replicas.size() : result.get(0).size());
            if (f != null) {
                return f;
            }
            result.add(List.copyOf(replicas));
        }
        return result;
    }

    /** Checks one manually assigned replica list: non-empty, no duplicates, registered brokers, same size. */
    static Failure checkReplicas(MetadataImage image, List<Integer> replicas, int expectedSize) {
        if (replicas.isEmpty()) {
            return new Failure(Errors.INVALID_REPLICA_ASSIGNMENT, "A partition has an empty replica list.");
        }
        if (new HashSet<>(replicas).size() != replicas.size()) {
            return new Failure(Errors.INVALID_REPLICA_ASSIGNMENT, "Duplicate brokers in replica list " + replicas);
        }
        if (replicas.size() != expectedSize) {
            return new Failure(Errors.INVALID_REPLICA_ASSIGNMENT, "All partitions must have the same number of "
                    + "replicas (" + expectedSize + "), got " + replicas);
        }
        for (int broker : replicas) {
            if (!image.brokers().containsKey(broker)) {
                return new Failure(Errors.INVALID_REPLICA_ASSIGNMENT, "Broker " + broker + " is not registered.");
            }
        }
        return null;
    }

    private static Uuid newTopicId(Random random, Set<Uuid> used) {
        while (true) {
            Uuid id = new Uuid(random.nextLong(), random.nextLong());
            if (!id.equals(Uuid.ZERO_UUID) && !id.equals(Uuid.METADATA_TOPIC_ID) && !used.contains(id)
                    && !id.toString().startsWith("-")) {
                return id;
            }
        }
    }

    private static CreatableTopicResult success(MetadataImage image, ControllerSettings settings, NewTopic topic,
                                                Uuid id) {
        // The message is null on success, as Kafka's ApiError.NONE (the generated default is "").
        CreatableTopicResult result = new CreatableTopicResult().setName(topic.name()).setTopicId(id)
                .setErrorMessage(null).setNumPartitions(topic.assignment().size())
                .setReplicationFactor((short) topic.assignment().get(0).size());
        List<CreatableTopicConfigs> configs = new ArrayList<>();
        for (DescribedConfig c : TopicConfigs.describe(settings.brokerConfigs(), DynamicBrokerConfigs.clusterDefaults(image),
                topic.configs())) {
            configs.add(new CreatableTopicConfigs().setName(c.name()).setValue(c.value())
                    .setReadOnly(c.readOnly()).setConfigSource(c.source().id()).setIsSensitive(c.sensitive()));
        }
        return result.setConfigs(configs);
    }

    private static List<MetadataRecord> topicRecords(MetadataImage image, NewTopic topic, Uuid id) {
        List<MetadataRecord> records = new ArrayList<>();
        records.add(new TopicRecord(topic.name(), id));
        topic.configs().forEach((k, v) -> records.add(new ConfigRecord(ConfigRecord.ResourceType.TOPIC,
                topic.name(), k, v)));
        for (int p = 0; p < topic.assignment().size(); p++) {
            records.add(newPartition(image, id, p, topic.assignment().get(p)));
        }
        return records;
    }

    /** A new partition: ISR = the unfenced replicas, leader = the first of them (-1 if none). */
    static PartitionRecord newPartition(MetadataImage image, Uuid topicId, int partition, List<Integer> replicas) {
        List<Integer> isr = new ArrayList<>();
        for (int r : replicas) {
            BrokerImage b = image.brokers().get(r);
            if (b != null && !b.fenced()) {
                isr.add(r);
            }
        }
        int leader = isr.isEmpty() ? -1 : isr.get(0);
        return new PartitionRecord(topicId, partition, replicas, isr, leader, 0, 0, List.of(), List.of(),
                ChangeReason.CREATED, -1);
    }

    /**
     * Decides DeleteTopics, by name (v0-5 {@code topicNames}, v6+ {@code topics[].name}) or by id: one
     * RemoveTopicRecord per existing topic, all in one batch.
     */
    public static ControllerResult<DeleteTopicsResponseData> deleteTopics(MetadataImage image,
                                                                          DeleteTopicsRequestData request) {
        DeleteTopicsResponseData response = new DeleteTopicsResponseData();
        List<MetadataRecord> records = new ArrayList<>();
        Set<Uuid> removed = new HashSet<>();
        for (String name : request.topicNames()) {
            deleteOne(image, name, null, response, records, removed);
        }
        for (DeleteTopicState state : request.topics()) {
            deleteOne(image, state.name(), state.name() == null ? state.topicId() : null, response, records,
                    removed);
        }
        return ControllerResult.of(records, response);
    }

    private static void deleteOne(MetadataImage image, String name, Uuid id, DeleteTopicsResponseData response,
                                  List<MetadataRecord> records, Set<Uuid> removed) {
        DeletableTopicResult result = new DeletableTopicResult().setName(name)
                .setTopicId(id == null ? Uuid.ZERO_UUID : id);
        Optional<TopicImage> topic = id == null ? image.topic(name) : image.topic(id);
        if (topic.isEmpty()) {
            Errors error = id == null ? Errors.UNKNOWN_TOPIC_OR_PARTITION : Errors.UNKNOWN_TOPIC_ID;
            response.responses().add(result.setErrorCode(error.code()).setErrorMessage(error.message()));
            return;
        }
        response.responses().add(result.setName(topic.get().name()).setTopicId(topic.get().id()));
        if (removed.add(topic.get().id())) {
            records.add(new RemoveTopicRecord(topic.get().id()));
        }
    }
}
