package io.cairn.broker.group;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.TopicImage;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;

/**
 * The consumer protocol embedded in classic JoinGroup/SyncGroup bytes, for classic members of a consumer group (Kafka's
 * online migration): subscriptions and assignments between ConsumerProtocol's wire form, named by topic, and
 * {@link Assignment}s, named by topic id. Topics the image does not know are left out.
 *
 * <p>Thread-safe (stateless).
 */
final class ClassicMembers {

    private ClassicMembers() {
    }

    /** A classic member's subscription: its topics, the partitions it owns and its rack. */
    record Subscription(List<String> topics, Assignment owned, String rackId) {
    }

    /** @throws org.apache.kafka.common.protocol.types.SchemaException bytes that are not a consumer subscription */
    static Subscription subscription(byte[] metadata, MetadataImage image) {
        ConsumerPartitionAssignor.Subscription subscription =
                ConsumerProtocol.deserializeSubscription(ByteBuffer.wrap(metadata));
        return new Subscription(subscription.topics(), toAssignment(subscription.ownedPartitions(), image),
                subscription.rackId().orElse(null));
    }

    /** A classic assignment's partitions; null when it carries user data, which a server assignor would drop. */
    static Assignment assignment(byte[] bytes, MetadataImage image) {
        if (bytes == null || bytes.length == 0) {
            return Assignment.EMPTY;
        }
        ConsumerPartitionAssignor.Assignment assignment = ConsumerProtocol.deserializeAssignment(ByteBuffer.wrap(bytes));
        if (assignment.userData() != null && assignment.userData().hasRemaining()) {
            return null;
        }
        return toAssignment(assignment.partitions(), image);
    }

    /** {@code assignment} as ConsumerProtocol bytes, in the version of the member's {@code subscription}. */
    static byte[] serializeAssignment(Assignment assignment, byte[] subscription, MetadataImage image) {
        List<TopicPartition> partitions = new ArrayList<>();
        assignment.forEach((topicId, p) -> image.topic(topicId).ifPresent(t -> partitions.add(
                new TopicPartition(t.name(), p))));
        short version = ConsumerProtocol.deserializeVersion(ByteBuffer.wrap(subscription));
        ByteBuffer bytes = ConsumerProtocol.serializeAssignment(new ConsumerPartitionAssignor.Assignment(partitions),
                version);
        byte[] out = new byte[bytes.remaining()];
        bytes.get(out);
        return out;
    }

    private static Assignment toAssignment(List<TopicPartition> partitions, MetadataImage image) {
        Map<Uuid, Set<Integer>> byId = new HashMap<>();
        for (TopicPartition tp : partitions) {
            TopicImage topic = image.topic(tp.topic()).orElse(null);
            if (topic != null) {
                byId.computeIfAbsent(topic.id(), id -> new HashSet<>()).add(tp.partition());
            }
        }
        return new Assignment(byId);
    }
}
