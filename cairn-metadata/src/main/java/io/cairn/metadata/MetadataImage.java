package io.cairn.metadata;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

import io.cairn.metadata.acl.Acl;
import io.cairn.metadata.acl.AclImage;
import io.cairn.metadata.record.AccessControlEntryRecord;
import io.cairn.metadata.record.BrokerFencingChange;
import io.cairn.metadata.record.BrokerHistoryRecord;
import io.cairn.metadata.record.ClientQuotaRecord;
import io.cairn.metadata.record.ClusterIdRecord;
import io.cairn.metadata.record.ConfigRecord;
import io.cairn.metadata.record.DecisionRecord;
import io.cairn.metadata.record.DelegationTokenRecord;
import io.cairn.metadata.record.FeatureLevelRecord;
import io.cairn.metadata.record.MetadataBatch;
import io.cairn.metadata.record.MetadataRecord;
import io.cairn.metadata.record.PartitionChangeRecord;
import io.cairn.metadata.record.PartitionHistoryRecord;
import io.cairn.metadata.record.PartitionReassignmentRecord;
import io.cairn.metadata.record.PartitionRecord;
import io.cairn.metadata.record.ProducerIdsRecord;
import io.cairn.metadata.record.RegisterBrokerRecord;
import io.cairn.metadata.record.RemoveAccessControlEntryRecord;
import io.cairn.metadata.record.RemoveDelegationTokenRecord;
import io.cairn.metadata.record.RemoveTopicRecord;
import io.cairn.metadata.record.RemoveUserScramCredentialRecord;
import io.cairn.metadata.record.TopicRecord;
import io.cairn.metadata.record.UserScramCredentialRecord;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;

/**
 * The whole committed cluster metadata at one log offset: an immutable value, published through a
 * volatile reference and read by request handlers without locks.
 *
 * <p>{@link #apply(MetadataBatch)} and {@link #apply(long, MetadataRecord)} are the only way to derive a new
 * image. They are pure and deterministic: each record is validated against the image (epochs, existence),
 * and one that does not fit is a no-op, so every node replaying the same log reaches an equal image.
 *
 * <p>Thread-safe (immutable).
 */
public final class MetadataImage {

    /** The image before any record: no cluster id, no brokers, no topics, offset -1. */
    public static final MetadataImage EMPTY = new MetadataImage(-1, null, (short) 0, -1, -1,
            new TreeMap<>(), new TreeMap<>(), new HashMap<>(), new TreeMap<>(), new TreeMap<>(), 0L, new TreeMap<>(),
            new HashMap<>(), AclImage.EMPTY, DecisionHistory.EMPTY, new TreeMap<>());

    private final long offset;
    private final String clusterId;
    private final short metadataFormatFeatureLevel;
    private final int controllerId;
    private final int controllerEpoch;
    private final SortedMap<Integer, BrokerImage> brokers;
    private final SortedMap<String, TopicImage> topicsByName;
    private final Map<Uuid, TopicImage> topicsById;
    private final SortedMap<String, Map<String, String>> brokerConfigs;
    private final SortedMap<String, Map<String, String>> groupConfigs;
    private final long nextProducerId;
    /** SCRAM credentials by user, then by mechanism name; a user without any has no entry. */
    private final SortedMap<String, Map<String, ScramCredentialImage>> scramCredentials;
    /** Client quotas by entity, then by key; an entity without any has no entry. */
    private final Map<ClientQuotaEntity, Map<String, Double>> clientQuotas;
    private final AclImage acls;
    private final DecisionHistory history;
    /** Delegation tokens by id (docs/adr/0034). */
    private final SortedMap<String, DelegationTokenRecord> delegationTokens;

    private MetadataImage(long offset, String clusterId, short metadataFormatFeatureLevel, int controllerId,
                          int controllerEpoch, SortedMap<Integer, BrokerImage> brokers,
                          SortedMap<String, TopicImage> topicsByName, Map<Uuid, TopicImage> topicsById,
                          SortedMap<String, Map<String, String>> brokerConfigs,
                          SortedMap<String, Map<String, String>> groupConfigs, long nextProducerId,
                          SortedMap<String, Map<String, ScramCredentialImage>> scramCredentials,
                          Map<ClientQuotaEntity, Map<String, Double>> clientQuotas, AclImage acls,
                          DecisionHistory history, SortedMap<String, DelegationTokenRecord> delegationTokens) {
        this.offset = offset;
        this.clusterId = clusterId;
        this.metadataFormatFeatureLevel = metadataFormatFeatureLevel;
        this.controllerId = controllerId;
        this.controllerEpoch = controllerEpoch;
        this.brokers = Collections.unmodifiableSortedMap(brokers);
        this.topicsByName = Collections.unmodifiableSortedMap(topicsByName);
        this.topicsById = Collections.unmodifiableMap(topicsById);
        this.brokerConfigs = Collections.unmodifiableSortedMap(brokerConfigs);
        this.groupConfigs = Collections.unmodifiableSortedMap(groupConfigs);
        this.nextProducerId = nextProducerId;
        this.scramCredentials = Collections.unmodifiableSortedMap(scramCredentials);
        this.clientQuotas = Collections.unmodifiableMap(clientQuotas);
        this.acls = acls;
        this.history = history;
        this.delegationTokens = Collections.unmodifiableSortedMap(delegationTokens);
    }

    /** The offset of the last record applied to build this image, -1 for EMPTY. */
    public long offset() {
        return offset;
    }

    /** The cluster id, or null before the bootstrap record. */
    public String clusterId() {
        return clusterId;
    }

    /**
     * The finalized level of the metadata format feature ({@link io.cairn.metadata.record.MetadataFormat}): the
     * bootstrap level, raised by FeatureLevelRecords (0 before bootstrap). What the controller writes follows it.
     */
    public short metadataFormatFeatureLevel() {
        return metadataFormatFeatureLevel;
    }

    /** All registered brokers, fenced or not, by id ascending. */
    public Map<Integer, BrokerImage> brokers() {
        return brokers;
    }

    /** Registered, unfenced brokers by id ascending: the ones that may hold replicas and lead. */
    public List<BrokerImage> unfencedBrokers() {
        List<BrokerImage> result = new ArrayList<>();
        for (BrokerImage broker : brokers.values()) {
            if (!broker.fenced()) {
                result.add(broker);
            }
        }
        return result;
    }

    /** The node whose controller decided the last records; -1 if none yet. */
    public int controllerId() {
        return controllerId;
    }

    /** The term (Raft term) in which the last batch was decided; -1 if none yet. */
    public int controllerEpoch() {
        return controllerEpoch;
    }

    /** All topics by name, ascending. */
    public Map<String, TopicImage> topicsByName() {
        return topicsByName;
    }

    public Map<Uuid, TopicImage> topicsById() {
        return topicsById;
    }

    public Optional<TopicImage> topic(String name) {
        return Optional.ofNullable(topicsByName.get(name));
    }

    public Optional<TopicImage> topic(Uuid id) {
        return Optional.ofNullable(topicsById.get(id));
    }

    /** Config overrides set on this broker id ("" key for cluster-wide defaults). */
    public Map<String, String> brokerConfigs(String brokerIdOrEmpty) {
        return brokerConfigs.getOrDefault(brokerIdOrEmpty, Map.of());
    }

    /** Config overrides set on a consumer group (Kafka's GROUP config resource). */
    public Map<String, String> groupConfigs(String groupId) {
        return groupConfigs.getOrDefault(groupId, Map.of());
    }

    /** Every group with config overrides, by group id. */
    public SortedMap<String, Map<String, String>> groupConfigs() {
        return groupConfigs;
    }

    /** The first producer id not yet handed out in any block. */
    public long nextProducerId() {
        return nextProducerId;
    }

    /** Users with SCRAM credentials, by name ascending: each one's credentials by mechanism (SCRAM-SHA-256, ...). */
    public SortedMap<String, Map<String, ScramCredentialImage>> scramCredentials() {
        return scramCredentials;
    }

    /** The cluster's ACLs (CreateAcls), indexed for the authorizer. */
    public AclImage acls() {
        return acls;
    }

    /** The recent history of leadership and broker decisions (docs/adr/0023). */
    public DecisionHistory history() {
        return history;
    }

    /** Delegation tokens (CreateDelegationToken) by token id ascending, expired ones until the controller removes them. */
    public SortedMap<String, DelegationTokenRecord> delegationTokens() {
        return delegationTokens;
    }

    /** A user's SCRAM credential for a mechanism, if stored. */
    public Optional<ScramCredentialImage> scramCredential(String user, String mechanism) {
        return Optional.ofNullable(scramCredentials.getOrDefault(user, Map.of()).get(mechanism));
    }

    /**
     * Client quotas (AlterClientQuotas) by entity ({@code user}, {@code client-id}, {@code ip} to a name, null for
     * the type's default), each entity's quotas by key ({@code producer_byte_rate}, ...).
     */
    public Map<ClientQuotaEntity, Map<String, Double>> clientQuotas() {
        return clientQuotas;
    }

    /**
     * The image after one committed batch: its records applied in order, at the batch's offset and term. A batch
     * decided in a term older than the image's {@link #controllerEpoch()} comes from a deposed controller: it
     * is a no-op (only the offset moves), on every node alike.
     */
    public MetadataImage apply(MetadataBatch batch) {
        Builder builder = new Builder(this);
        if (batch.term() < controllerEpoch) {
            return builder.build(batch.offset());
        }
        builder.decidedIn(batch.offset(), batch.term(), batch.leaderId());
        for (MetadataRecord record : batch.records()) {
            builder.apply(record);
        }
        builder.controllerId = batch.leaderId();
        builder.controllerEpoch = batch.term();
        return builder.build(batch.offset());
    }

    /** The image after one record at {@code offset}. Deterministic; a record that does not fit is a no-op. */
    public MetadataImage apply(long offset, MetadataRecord record) {
        return apply(offset, List.of(record));
    }

    /**
     * The image after {@code records}, in order, at {@code offset}: as applying them one at a time, with one
     * copy of the image instead of one per record.
     */
    public MetadataImage apply(long offset, List<MetadataRecord> records) {
        Builder builder = new Builder(this);
        builder.decidedIn(offset, controllerEpoch, controllerId);
        for (MetadataRecord record : records) {
            builder.apply(record);
        }
        return builder.build(offset);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof MetadataImage other)) {
            return false;
        }
        return offset == other.offset && metadataFormatFeatureLevel == other.metadataFormatFeatureLevel
                && controllerId == other.controllerId && controllerEpoch == other.controllerEpoch
                && nextProducerId == other.nextProducerId && Objects.equals(clusterId, other.clusterId)
                && brokers.equals(other.brokers) && topicsByName.equals(other.topicsByName)
                && topicsById.equals(other.topicsById) && brokerConfigs.equals(other.brokerConfigs)
                && groupConfigs.equals(other.groupConfigs) && scramCredentials.equals(other.scramCredentials)
                && clientQuotas.equals(other.clientQuotas)
                && acls.equals(other.acls) && history.equals(other.history)
                && delegationTokens.equals(other.delegationTokens);
    }

    @Override
    public int hashCode() {
        return Objects.hash(offset, clusterId, controllerId, controllerEpoch, brokers, topicsByName, brokerConfigs,
                groupConfigs, nextProducerId, scramCredentials, clientQuotas, acls, history, delegationTokens);
    }

    @Override
    public String toString() {
        return "MetadataImage(offset=" + offset + ", clusterId=" + clusterId + ", controller=" + controllerId
                + "@" + controllerEpoch + ", brokers=" + brokers.keySet() + ", topics=" + topicsByName.keySet()
                + ", nextProducerId=" + nextProducerId + ")";
    }

    /** Mutable working copy used by apply only. Not thread-safe; never escapes this class. */
    private static final class Builder {
        private final String initialClusterId;
        private String clusterId;
        private short metadataFormatFeatureLevel;
        private int controllerId;
        private int controllerEpoch;
        private final SortedMap<Integer, BrokerImage> brokers;
        private final SortedMap<String, TopicImage> topicsByName;
        private final Map<Uuid, TopicImage> topicsById;
        private final SortedMap<String, Map<String, String>> brokerConfigs;
        private final SortedMap<String, Map<String, String>> groupConfigs;
        private long nextProducerId;
        private final SortedMap<String, Map<String, ScramCredentialImage>> scramCredentials;
        private final Map<ClientQuotaEntity, Map<String, Double>> clientQuotas;
        private final AclImage acls;
        private final Map<Uuid, Acl> addedAcls = new LinkedHashMap<>();
        private final Set<Uuid> removedAcls = new HashSet<>();
        private final DecisionHistory.Builder history;
        private final SortedMap<String, DelegationTokenRecord> delegationTokens;
        /** The batch being applied: where its decisions enter the history. */
        private long offset;
        private int term;
        private int leaderId;

        Builder(MetadataImage image) {
            this.initialClusterId = image.clusterId;
            this.clusterId = image.clusterId;
            this.metadataFormatFeatureLevel = image.metadataFormatFeatureLevel;
            this.controllerId = image.controllerId;
            this.controllerEpoch = image.controllerEpoch;
            this.brokers = new TreeMap<>(image.brokers);
            this.topicsByName = new TreeMap<>(image.topicsByName);
            this.topicsById = new HashMap<>(image.topicsById);
            this.brokerConfigs = new TreeMap<>(image.brokerConfigs);
            this.groupConfigs = new TreeMap<>(image.groupConfigs);
            this.nextProducerId = image.nextProducerId;
            this.scramCredentials = new TreeMap<>(image.scramCredentials);
            this.clientQuotas = new HashMap<>(image.clientQuotas);
            this.acls = image.acls;
            this.history = new DecisionHistory.Builder(image.history);
            this.delegationTokens = new TreeMap<>(image.delegationTokens);
        }

        void decidedIn(long batchOffset, int batchTerm, int batchLeaderId) {
            this.offset = batchOffset;
            this.term = batchTerm;
            this.leaderId = batchLeaderId;
        }

        MetadataImage build(long offset) {
            assert initialClusterId == null || initialClusterId.equals(clusterId);
            return new MetadataImage(offset, clusterId, metadataFormatFeatureLevel, controllerId, controllerEpoch,
                    brokers, topicsByName, topicsById, brokerConfigs, groupConfigs, nextProducerId, scramCredentials,
                    clientQuotas, acls.with(addedAcls, removedAcls), history.build(), delegationTokens);
        }

        void apply(MetadataRecord record) {
            if (record instanceof ClusterIdRecord r) {
                applyClusterId(r);
            } else if (record instanceof RegisterBrokerRecord r) {
                applyRegisterBroker(r);
            } else if (record instanceof BrokerFencingChange r) {
                applyFencing(r);
            } else if (record instanceof TopicRecord r) {
                applyTopic(r);
            } else if (record instanceof PartitionRecord r) {
                applyPartition(r);
            } else if (record instanceof PartitionChangeRecord r) {
                applyPartitionChange(r);
            } else if (record instanceof PartitionReassignmentRecord r) {
                applyReassignment(r);
            } else if (record instanceof RemoveTopicRecord r) {
                applyRemoveTopic(r);
            } else if (record instanceof ConfigRecord r) {
                applyConfig(r);
            } else if (record instanceof ProducerIdsRecord r) {
                applyProducerIds(r);
            } else if (record instanceof UserScramCredentialRecord r) {
                applyScramCredential(r);
            } else if (record instanceof RemoveUserScramCredentialRecord r) {
                applyRemoveScramCredential(r);
            } else if (record instanceof DelegationTokenRecord r) {
                if (!r.tokenId().isEmpty()) {
                    delegationTokens.put(r.tokenId(), r);
                }
            } else if (record instanceof RemoveDelegationTokenRecord r) {
                delegationTokens.remove(r.tokenId());
            } else if (record instanceof ClientQuotaRecord r) {
                applyClientQuota(r);
            } else if (record instanceof AccessControlEntryRecord r) {
                applyAcl(r);
            } else if (record instanceof RemoveAccessControlEntryRecord r) {
                if (addedAcls.remove(r.id()) == null && acls.acls().containsKey(r.id())) {
                    removedAcls.add(r.id());
                }
            } else if (record instanceof PartitionHistoryRecord r) {
                TopicImage topic = topicsById.get(r.topicId());
                if (topic != null && topic.partitions().containsKey(r.partition())) {
                    history.add(r);
                }
            } else if (record instanceof BrokerHistoryRecord r) {
                if (brokers.containsKey(r.brokerId())) {
                    history.add(r);
                }
            } else if (record instanceof FeatureLevelRecord r) {
                if (clusterId != null && r.metadataFormatFeatureLevel() > metadataFormatFeatureLevel) {
                    metadataFormatFeatureLevel = r.metadataFormatFeatureLevel();
                }
            } else {
                throw new IllegalArgumentException("unknown record type " + record.getClass());
            }
        }

        private void applyClusterId(ClusterIdRecord r) {
            if (clusterId == null) {
                clusterId = r.clusterId();
                metadataFormatFeatureLevel = r.metadataFormatFeatureLevel();
            }
        }

        private void applyRegisterBroker(RegisterBrokerRecord r) {
            BrokerImage existing = brokers.get(r.brokerId());
            if (existing != null && existing.epoch() >= r.brokerEpoch()) {
                return;
            }
            brokers.put(r.brokerId(), new BrokerImage(r.brokerId(), r.host(), r.port(),
                    Optional.ofNullable(r.rack()), r.brokerEpoch(), r.fenced(), r.endpoints(), r.metadataVersions()));
            if (r.reason() != null) {
                history.add(new BrokerHistoryRecord(r.brokerId(), history.nextBrokerSeq(r.brokerId()), offset, term,
                        leaderId, r.timeMs(), r.reason(), BrokerHistoryRecord.Event.REGISTERED, r.brokerEpoch(),
                        r.host() + ":" + r.port()));
            }
        }

        private void applyFencing(BrokerFencingChange r) {
            BrokerImage b = brokers.get(r.brokerId());
            if (b == null || b.epoch() != r.brokerEpoch()) {
                return;
            }
            brokers.put(b.id(), new BrokerImage(b.id(), b.host(), b.port(), b.rack(), b.epoch(), r.fenced(),
                    b.endpoints(), b.metadataVersions()));
            if (r.reason() != null && b.fenced() != r.fenced()) {
                history.add(new BrokerHistoryRecord(b.id(), history.nextBrokerSeq(b.id()), offset, term, leaderId,
                        r.timeMs(), r.reason(), r.fenced() ? BrokerHistoryRecord.Event.FENCED
                                : BrokerHistoryRecord.Event.UNFENCED, b.epoch(), null));
            }
        }

        private void applyTopic(TopicRecord r) {
            if (topicsByName.containsKey(r.name()) || topicsById.containsKey(r.topicId())) {
                return;
            }
            putTopic(new TopicImage(r.topicId(), r.name(), new TreeMap<>(), Map.of()));
        }

        private void applyPartition(PartitionRecord r) {
            TopicImage topic = topicsById.get(r.topicId());
            if (topic == null || topic.partitions().containsKey(r.partition()) || r.partition() < 0) {
                return;
            }
            SortedMap<Integer, PartitionImage> partitions = new TreeMap<>(topic.partitions());
            PartitionImage created = new PartitionImage(r.partition(), r.replicas(), r.isr(), r.leader(),
                    r.leaderEpoch(), r.partitionEpoch(), r.addingReplicas(), r.removingReplicas());
            partitions.put(r.partition(), created);
            putTopic(new TopicImage(topic.id(), topic.name(), partitions, topic.configs()));
            remember(topic.id(), created, r);
        }

        /** Adds a partition's new state to its history, when a decision (not a restatement) made it. */
        private void remember(Uuid topicId, PartitionImage p, DecisionRecord decision) {
            if (decision.reason() == null) {
                return;
            }
            history.add(new PartitionHistoryRecord(topicId, p.partition(),
                    history.nextPartitionSeq(topicId, p.partition()), offset, term, leaderId, decision.timeMs(),
                    decision.reason(), p.leader(), p.leaderEpoch(), p.partitionEpoch(), p.isr(), p.replicas(),
                    p.addingReplicas(), p.removingReplicas()));
        }

        private void applyPartitionChange(PartitionChangeRecord r) {
            TopicImage topic = topicsById.get(r.topicId());
            PartitionImage p = topic == null ? null : topic.partitions().get(r.partition());
            if (p == null || p.partitionEpoch() != r.partitionEpoch()) {
                return;
            }
            boolean leaderChanges = r.leader() != PartitionChangeRecord.NO_CHANGE && r.leader() != p.leader();
            List<Integer> replicas = r.replicas() == null ? p.replicas() : r.replicas();
            // A reassignment in progress keeps its adding/removing replicas that are still replicas.
            PartitionImage changed = new PartitionImage(p.partition(), replicas,
                    r.isr() == null ? p.isr() : r.isr(),
                    leaderChanges ? r.leader() : p.leader(),
                    leaderChanges ? p.leaderEpoch() + 1 : p.leaderEpoch(),
                    p.partitionEpoch() + 1,
                    p.addingReplicas().stream().filter(replicas::contains).toList(),
                    p.removingReplicas().stream().filter(replicas::contains).toList());
            SortedMap<Integer, PartitionImage> partitions = new TreeMap<>(topic.partitions());
            partitions.put(r.partition(), changed);
            putTopic(new TopicImage(topic.id(), topic.name(), partitions, topic.configs()));
            remember(topic.id(), changed, r);
        }

        private void applyReassignment(PartitionReassignmentRecord r) {
            TopicImage topic = topicsById.get(r.topicId());
            PartitionImage p = topic == null ? null : topic.partitions().get(r.partition());
            if (p == null || p.partitionEpoch() != r.partitionEpoch()) {
                return;
            }
            List<Integer> replicas = r.replicas();
            List<Integer> isr = r.isr() == null ? p.isr() : r.isr();
            int leader = r.leader() == PartitionChangeRecord.NO_CHANGE ? p.leader() : r.leader();
            boolean consistent = !replicas.isEmpty() && new java.util.HashSet<>(replicas).size() == replicas.size()
                    && replicas.containsAll(isr) && replicas.containsAll(r.addingReplicas())
                    && replicas.containsAll(r.removingReplicas())
                    && r.addingReplicas().stream().noneMatch(r.removingReplicas()::contains)
                    && (leader == -1 || replicas.contains(leader));
            if (!consistent) {
                return;
            }
            boolean leaderChanges = leader != p.leader();
            PartitionImage changed = new PartitionImage(p.partition(), replicas, isr, leader,
                    leaderChanges ? p.leaderEpoch() + 1 : p.leaderEpoch(), p.partitionEpoch() + 1,
                    r.addingReplicas(), r.removingReplicas());
            SortedMap<Integer, PartitionImage> partitions = new TreeMap<>(topic.partitions());
            partitions.put(r.partition(), changed);
            putTopic(new TopicImage(topic.id(), topic.name(), partitions, topic.configs()));
            remember(topic.id(), changed, r);
        }

        private void applyRemoveTopic(RemoveTopicRecord r) {
            TopicImage topic = topicsById.remove(r.topicId());
            if (topic != null) {
                topicsByName.remove(topic.name());
                history.removeTopic(topic.id());
            }
        }

        private void applyConfig(ConfigRecord r) {
            if (r.resourceType() == ConfigRecord.ResourceType.TOPIC) {
                TopicImage topic = topicsByName.get(r.resourceName());
                if (topic != null) {
                    putTopic(new TopicImage(topic.id(), topic.name(), topic.partitions(),
                            withEntry(topic.configs(), r.key(), r.value())));
                }
            } else {
                SortedMap<String, Map<String, String>> configs =
                        r.resourceType() == ConfigRecord.ResourceType.GROUP ? groupConfigs : brokerConfigs;
                Map<String, String> updated = withEntry(configs.getOrDefault(r.resourceName(), Map.of()),
                        r.key(), r.value());
                if (updated.isEmpty()) {
                    configs.remove(r.resourceName());
                } else {
                    configs.put(r.resourceName(), updated);
                }
            }
        }

        private void applyScramCredential(UserScramCredentialRecord r) {
            if (r.name().isEmpty() || ScramMechanism.forMechanismName(r.mechanism()) == null) {
                return;
            }
            Map<String, ScramCredentialImage> updated = new TreeMap<>(scramCredentials.getOrDefault(r.name(),
                    Map.of()));
            updated.put(r.mechanism(), new ScramCredentialImage(r.salt(), r.storedKey(), r.serverKey(),
                    r.iterations()));
            scramCredentials.put(r.name(), Collections.unmodifiableMap(updated));
        }

        private void applyClientQuota(ClientQuotaRecord r) {
            Map<String, Double> updated = new HashMap<>(clientQuotas.getOrDefault(r.entity(), Map.of()));
            if (r.remove()) {
                updated.remove(r.key());
            } else {
                updated.put(r.key(), r.value());
            }
            if (updated.isEmpty()) {
                clientQuotas.remove(r.entity());
            } else {
                clientQuotas.put(r.entity(), Collections.unmodifiableMap(updated));
            }
        }

        private void applyAcl(AccessControlEntryRecord r) {
            Acl acl = Acl.fromRecord(r);
            boolean present = acls.acls().containsKey(r.id()) && !removedAcls.contains(r.id());
            if (acl != null && !present) {
                addedAcls.putIfAbsent(r.id(), acl);
            }
        }

        private void applyRemoveScramCredential(RemoveUserScramCredentialRecord r) {
            Map<String, ScramCredentialImage> current = scramCredentials.get(r.name());
            if (current == null || !current.containsKey(r.mechanism())) {
                return;
            }
            Map<String, ScramCredentialImage> updated = new TreeMap<>(current);
            updated.remove(r.mechanism());
            if (updated.isEmpty()) {
                scramCredentials.remove(r.name());
            } else {
                scramCredentials.put(r.name(), Collections.unmodifiableMap(updated));
            }
        }

        private void applyProducerIds(ProducerIdsRecord r) {
            if (r.nextProducerId() > nextProducerId) {
                nextProducerId = r.nextProducerId();
            }
        }

        private void putTopic(TopicImage topic) {
            topicsByName.put(topic.name(), topic);
            topicsById.put(topic.id(), topic);
        }

        private static Map<String, String> withEntry(Map<String, String> map, String key, String value) {
            Map<String, String> copy = new TreeMap<>(map);
            if (value == null) {
                copy.remove(key);
            } else {
                copy.put(key, value);
            }
            return Map.copyOf(copy);
        }
    }
}
