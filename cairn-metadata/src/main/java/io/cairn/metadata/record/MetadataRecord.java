package io.cairn.metadata.record;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * One change to the cluster metadata, as written to the metadata log. Records are decided by the
 * active controller and applied, in log order, by every node ({@link io.cairn.metadata.MetadataImage#apply}).
 * Apply validates each record against the image, so a record that no longer fits (a stale epoch, a topic
 * already gone) is a no-op on every node alike.
 *
 * <p>The {@code type} tag names are part of the on-disk format: never rename one; add new types instead.
 *
 * <p>Thread-safe (immutable values).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = ClusterIdRecord.class, name = "ClusterId"),
        @JsonSubTypes.Type(value = RegisterBrokerRecord.class, name = "RegisterBroker"),
        @JsonSubTypes.Type(value = BrokerFencingChange.class, name = "BrokerFencingChange"),
        @JsonSubTypes.Type(value = TopicRecord.class, name = "Topic"),
        @JsonSubTypes.Type(value = PartitionRecord.class, name = "Partition"),
        @JsonSubTypes.Type(value = PartitionChangeRecord.class, name = "PartitionChange"),
        @JsonSubTypes.Type(value = RemoveTopicRecord.class, name = "RemoveTopic"),
        @JsonSubTypes.Type(value = ConfigRecord.class, name = "Config"),
        @JsonSubTypes.Type(value = ProducerIdsRecord.class, name = "ProducerIds"),
        @JsonSubTypes.Type(value = FeatureLevelRecord.class, name = "FeatureLevel"),
        @JsonSubTypes.Type(value = PartitionReassignmentRecord.class, name = "PartitionReassignment"),
})
public sealed interface MetadataRecord permits ClusterIdRecord, RegisterBrokerRecord, BrokerFencingChange,
        TopicRecord, PartitionRecord, PartitionChangeRecord, RemoveTopicRecord, ConfigRecord, ProducerIdsRecord,
        FeatureLevelRecord, PartitionReassignmentRecord {
}
