package io.cairn.metadata.controller;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.PartitionImage;
import io.cairn.metadata.TopicImage;
import io.cairn.metadata.record.ChangeReason;
import io.cairn.metadata.record.MetadataRecord;
import io.cairn.metadata.record.PartitionChangeRecord;
import io.cairn.metadata.record.PartitionReassignmentRecord;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData.ReassignablePartition;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData.ReassignableTopic;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData.ReassignablePartitionResponse;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData.ReassignableTopicResponse;
import org.apache.kafka.common.message.ListPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData.OngoingPartitionReassignment;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData.OngoingTopicReassignment;
import org.apache.kafka.common.protocol.Errors;

/**
 * Decides partition reassignments (KIP-455: AlterPartitionReassignments, ListPartitionReassignments) and their
 * completion. Every function is pure.
 *
 * <h2>Start</h2>
 * A target replica list for a partition whose current replicas are {@code current} writes one
 * {@link PartitionReassignmentRecord}: replicas = target followed by (current - target); adding = target -
 * current; removing = current - target; ISR and leader unchanged. The adding replicas start following the
 * leader (they are not in the ISR); the leader adds them to the ISR through AlterPartition once they have
 * caught up. A new target while a reassignment is in progress is computed against the current (union)
 * replicas, as Kafka does. A target equal to the current replicas with nothing in progress writes nothing.
 *
 * <h2>Completion (the one rule)</h2>
 * A reassignment completes when every adding replica is in the ISR, the ISR restricted to the target is not
 * empty, and a leader is available: the current leader if it is in the target and in that ISR, otherwise the
 * first target replica (target order) that is live, in that ISR and does not report the partition offline
 * ({@link OfflineReplicas}). One record then sets replicas = target,
 * ISR = ISR &cap; target, that leader, adding = removing = []. It is checked right after every change that can
 * satisfy it (the start itself, an AlterPartition, controller activation).
 *
 * <h2>Cancel</h2>
 * A null target reverts: replicas = replicas - adding, ISR = ISR - adding, the leader re-elected (first
 * original replica live and in that ISR) when it was an adding replica. Refused (INVALID_REPLICA_ASSIGNMENT)
 * when no original replica is in the ISR.
 *
 * <h2>Errors (per partition)</h2>
 * UNKNOWN_TOPIC_OR_PARTITION (topic or partition unknown); INVALID_REPLICA_ASSIGNMENT (empty target,
 * duplicates, a broker that is not registered, a cancel that cannot be made); INVALID_REPLICATION_FACTOR
 * (v1 with allowReplicationFactorChange = false and a target of another size than the original replicas);
 * NO_REASSIGNMENT_IN_PROGRESS (cancelling a partition that is not being reassigned).
 *
 * <p>Thread-safe (stateless, pure).
 */
public final class ReassignmentControl {

    private ReassignmentControl() {
    }

    public static ControllerResult<AlterPartitionReassignmentsResponseData> alterPartitionReassignments(
            MetadataImage image, AlterPartitionReassignmentsRequestData request) {
        return alterPartitionReassignments(image, OfflineReplicas.NONE, request);
    }

    public static ControllerResult<AlterPartitionReassignmentsResponseData> alterPartitionReassignments(
            MetadataImage image, OfflineReplicas offline, AlterPartitionReassignmentsRequestData request) {
        AlterPartitionReassignmentsResponseData response = new AlterPartitionReassignmentsResponseData()
                .setAllowReplicationFactorChange(request.allowReplicationFactorChange());
        List<MetadataRecord> records = new ArrayList<>();
        MetadataImage working = image;
        for (ReassignableTopic topicData : request.topics()) {
            ReassignableTopicResponse topicResult = new ReassignableTopicResponse().setName(topicData.name());
            response.responses().add(topicResult);
            for (ReassignablePartition pd : topicData.partitions()) {
                ReassignablePartitionResponse result = new ReassignablePartitionResponse()
                        .setPartitionIndex(pd.partitionIndex());
                topicResult.partitions().add(result);
                Optional<TopicImage> topic = working.topic(topicData.name());
                PartitionImage p = topic.map(t -> t.partitions().get(pd.partitionIndex())).orElse(null);
                if (p == null) {
                    fail(result, Errors.UNKNOWN_TOPIC_OR_PARTITION, "Unknown topic or partition "
                            + topicData.name() + "-" + pd.partitionIndex());
                    continue;
                }
                Decision decision = pd.replicas() == null
                        ? cancel(working, offline, topic.get(), p)
                        : reassign(working, offline, topic.get(), p, pd.replicas(),
                                request.allowReplicationFactorChange());
                if (decision.error != Errors.NONE) {
                    fail(result, decision.error, decision.message);
                    continue;
                }
                for (MetadataRecord record : decision.records) {
                    records.add(record);
                    working = working.apply(working.offset(), record);
                }
            }
        }
        return ControllerResult.of(records, response);
    }

    /** The ongoing reassignments of the requested partitions (all when {@code topics} is null). */
    public static ListPartitionReassignmentsResponseData listPartitionReassignments(
            MetadataImage image, ListPartitionReassignmentsRequestData request) {
        ListPartitionReassignmentsResponseData response = new ListPartitionReassignmentsResponseData();
        if (request.topics() == null) {
            for (TopicImage topic : image.topicsByName().values()) {
                addOngoing(response, topic, topic.partitions().keySet());
            }
        } else {
            for (ListPartitionReassignmentsRequestData.ListPartitionReassignmentsTopics t : request.topics()) {
                image.topic(t.name()).ifPresent(topic -> addOngoing(response, topic, t.partitionIndexes()));
            }
        }
        return response;
    }

    /**
     * The records completing every reassignment the completion rule allows in {@code image} (for activation).
     */
    public static List<MetadataRecord> completions(MetadataImage image) {
        return completions(image, OfflineReplicas.NONE);
    }

    public static List<MetadataRecord> completions(MetadataImage image, OfflineReplicas offline) {
        List<MetadataRecord> records = new ArrayList<>();
        for (TopicImage topic : image.topicsByName().values()) {
            for (PartitionImage p : topic.partitions().values()) {
                complete(image, offline, topic, p).ifPresent(records::add);
            }
        }
        return records;
    }

    /**
     * A decision followed by the completions it makes possible (after an AlterPartition): the decider's
     * records, then one completion record per partition the rule now completes, in the same batch.
     */
    public static <T> ControllerResult<T> thenComplete(MetadataImage image, ControllerResult<T> result) {
        return thenComplete(image, OfflineReplicas.NONE, result);
    }

    public static <T> ControllerResult<T> thenComplete(MetadataImage image, OfflineReplicas offline,
                                                       ControllerResult<T> result) {
        if (result.records().isEmpty()) {
            return result;
        }
        MetadataImage after = image;
        for (MetadataRecord r : result.records()) {
            after = after.apply(after.offset(), r);
        }
        List<MetadataRecord> completions = completions(after, offline);
        if (completions.isEmpty()) {
            return result;
        }
        List<MetadataRecord> records = new ArrayList<>(result.records());
        records.addAll(completions);
        return ControllerResult.of(records, result.response());
    }

    /** The completion record for one partition, when the completion rule allows it. */
    static Optional<PartitionReassignmentRecord> complete(MetadataImage image, OfflineReplicas offline,
                                                          TopicImage topic, PartitionImage p) {
        if (!p.isReassigning() || !p.isr().containsAll(p.addingReplicas())) {
            return Optional.empty();
        }
        List<Integer> target = p.targetReplicas();
        List<Integer> isr = p.isr().stream().filter(target::contains).toList();
        if (isr.isEmpty()) {
            return Optional.empty();
        }
        int leader = isr.contains(p.leader()) && ReplicationControl.canLead(image, offline, topic, p, p.leader())
                ? p.leader() : firstLiveIn(image, offline, topic, p, target, isr);
        if (leader == -1) {
            return Optional.empty();
        }
        return Optional.of(new PartitionReassignmentRecord(topic.id(), p.partition(), p.partitionEpoch(), target,
                isr, leader == p.leader() ? PartitionChangeRecord.NO_CHANGE : leader, List.of(), List.of(),
                ChangeReason.REASSIGNMENT_COMPLETED));
    }

    private static Decision reassign(MetadataImage image, OfflineReplicas offline, TopicImage topic,
                                     PartitionImage p, List<Integer> target, boolean allowReplicationFactorChange) {
        if (target.isEmpty()) {
            return Decision.error(Errors.INVALID_REPLICA_ASSIGNMENT, "The target replica list is empty");
        }
        if (new HashSet<>(target).size() != target.size()) {
            return Decision.error(Errors.INVALID_REPLICA_ASSIGNMENT,
                    "The target replica list " + target + " has duplicates");
        }
        for (int broker : target) {
            if (!image.brokers().containsKey(broker)) {
                return Decision.error(Errors.INVALID_REPLICA_ASSIGNMENT,
                        "The target replica list " + target + " names broker " + broker + ", which is not registered");
            }
        }
        List<Integer> original = p.replicas().stream().filter(r -> !p.addingReplicas().contains(r)).toList();
        if (!allowReplicationFactorChange && target.size() != original.size()) {
            return Decision.error(Errors.INVALID_REPLICATION_FACTOR, "The target replica list " + target
                    + " changes the replication factor " + original.size() + " and that is not allowed");
        }
        if (!p.isReassigning() && target.equals(p.replicas())) {
            return Decision.records(List.of());
        }
        Set<Integer> targetSet = new HashSet<>(target);
        List<Integer> removing = p.replicas().stream().filter(r -> !targetSet.contains(r)).toList();
        List<Integer> adding = target.stream().filter(r -> !p.replicas().contains(r)).toList();
        List<Integer> replicas = new ArrayList<>(target);
        replicas.addAll(removing);
        PartitionReassignmentRecord start = new PartitionReassignmentRecord(topic.id(), p.partition(),
                p.partitionEpoch(), replicas, null, PartitionChangeRecord.NO_CHANGE, adding, removing,
                ChangeReason.REASSIGNMENT_STARTED);
        List<MetadataRecord> records = new ArrayList<>();
        records.add(start);
        MetadataImage started = image.apply(image.offset(), start);
        TopicImage startedTopic = started.topic(topic.id()).orElseThrow();
        PartitionImage startedPartition = startedTopic.partitions().get(p.partition());
        if (startedPartition.partitionEpoch() == p.partitionEpoch()) {
            return Decision.error(Errors.INVALID_REPLICA_ASSIGNMENT, "The reassignment of " + topic.name() + "-"
                    + p.partition() + " to " + target + " is inconsistent with its state");
        }
        complete(started, offline, startedTopic, startedPartition).ifPresent(records::add);
        return Decision.records(records);
    }

    private static Decision cancel(MetadataImage image, OfflineReplicas offline, TopicImage topic,
                                   PartitionImage p) {
        if (!p.isReassigning()) {
            return Decision.error(Errors.NO_REASSIGNMENT_IN_PROGRESS,
                    "No reassignment of " + topic.name() + "-" + p.partition() + " is in progress");
        }
        List<Integer> replicas = p.replicas().stream().filter(r -> !p.addingReplicas().contains(r)).toList();
        List<Integer> isr = p.isr().stream().filter(r -> !p.addingReplicas().contains(r)).toList();
        if (isr.isEmpty()) {
            return Decision.error(Errors.INVALID_REPLICA_ASSIGNMENT, "Cannot cancel the reassignment of "
                    + topic.name() + "-" + p.partition() + ": no original replica is in sync");
        }
        int leader = p.leader();
        if (leader == -1 || !isr.contains(leader)) {
            leader = firstLiveIn(image, offline, topic, p, replicas, isr);
        }
        return Decision.records(List.of(new PartitionReassignmentRecord(topic.id(), p.partition(),
                p.partitionEpoch(), replicas, isr, leader == p.leader() ? PartitionChangeRecord.NO_CHANGE : leader,
                List.of(), List.of(), ChangeReason.REASSIGNMENT_CANCELLED)));
    }

    /** The first of {@code order} that is in {@code isr} and may lead {@code p}, or -1. */
    private static int firstLiveIn(MetadataImage image, OfflineReplicas offline, TopicImage topic, PartitionImage p,
                                   List<Integer> order, List<Integer> isr) {
        for (int r : order) {
            if (isr.contains(r) && ReplicationControl.canLead(image, offline, topic, p, r)) {
                return r;
            }
        }
        return -1;
    }

    private static void addOngoing(ListPartitionReassignmentsResponseData response, TopicImage topic,
                                   Iterable<Integer> partitions) {
        OngoingTopicReassignment ongoing = new OngoingTopicReassignment().setName(topic.name());
        for (int index : partitions) {
            PartitionImage p = topic.partitions().get(index);
            if (p != null && p.isReassigning()) {
                ongoing.partitions().add(new OngoingPartitionReassignment().setPartitionIndex(index)
                        .setReplicas(new ArrayList<>(p.replicas()))
                        .setAddingReplicas(new ArrayList<>(p.addingReplicas()))
                        .setRemovingReplicas(new ArrayList<>(p.removingReplicas())));
            }
        }
        if (!ongoing.partitions().isEmpty()) {
            response.topics().add(ongoing);
        }
    }

    private static void fail(ReassignablePartitionResponse result, Errors error, String message) {
        result.setErrorCode(error.code()).setErrorMessage(message);
    }

    private record Decision(Errors error, String message, List<MetadataRecord> records) {
        static Decision error(Errors error, String message) {
            return new Decision(error, message, List.of());
        }

        static Decision records(List<MetadataRecord> records) {
            return new Decision(Errors.NONE, null, records);
        }
    }
}
