package io.cairn.broker.security;

import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.TopicImage;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The sender of one request and the authorizer that decides for it, with the one metadata image the whole request
 * is checked against (its ACLs, topic ids to names, which topics exist).
 *
 * <p>Not shared between requests; immutable.
 */
record Caller(RequestAuthorizer authorizer, RequestContext context, MetadataImage image, String principal,
              String host) {

    Caller(RequestAuthorizer authorizer, RequestContext context, MetadataImage image) {
        this(authorizer, context, image, RequestAuthorizer.principal(context), RequestAuthorizer.host(context));
    }

    boolean may(AclOperation operation, ResourceType type, String name) {
        return authorizer.authorize(image, principal, host, operation, type, name);
    }

    boolean mayOnTopic(AclOperation operation, String topic) {
        return may(operation, ResourceType.TOPIC, topic);
    }

    boolean mayOnCluster(AclOperation operation) {
        return may(operation, ResourceType.CLUSTER, RequestAuthorizer.CLUSTER);
    }

    int authorizedOperations(ResourceType type, String name) {
        return authorizer.authorizedOperations(context, type, name);
    }

    /** The name of a topic given by name, or by id (newer versions); null when the id is unknown here. */
    String topicName(String name, Uuid id) {
        if (name != null && !name.isEmpty()) {
            return name;
        }
        if (id == null || Uuid.ZERO_UUID.equals(id)) {
            return name;
        }
        TopicImage topic = image.topicsById().get(id);
        return topic == null ? null : topic.name();
    }
}
