package io.cairn.metadata.acl;

import java.util.Objects;

import io.cairn.metadata.record.AccessControlEntryRecord;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * One stored ACL: a resource pattern (type, name, LITERAL or PREFIXED) and the entry that applies to it (principal
 * as {@code User:alice} or {@code User:*}, host or {@code *}, operation, ALLOW or DENY). The name {@code *} of a
 * LITERAL pattern matches every resource of the type. Every field is a concrete value (no UNKNOWN, ANY or MATCH).
 *
 * <p>Thread-safe (immutable).
 */
public record Acl(ResourceType resourceType, String resourceName, PatternType patternType, String principal,
                  String host, AclOperation operation, AclPermissionType permission) {

    /** The name of a LITERAL pattern, and the principal and host of an entry, that match everything. */
    public static final String WILDCARD = "*";
    /** The principal of an entry that applies to every user. */
    public static final String WILDCARD_PRINCIPAL = "User:*";

    public Acl {
        Objects.requireNonNull(resourceType, "resourceType");
        Objects.requireNonNull(resourceName, "resourceName");
        Objects.requireNonNull(patternType, "patternType");
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(permission, "permission");
    }

    /** The ACL a record adds, or null when one of its codes names no concrete value (the record is a no-op). */
    public static Acl fromRecord(AccessControlEntryRecord r) {
        ResourceType type = ResourceType.fromCode(r.resourceType());
        PatternType pattern = PatternType.fromCode(r.patternType());
        AclOperation operation = AclOperation.fromCode(r.operation());
        AclPermissionType permission = AclPermissionType.fromCode(r.permissionType());
        if (type == ResourceType.UNKNOWN || type == ResourceType.ANY || !pattern.isSpecific()
                || operation == AclOperation.UNKNOWN || operation == AclOperation.ANY
                || permission == AclPermissionType.UNKNOWN || permission == AclPermissionType.ANY) {
            return null;
        }
        return new Acl(type, r.resourceName(), pattern, r.principal(), r.host(), operation, permission);
    }

    public static Acl fromBinding(AclBinding binding) {
        return new Acl(binding.pattern().resourceType(), binding.pattern().name(), binding.pattern().patternType(),
                binding.entry().principal(), binding.entry().host(), binding.entry().operation(),
                binding.entry().permissionType());
    }

    public AccessControlEntryRecord toRecord(Uuid id) {
        return new AccessControlEntryRecord(id, resourceType.code(), resourceName, patternType.code(), principal,
                host, operation.code(), permission.code());
    }

    public AclBinding toBinding() {
        return new AclBinding(new ResourcePattern(resourceType, resourceName, patternType),
                new AccessControlEntry(principal, host, operation, permission));
    }
}
