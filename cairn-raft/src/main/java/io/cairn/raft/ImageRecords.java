package io.cairn.raft;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.cairn.metadata.BrokerImage;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.PartitionImage;
import io.cairn.metadata.TopicImage;
import io.cairn.metadata.record.BrokerFencingChange;
import io.cairn.metadata.record.ClientQuotaRecord;
import io.cairn.metadata.record.ClusterIdRecord;
import io.cairn.metadata.record.ConfigRecord;
import io.cairn.metadata.record.MetadataFormat;
import io.cairn.metadata.record.MetadataRecord;
import io.cairn.metadata.record.PartitionRecord;
import io.cairn.metadata.record.ProducerIdsRecord;
import io.cairn.metadata.record.RegisterBrokerRecord;
import io.cairn.metadata.record.RemoveAccessControlEntryRecord;
import io.cairn.metadata.record.RemoveDelegationTokenRecord;
import io.cairn.metadata.record.RemoveTopicRecord;
import io.cairn.metadata.record.RemoveUserScramCredentialRecord;
import io.cairn.metadata.record.TopicRecord;
import io.cairn.metadata.record.UserScramCredentialRecord;

/**
 * A {@link MetadataImage} written as the records that rebuild it: the content of a metadata snapshot. Its
 * records restate state (no reason), so they add no history; the history is restated after each broker and
 * partition by its own records (docs/adr/0023).
 * {@code MetadataImage.EMPTY.apply(batch of toRecords(image))} equals {@code image} (offset and controller
 * aside, which the batch carries).
 *
 * <p>Stateless, thread-safe.
 */
public final class ImageRecords {

    private ImageRecords() {
    }

    /**
     * The records that rebuild {@code image} from the empty image. Below metadata level 3 (docs/adr/0028) they leave
     * out the decision histories, which format 1 cannot carry: nodes that read only format 1 may install the
     * snapshot, and the histories are then rebuilt from the decisions that follow.
     */
    public static List<MetadataRecord> toRecords(MetadataImage image) {
        boolean withHistory = image.metadataFormatFeatureLevel() >= MetadataFormat.DECISION_REASONS;
        List<MetadataRecord> records = new ArrayList<>();
        if (image.clusterId() != null) {
            records.add(new ClusterIdRecord(image.clusterId(), image.metadataFormatFeatureLevel()));
        }
        for (BrokerImage b : image.brokers().values()) {
            records.add(new RegisterBrokerRecord(b.id(), b.host(), b.port(), b.rack().orElse(null), b.epoch(),
                    b.fenced(), null, -1, b.endpoints(), b.metadataVersions()));
            if (withHistory) {
                records.addAll(image.history().broker(b.id()));
            }
        }
        for (TopicImage topic : image.topicsByName().values()) {
            records.add(new TopicRecord(topic.name(), topic.id()));
            for (PartitionImage p : topic.partitions().values()) {
                records.add(new PartitionRecord(topic.id(), p.partition(), p.replicas(), p.isr(), p.leader(),
                        p.leaderEpoch(), p.partitionEpoch(), p.addingReplicas(), p.removingReplicas()));
                if (withHistory) {
                    records.addAll(image.history().partition(topic.id(), p.partition()));
                }
            }
            topic.configs().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> records.add(
                    new ConfigRecord(ConfigRecord.ResourceType.TOPIC, topic.name(), e.getKey(), e.getValue())));
        }
        for (String resource : brokerConfigResources(image)) {
            image.brokerConfigs(resource).entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e ->
                    records.add(new ConfigRecord(ConfigRecord.ResourceType.BROKER, resource, e.getKey(),
                            e.getValue())));
        }
        image.groupConfigs().forEach((group, configs) -> configs.entrySet().stream()
                .sorted(Map.Entry.comparingByKey()).forEach(e -> records.add(
                        new ConfigRecord(ConfigRecord.ResourceType.GROUP, group, e.getKey(), e.getValue()))));
        if (image.nextProducerId() > 0) {
            records.add(new ProducerIdsRecord(-1, image.nextProducerId()));
        }
        image.scramCredentials().forEach((user, byMechanism) -> byMechanism.forEach((mechanism, credential) ->
                records.add(new UserScramCredentialRecord(user, mechanism, credential.salt(),
                        credential.storedKey(), credential.serverKey(), credential.iterations()))));
        image.clientQuotas().entrySet().stream().sorted(Comparator.comparing(e -> e.getKey().toString()))
                .forEach(e -> new TreeMap<>(e.getValue()).forEach((key, value) -> records.add(
                        new ClientQuotaRecord(e.getKey(), key, value, false))));
        image.acls().acls().forEach((id, acl) -> records.add(acl.toRecord(id)));
        records.addAll(image.delegationTokens().values());
        return records;
    }

    /**
     * The records that turn {@code current} into {@code target} when {@code target} is a later state of the
     * same log (a snapshot installed from the leader): every current topic, SCRAM credential, client quota, ACL and
     * delegation token
     * removed, broker fencing and config overrides realigned, then everything of {@code target}. Applied as one
     * batch, listeners see one change.
     */
    public static List<MetadataRecord> resetRecords(MetadataImage current, MetadataImage target) {
        List<MetadataRecord> records = new ArrayList<>();
        current.topicsById().keySet().forEach(id -> records.add(new RemoveTopicRecord(id)));
        current.scramCredentials().forEach((user, byMechanism) -> byMechanism.keySet().forEach(mechanism ->
                records.add(new RemoveUserScramCredentialRecord(user, mechanism))));
        current.clientQuotas().forEach((entity, quotas) -> quotas.keySet().forEach(key ->
                records.add(new ClientQuotaRecord(entity, key, 0, true))));
        current.acls().acls().keySet().forEach(id -> records.add(new RemoveAccessControlEntryRecord(id)));
        current.delegationTokens().keySet().forEach(id -> records.add(new RemoveDelegationTokenRecord(id)));
        for (String resource : brokerConfigResources(current)) {
            for (String key : current.brokerConfigs(resource).keySet()) {
                if (!target.brokerConfigs(resource).containsKey(key)) {
                    records.add(new ConfigRecord(ConfigRecord.ResourceType.BROKER, resource, key, null));
                }
            }
        }
        current.groupConfigs().forEach((group, configs) -> configs.keySet().forEach(key -> {
            if (!target.groupConfigs(group).containsKey(key)) {
                records.add(new ConfigRecord(ConfigRecord.ResourceType.GROUP, group, key, null));
            }
        }));
        records.addAll(toRecords(target));
        for (BrokerImage b : target.brokers().values()) {
            records.add(new BrokerFencingChange(b.id(), b.epoch(), b.fenced()));
        }
        return records;
    }

    /** Broker config resources ("" for the cluster default, then broker ids) that have overrides. */
    private static List<String> brokerConfigResources(MetadataImage image) {
        List<String> resources = new ArrayList<>();
        if (!image.brokerConfigs("").isEmpty()) {
            resources.add("");
        }
        for (Integer id : image.brokers().keySet()) {
            if (!image.brokerConfigs(String.valueOf(id)).isEmpty()) {
                resources.add(String.valueOf(id));
            }
        }
        return resources;
    }
}
