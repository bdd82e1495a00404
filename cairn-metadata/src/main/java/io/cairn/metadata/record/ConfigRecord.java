package io.cairn.metadata.record;

import java.util.Objects;

/**
 * Sets or deletes one config override. A TOPIC override of an unknown topic is a no-op.
 *
 * @param resourceName the topic name, the broker id ("" for the cluster-wide broker default), or the group id
 * @param value        the new value, or null to delete the override
 */
public record ConfigRecord(ResourceType resourceType, String resourceName, String key, String value)
        implements MetadataRecord {

    /** The kinds of config resources the metadata log holds. */
    public enum ResourceType { TOPIC, BROKER, GROUP }

    public ConfigRecord {
        Objects.requireNonNull(resourceType, "resourceType");
        Objects.requireNonNull(resourceName, "resourceName");
        Objects.requireNonNull(key, "key");
    }
}
