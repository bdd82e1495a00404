package io.cairn.metadata.controller;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.PartitionImage;
import io.cairn.metadata.TopicImage;
import io.cairn.metadata.record.ChangeReason;
import io.cairn.metadata.record.MetadataRecord;
import io.cairn.metadata.record.PartitionChangeRecord;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.ElectLeadersResponseData;
import org.apache.kafka.common.message.ElectLeadersResponseData.PartitionResult;
import org.apache.kafka.common.message.ElectLeadersResponseData.ReplicaElectionResult;
import org.apache.kafka.common.protocol.Errors;

/**
 * Decides ElectLeaders, as Apache Kafka does. PREFERRED: the first replica becomes leader if it is live and in
 * the ISR (ELECTION_NOT_NEEDED when it leads already, PREFERRED_LEADER_NOT_AVAILABLE otherwise). UNCLEAN:
 * only for a partition without a leader: the election rule with unclean election allowed for this request
 * (ELECTION_NOT_NEEDED when it has a leader, ELIGIBLE_LEADERS_NOT_AVAILABLE when no replica is live). With
 * no partitions named, every partition is considered and those needing nothing are left out of the response.
 * All elections of one request are one batch. A replica whose broker reports the partition offline
 * ({@link OfflineReplicas}) is not elected.
 *
 * <p>Thread-safe (stateless, pure).
 */
public final class ElectLeadersControl {

    private ElectLeadersControl() {
    }

    public static ControllerResult<ElectLeadersResponseData> electLeaders(MetadataImage image,
                                                                          ElectLeadersRequestData request) {
        return electLeaders(image, OfflineReplicas.NONE, request);
    }

    public static ControllerResult<ElectLeadersResponseData> electLeaders(MetadataImage image,
            OfflineReplicas offline, ElectLeadersRequestData request) {
        ElectionType type;
        try {
            type = ElectionType.valueOf(request.electionType());
        } catch (IllegalArgumentException e) {
            return ControllerResult.of(List.of(), new ElectLeadersResponseData()
                    .setErrorCode(Errors.INVALID_REQUEST.code()));
        }
        ElectLeadersResponseData response = new ElectLeadersResponseData().setErrorCode(Errors.NONE.code());
        List<MetadataRecord> records = new ArrayList<>();
        if (request.topicPartitions() == null) {
            for (TopicImage topic : image.topicsByName().values()) {
                ReplicaElectionResult topicResult = new ReplicaElectionResult().setTopic(topic.name());
                for (PartitionImage p : topic.partitions().values()) {
                    PartitionResult r = electOne(image, offline, type, topic, p, records);
                    if (r.errorCode() != Errors.ELECTION_NOT_NEEDED.code()) {
                        topicResult.partitionResult().add(r);
                    }
                }
                if (!topicResult.partitionResult().isEmpty()) {
                    response.replicaElectionResults().add(topicResult);
                }
            }
            return ControllerResult.of(records, response);
        }
        for (ElectLeadersRequestData.TopicPartitions tp : request.topicPartitions()) {
            ReplicaElectionResult topicResult = new ReplicaElectionResult().setTopic(tp.topic());
            response.replicaElectionResults().add(topicResult);
            Optional<TopicImage> topic = image.topic(tp.topic());
            for (int partition : tp.partitions()) {
                PartitionImage p = topic.map(t -> t.partitions().get(partition)).orElse(null);
                if (p == null) {
                    topicResult.partitionResult().add(result(partition, Errors.UNKNOWN_TOPIC_OR_PARTITION,
                            "The partition does not exist."));
                } else {
                    topicResult.partitionResult().add(electOne(image, offline, type, topic.get(), p, records));
                }
            }
        }
        return ControllerResult.of(records, response);
    }

    private static PartitionResult electOne(MetadataImage image, OfflineReplicas offline, ElectionType type,
                                            TopicImage topic, PartitionImage p, List<MetadataRecord> records) {
        int partition = p.partition();
        if (type == ElectionType.PREFERRED) {
            int preferred = p.replicas().isEmpty() ? -1 : p.replicas().get(0);
            if (p.leader() == preferred) {
                return result(partition, Errors.ELECTION_NOT_NEEDED, "The preferred replica leads already.");
            }
            Optional<PartitionChangeRecord> change = ReplicationControl.preferredElection(image, offline, topic, p,
                    ChangeReason.PREFERRED_LEADER_ELECTION);
            if (change.isEmpty()) {
                return result(partition, Errors.PREFERRED_LEADER_NOT_AVAILABLE, "The preferred replica "
                        + preferred + " is not live and in the ISR " + p.isr() + ".");
            }
            records.add(change.get());
            return result(partition, Errors.NONE, null);
        }
        if (p.leader() != -1) {
            return result(partition, Errors.ELECTION_NOT_NEEDED, "The partition has a leader.");
        }
        Optional<PartitionChangeRecord> change = ReplicationControl.elect(image, offline, topic, p, true,
                ChangeReason.UNCLEAN_LEADER_ELECTION);
        if (change.isEmpty() || change.get().leader() == -1 || change.get().leader()
                == PartitionChangeRecord.NO_CHANGE) {
            return result(partition, Errors.ELIGIBLE_LEADERS_NOT_AVAILABLE, "No replica of " + p.replicas()
                    + " is live.");
        }
        records.add(change.get());
        return result(partition, Errors.NONE, null);
    }

    private static PartitionResult result(int partition, Errors error, String message) {
        return new PartitionResult().setPartitionId(partition).setErrorCode(error.code()).setErrorMessage(message);
    }
}
