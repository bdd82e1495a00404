package io.cairn.broker.handlers;

import static org.apache.kafka.common.acl.AclOperation.ALTER;
import static org.apache.kafka.common.acl.AclOperation.ALTER_CONFIGS;
import static org.apache.kafka.common.acl.AclOperation.CLUSTER_ACTION;
import static org.apache.kafka.common.acl.AclOperation.CREATE;
import static org.apache.kafka.common.acl.AclOperation.DELETE;
import static org.apache.kafka.common.acl.AclOperation.DESCRIBE;
import static org.apache.kafka.common.acl.AclOperation.DESCRIBE_CONFIGS;
import static org.apache.kafka.common.acl.AclOperation.IDEMPOTENT_WRITE;
import static org.apache.kafka.common.acl.AclOperation.READ;
import static org.apache.kafka.common.acl.AclOperation.WRITE;

import java.util.Set;
import java.util.stream.Collectors;

import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.utils.Utils;

/**
 * The operations a caller may perform on a resource, as Metadata, DescribeCluster and DescribeGroups report
 * them when asked ({@code include_*_authorized_operations}): a 32-bit field with bit {@code op.code()} set per
 * allowed operation (KIP-430). With no authorizer, Kafka allows every operation the resource type supports, and
 * so does Cairn; with an authorizer the set is narrowed per caller
 * ({@link io.cairn.broker.security.RequestAuthorizer#authorizedOperations}).
 */
public final class AuthorizedOperations {

    /** The schema's default: the caller did not ask. */
    public static final int NOT_REQUESTED = Integer.MIN_VALUE;

    private static final Set<AclOperation> TOPIC_OPERATIONS = Set.of(READ, WRITE, CREATE, DESCRIBE, DELETE, ALTER,
            DESCRIBE_CONFIGS, ALTER_CONFIGS);
    private static final Set<AclOperation> GROUP_OPERATIONS = Set.of(READ, DESCRIBE, DELETE, DESCRIBE_CONFIGS,
            ALTER_CONFIGS);
    private static final Set<AclOperation> CLUSTER_OPERATIONS = Set.of(CREATE, CLUSTER_ACTION, DESCRIBE_CONFIGS,
            ALTER_CONFIGS, IDEMPOTENT_WRITE, ALTER, DESCRIBE);
    private static final int TOPIC = bits(TOPIC_OPERATIONS);
    private static final int GROUP = bits(GROUP_OPERATIONS);
    private static final int CLUSTER = bits(CLUSTER_OPERATIONS);

    private AuthorizedOperations() {
    }

    /** Every operation Kafka defines for {@code type} (topic, group or cluster). */
    public static int all(ResourceType type) {
        return switch (type) {
            case TOPIC -> TOPIC;
            case GROUP -> GROUP;
            case CLUSTER -> CLUSTER;
            default -> throw new IllegalArgumentException("No authorized operations reported for " + type);
        };
    }

    /** The operations Kafka reports for {@code type} (topic, group or cluster). */
    public static Set<AclOperation> supported(ResourceType type) {
        return switch (type) {
            case TOPIC -> TOPIC_OPERATIONS;
            case GROUP -> GROUP_OPERATIONS;
            case CLUSTER -> CLUSTER_OPERATIONS;
            default -> throw new IllegalArgumentException("No authorized operations reported for " + type);
        };
    }

    private static int bits(Set<AclOperation> operations) {
        return Utils.to32BitField(operations.stream().map(AclOperation::code).collect(Collectors.toSet()));
    }
}
