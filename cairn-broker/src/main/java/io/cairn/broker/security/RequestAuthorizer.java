package io.cairn.broker.security;

import java.util.function.Supplier;

import io.cairn.broker.handlers.AuthorizedOperations;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.acl.AclAuthorizer;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The authorizer as the request path sees it: the caller of a request ({@link RequestContext#principal()}, its
 * address) and an action, decided by {@link AclAuthorizer} over the ACLs of the node's current metadata image. One
 * volatile read of the image per decision: no lock, no I/O. Without an authorizer
 * ({@code authorizer.class.name} unset) everything is allowed, as in Kafka.
 *
 * <p>Thread-safe.
 */
public final class RequestAuthorizer {

    /** The only name of the CLUSTER resource. */
    public static final String CLUSTER = "kafka-cluster";

    private static final RequestAuthorizer NONE = new RequestAuthorizer(null, null);

    private final Supplier<MetadataImage> image;
    private final AclAuthorizer rules;

    private RequestAuthorizer(Supplier<MetadataImage> image, AclAuthorizer rules) {
        this.image = image;
        this.rules = rules;
    }

    /** No authorizer: every action is allowed, the ACL APIs answer SECURITY_DISABLED. */
    public static RequestAuthorizer none() {
        return NONE;
    }

    /** Kafka's StandardAuthorizer over the ACLs of the image {@code image} gives at each decision. */
    public static RequestAuthorizer standard(Supplier<MetadataImage> image, AclAuthorizer rules) {
        return new RequestAuthorizer(image, rules);
    }

    public boolean enabled() {
        return rules != null;
    }

    public boolean authorize(RequestContext context, AclOperation operation, ResourceType type, String name) {
        return authorize(image.get(), principal(context), host(context), operation, type, name);
    }

    /** One decision over a given image, for a caller whose principal and host strings are already known. */
    boolean authorize(MetadataImage current, String principal, String host, AclOperation operation, ResourceType type,
                      String name) {
        return rules == null || rules.authorize(current.acls(), principal, host, operation, type, name);
    }

    public boolean authorizeCluster(RequestContext context, AclOperation operation) {
        return authorize(context, operation, ResourceType.CLUSTER, CLUSTER);
    }

    /** Whether the caller may perform {@code operation} on at least one resource of {@code type}. */
    public boolean authorizeByResourceType(RequestContext context, AclOperation operation, ResourceType type) {
        return rules == null || rules.authorizeByResourceType(image.get().acls(), principal(context), host(context),
                operation, type);
    }

    /** The KIP-430 bit field of the operations the caller may perform on a topic, group or the cluster. */
    public int authorizedOperations(RequestContext context, ResourceType type, String name) {
        if (rules == null) {
            return AuthorizedOperations.all(type);
        }
        int bits = 0;
        for (AclOperation operation : AuthorizedOperations.supported(type)) {
            if (authorize(context, operation, type, name)) {
                bits |= 1 << operation.code();
            }
        }
        return bits;
    }

    static String principal(RequestContext context) {
        return context.principal() == null ? "User:ANONYMOUS" : context.principal().toString();
    }

    static String host(RequestContext context) {
        return context.clientAddress() == null || context.clientAddress().getAddress() == null ? ""
                : context.clientAddress().getAddress().getHostAddress();
    }
}
