package io.cairn.metadata.record;

import java.util.Objects;

import org.apache.kafka.common.Uuid;

/**
 * Adds one ACL (CreateAcls), as Kafka's record of the same name: its id, the resource pattern it applies to and the
 * entry (principal, host, operation, permission). The codes are Kafka's ({@code ResourceType}, {@code PatternType},
 * {@code AclOperation}, {@code AclPermissionType}); a record whose codes do not name a concrete value (UNKNOWN, ANY,
 * MATCH) is a no-op, as is a second record with an id already present.
 */
public record AccessControlEntryRecord(Uuid id, byte resourceType, String resourceName, byte patternType,
                                       String principal, String host, byte operation, byte permissionType)
        implements MetadataRecord {

    public AccessControlEntryRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(resourceName, "resourceName");
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(host, "host");
    }
}
