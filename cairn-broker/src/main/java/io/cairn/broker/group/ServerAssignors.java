package io.cairn.broker.group;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import io.cairn.metadata.MetadataImage;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.coordinator.group.api.assignor.ConsumerGroupPartitionAssignor;
import org.apache.kafka.coordinator.group.api.assignor.GroupAssignment;
import org.apache.kafka.coordinator.group.api.assignor.GroupSpec;
import org.apache.kafka.coordinator.group.api.assignor.MemberAssignment;
import org.apache.kafka.coordinator.group.api.assignor.MemberSubscription;
import org.apache.kafka.coordinator.group.api.assignor.SubscribedTopicDescriber;
import org.apache.kafka.coordinator.group.api.assignor.SubscriptionType;
import org.apache.kafka.coordinator.group.assignor.RangeAssignor;
import org.apache.kafka.coordinator.group.assignor.UniformAssignor;

/**
 * The server-side assignors of consumer groups ({@code group.consumer.assignors}): Kafka's own {@code uniform} and
 * {@code range} assignors, or any {@link ConsumerGroupPartitionAssignor} named by class, called through Kafka's public
 * assignor API so that a group gets exactly the assignment a Kafka cluster would compute. The first one is the
 * default; a group uses the one most of its members ask for.
 *
 * <p>Thread-safe if the assignors are (Kafka's are stateless).
 */
final class ServerAssignors {

    private final Map<String, ConsumerGroupPartitionAssignor> byName;

    private ServerAssignors(Map<String, ConsumerGroupPartitionAssignor> byName) {
        this.byName = byName;
    }

    /**
     * @param names {@code uniform}, {@code range} or class names of {@link ConsumerGroupPartitionAssignor}s
     * @throws ConfigException an unknown name or a class that cannot be made an assignor
     */
    static ServerAssignors of(List<String> names) {
        Map<String, ConsumerGroupPartitionAssignor> byName = new LinkedHashMap<>();
        for (String name : names) {
            ConsumerGroupPartitionAssignor assignor = switch (name.trim()) {
                case UniformAssignor.NAME -> new UniformAssignor();
                case RangeAssignor.NAME -> new RangeAssignor();
                default -> instantiate(name.trim());
            };
            byName.putIfAbsent(assignor.name(), assignor);
        }
        if (byName.isEmpty()) {
            throw new ConfigException("group.consumer.assignors", names, "At least one assignor is required");
        }
        return new ServerAssignors(byName);
    }

    private static ConsumerGroupPartitionAssignor instantiate(String className) {
        try {
            Object assignor = Class.forName(className).getDeclaredConstructor().newInstance();
            if (assignor instanceof ConsumerGroupPartitionAssignor a) {
                return a;
            }
            throw new ConfigException("group.consumer.assignors", className, "Not a ConsumerGroupPartitionAssignor");
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new ConfigException("group.consumer.assignors", className, "Unknown assignor (built-in: uniform, "
                    + "range; or the class name of a ConsumerGroupPartitionAssignor): " + e);
        }
    }

    boolean supports(String name) {
        return byName.containsKey(name);
    }

    String names() {
        return String.join(", ", byName.keySet());
    }

    String defaultName() {
        return byName.keySet().iterator().next();
    }

    /** The assignor most members ask for, else the default. */
    String preferred(Collection<ConsumerMember> members) {
        Map<String, Integer> counts = new HashMap<>();
        for (ConsumerMember member : members) {
            if (member.serverAssignor() != null && byName.containsKey(member.serverAssignor())) {
                counts.merge(member.serverAssignor(), 1, Integer::sum);
            }
        }
        return counts.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey)
                .orElse(defaultName());
    }

    /**
     * A new target assignment of {@code members}, sticky to their current targets.
     *
     * @param subscriptions the existing topics each member subscribes to
     * @return each member's target
     */
    Map<String, Assignment> assign(String assignorName, Collection<ConsumerMember> members,
                                   Function<ConsumerMember, Set<Uuid>> subscriptions, MetadataImage image) {
        Map<String, ConsumerMember> byId = new LinkedHashMap<>();
        Map<String, Set<Uuid>> subscribed = new HashMap<>();
        Map<Uuid, Map<Integer, String>> targetOwners = new HashMap<>();
        for (ConsumerMember member : members) {
            byId.put(member.memberId(), member);
            subscribed.put(member.memberId(), subscriptions.apply(member));
            member.target().forEach((topicId, p) -> targetOwners.computeIfAbsent(topicId, t -> new HashMap<>())
                    .put(p, member.memberId()));
        }
        SubscriptionType type = new HashSet<>(subscribed.values()).size() <= 1 ? SubscriptionType.HOMOGENEOUS
                : SubscriptionType.HETEROGENEOUS;
        GroupSpec spec = new GroupSpec() {
            @Override
            public Collection<String> memberIds() {
                return byId.keySet();
            }

            @Override
            public SubscriptionType subscriptionType() {
                return type;
            }

            @Override
            public boolean isPartitionAssigned(Uuid topicId, int partition) {
                return targetOwners.getOrDefault(topicId, Map.of()).containsKey(partition);
            }

            @Override
            public boolean isPartitionAssignable(Uuid topicId, int partition) {
                return true;
            }

            @Override
            public MemberSubscription memberSubscription(String memberId) {
                ConsumerMember member = byId.get(memberId);
                return new MemberSubscription() {
                    @Override
                    public Optional<String> rackId() {
                        return Optional.ofNullable(member.rackId());
                    }

                    @Override
                    public Optional<String> instanceId() {
                        return Optional.ofNullable(member.instanceId());
                    }

                    @Override
                    public Set<Uuid> subscribedTopicIds() {
                        return subscribed.get(memberId);
                    }
                };
            }

            @Override
            public MemberAssignment memberAssignment(String memberId) {
                Map<Uuid, Set<Integer>> target = byId.get(memberId).target().partitions();
                return () -> target;
            }
        };
        SubscribedTopicDescriber topics = new SubscribedTopicDescriber() {
            @Override
            public int numPartitions(Uuid topicId) {
                return image.topic(topicId).map(t -> t.partitions().size()).orElse(-1);
            }

            @Override
            public Set<String> racksForPartition(Uuid topicId, int partition) {
                return Set.of();
            }
        };
        GroupAssignment assignment = byName.get(assignorName).assign(spec, topics);
        Map<String, Assignment> targets = new HashMap<>();
        for (String memberId : byId.keySet()) {
            MemberAssignment target = assignment.members().get(memberId);
            targets.put(memberId, target == null ? Assignment.EMPTY : new Assignment(target.partitions()));
        }
        return targets;
    }
}
