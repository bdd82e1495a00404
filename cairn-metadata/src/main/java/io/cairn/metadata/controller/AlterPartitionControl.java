package io.cairn.metadata.controller;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

import io.cairn.metadata.BrokerImage;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.PartitionImage;
import io.cairn.metadata.TopicImage;
import io.cairn.metadata.record.ChangeReason;
import io.cairn.metadata.record.MetadataRecord;
import io.cairn.metadata.record.PartitionChangeRecord;
import org.apache.kafka.common.message.AlterPartitionRequestData;
import org.apache.kafka.common.message.AlterPartitionRequestData.BrokerState;
import org.apache.kafka.common.message.AlterPartitionResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * Decides AlterPartition: a partition leader shrinking or expanding its ISR, with Apache Kafka's checks and
 * error codes. The request is decided against the partition epoch the leader last saw:
 * <ul>
 *   <li>top level: the sender is not registered at {@code brokerEpoch} - STALE_BROKER_EPOCH;</li>
 *   <li>unknown topic id - UNKNOWN_TOPIC_ID; unknown partition - UNKNOWN_TOPIC_OR_PARTITION;</li>
 *   <li>leader epoch older than the image's - FENCED_LEADER_EPOCH; newer - NOT_CONTROLLER (this controller is
 *   behind; retry);</li>
 *   <li>sender not the leader - INVALID_REQUEST (NOT_LEADER_OR_FOLLOWER would tell it to wait);</li>
 *   <li>partition epoch older - INVALID_UPDATE_VERSION; newer - NOT_CONTROLLER;</li>
 *   <li>a new ISR without the leader, with duplicates, or a RECOVERING leader state - INVALID_REQUEST;</li>
 *   <li>a new ISR member that is not a replica, not registered, fenced, at another broker epoch than
 *   the request says, or that reports the partition offline ({@link OfflineReplicas}) -
 *   INELIGIBLE_REPLICA.</li>
 * </ul>
 * An accepted change is one PartitionChangeRecord (partition epoch + 1); an unchanged ISR writes nothing.
 * The response carries the partition's state after the change.
 *
 * <p>Thread-safe (stateless, pure).
 */
public final class AlterPartitionControl {

    private AlterPartitionControl() {
    }

    public static ControllerResult<AlterPartitionResponseData> alterPartition(MetadataImage image,
                                                                              AlterPartitionRequestData request) {
        return alterPartition(image, OfflineReplicas.NONE, request);
    }

    public static ControllerResult<AlterPartitionResponseData> alterPartition(MetadataImage image,
            OfflineReplicas offline, AlterPartitionRequestData request) {
        AlterPartitionResponseData response = new AlterPartitionResponseData();
        BrokerImage sender = image.brokers().get(request.brokerId());
        if (sender == null || (request.brokerEpoch() != -1 && sender.epoch() != request.brokerEpoch())) {
            return ControllerResult.of(List.of(), response.setErrorCode(Errors.STALE_BROKER_EPOCH.code()));
        }
        List<MetadataRecord> records = new ArrayList<>();
        MetadataImage working = image;
        for (AlterPartitionRequestData.TopicData topicData : request.topics()) {
            AlterPartitionResponseData.TopicData topicResult = new AlterPartitionResponseData.TopicData()
                    .setTopicId(topicData.topicId());
            response.topics().add(topicResult);
            for (AlterPartitionRequestData.PartitionData pd : topicData.partitions()) {
                AlterPartitionResponseData.PartitionData result = new AlterPartitionResponseData.PartitionData()
                        .setPartitionIndex(pd.partitionIndex());
                topicResult.partitions().add(result);
                TopicImage topic = working.topic(topicData.topicId()).orElse(null);
                if (topic == null) {
                    result.setErrorCode(Errors.UNKNOWN_TOPIC_ID.code());
                    continue;
                }
                PartitionImage p = topic.partitions().get(pd.partitionIndex());
                if (p == null) {
                    result.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
                    continue;
                }
                Errors error = validate(working, offline, topic, request.brokerId(), p, pd);
                if (error != Errors.NONE) {
                    result.setErrorCode(error.code());
                    continue;
                }
                List<Integer> newIsr = newIsr(pd);
                if (!newIsr.equals(p.isr())) {
                    PartitionChangeRecord change = new PartitionChangeRecord(topic.id(), p.partition(),
                            p.partitionEpoch(), PartitionChangeRecord.NO_CHANGE, newIsr, null,
                            ChangeReason.isrChange(p.isr(), newIsr));
                    records.add(change);
                    working = working.apply(working.offset(), change);
                    p = working.topic(topic.id()).orElseThrow().partitions().get(p.partition());
                }
                result.setLeaderId(p.leader()).setLeaderEpoch(p.leaderEpoch()).setIsr(new ArrayList<>(p.isr()))
                        .setPartitionEpoch(p.partitionEpoch()).setLeaderRecoveryState((byte) 0);
            }
        }
        return ControllerResult.of(records, response);
    }

    /** The requested ISR: {@code newIsrWithEpochs} (v3+) when given, else {@code newIsr}. */
    private static List<Integer> newIsr(AlterPartitionRequestData.PartitionData pd) {
        if (!pd.newIsrWithEpochs().isEmpty()) {
            return pd.newIsrWithEpochs().stream().map(BrokerState::brokerId).toList();
        }
        return List.copyOf(pd.newIsr());
    }

    private static Errors validate(MetadataImage image, OfflineReplicas offline, TopicImage topic, int brokerId,
                                   PartitionImage p, AlterPartitionRequestData.PartitionData pd) {
        if (pd.leaderEpoch() > p.leaderEpoch()) {
            return Errors.NOT_CONTROLLER;
        }
        if (pd.leaderEpoch() < p.leaderEpoch()) {
            return Errors.FENCED_LEADER_EPOCH;
        }
        if (brokerId != p.leader()) {
            return Errors.INVALID_REQUEST;
        }
        if (pd.partitionEpoch() > p.partitionEpoch()) {
            return Errors.NOT_CONTROLLER;
        }
        if (pd.partitionEpoch() < p.partitionEpoch()) {
            return Errors.INVALID_UPDATE_VERSION;
        }
        if (pd.leaderRecoveryState() != 0) {
            return Errors.INVALID_REQUEST;
        }
        List<Integer> newIsr = newIsr(pd);
        if (!newIsr.contains(p.leader()) || new HashSet<>(newIsr).size() != newIsr.size()) {
            return Errors.INVALID_REQUEST;
        }
        for (BrokerState member : memberStates(pd)) {
            BrokerImage b = image.brokers().get(member.brokerId());
            if (!p.replicas().contains(member.brokerId()) || b == null || b.fenced()
                    || (member.brokerEpoch() != -1 && member.brokerEpoch() != b.epoch())
                    || offline.isOffline(member.brokerId(), topic.id(), p.partition())) {
                return Errors.INELIGIBLE_REPLICA;
            }
        }
        return Errors.NONE;
    }

    private static List<BrokerState> memberStates(AlterPartitionRequestData.PartitionData pd) {
        if (!pd.newIsrWithEpochs().isEmpty()) {
            return pd.newIsrWithEpochs();
        }
        return pd.newIsr().stream().map(id -> new BrokerState().setBrokerId(id).setBrokerEpoch(-1)).toList();
    }
}
