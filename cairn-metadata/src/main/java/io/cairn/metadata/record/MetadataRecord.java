package io.cairn.metadata.record;

/**
 * One change to the cluster metadata, as written to the metadata log. Records are decided by the
 * active controller and applied, in log order, by every node ({@link io.cairn.metadata.MetadataImage#apply}).
 * Apply validates each record against the image, so a record that no longer fits (a stale epoch, a topic
 * already gone) is a no-op on every node alike.
 *
 * <p>The {@code type} tag names ({@link MetadataRecordSerde}) are part of the on-disk format: never rename one;
 * add new types instead.
 *
 * <p>Thread-safe (immutable values).
 */
public sealed interface MetadataRecord permits DecisionRecord, ClusterIdRecord, TopicRecord, RemoveTopicRecord,
        ConfigRecord, ProducerIdsRecord, FeatureLevelRecord, UserScramCredentialRecord,
        RemoveUserScramCredentialRecord, ClientQuotaRecord, AccessControlEntryRecord, RemoveAccessControlEntryRecord,
        PartitionHistoryRecord, BrokerHistoryRecord, DelegationTokenRecord, RemoveDelegationTokenRecord {
}
