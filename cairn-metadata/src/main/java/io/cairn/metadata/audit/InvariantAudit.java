package io.cairn.metadata.audit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import io.cairn.metadata.BrokerImage;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.PartitionId;
import io.cairn.metadata.PartitionImage;
import io.cairn.metadata.TopicImage;

/**
 * Checks the leadership invariants of the architecture notes against one node's metadata image and its own
 * replica roles, and returns what breaks them with the evidence. Plain logic: no threads, no clock, no
 * logging; what to do with a violation (metric, WARN once) is the caller's business.
 *
 * <p>Thread-safe (stateless).
 */
public final class InvariantAudit {

    private InvariantAudit() {
    }

    /**
     * The invariants of one committed image, and of the step from {@code previous} to it: every partition's
     * leader is a live, unfenced, registered broker in the ISR; leader, partition and broker epochs do not
     * decrease; no two broker ids hold one host:port. A partition without leader (-1) is offline, which the
     * controller decides with a reason: not a violation here.
     */
    public static List<Violation> checkImage(MetadataImage previous, MetadataImage next) {
        List<Violation> violations = new ArrayList<>();
        for (TopicImage topic : next.topicsByName().values()) {
            Optional<TopicImage> before = previous.topic(topic.id());
            for (PartitionImage p : topic.partitions().values()) {
                String subject = topic.name() + "-" + p.partition();
                checkLeader(next, p, subject, violations);
                // An unchanged topic is the same object in both images: nothing of it can have gone backwards.
                if (before.isPresent() && before.get() != topic) {
                    PartitionImage was = before.get().partitions().get(p.partition());
                    if (was != null && (p.leaderEpoch() < was.leaderEpoch()
                            || p.partitionEpoch() < was.partitionEpoch())) {
                        violations.add(new Violation(Invariant.EPOCHS_GROW, subject, "leader epoch "
                                + was.leaderEpoch() + " -> " + p.leaderEpoch() + ", partition epoch "
                                + was.partitionEpoch() + " -> " + p.partitionEpoch() + " from offset "
                                + previous.offset() + " to " + next.offset()));
                    }
                }
            }
        }
        Map<String, List<BrokerImage>> byEndpoint = new TreeMap<>();
        for (BrokerImage broker : next.brokers().values()) {
            BrokerImage was = previous.brokers().get(broker.id());
            if (was != null && broker.epoch() < was.epoch()) {
                violations.add(new Violation(Invariant.EPOCHS_GROW, "broker " + broker.id(), "broker epoch "
                        + was.epoch() + " -> " + broker.epoch() + " from offset " + previous.offset() + " to "
                        + next.offset()));
            }
            byEndpoint.computeIfAbsent(broker.host() + ":" + broker.port(), k -> new ArrayList<>()).add(broker);
        }
        byEndpoint.forEach((endpoint, brokers) -> {
            if (brokers.size() > 1) {
                violations.add(new Violation(Invariant.SINGLE_REGISTRATION, "endpoint " + endpoint,
                        "registered by brokers " + brokers.stream().map(b -> b.id() + " (epoch " + b.epoch()
                                + (b.fenced() ? ", fenced" : "") + ")").toList() + " at offset " + next.offset()));
            }
        });
        return violations;
    }

    private static void checkLeader(MetadataImage image, PartitionImage p, String subject, List<Violation> out) {
        if (p.leader() == -1) {
            return;
        }
        BrokerImage leader = image.brokers().get(p.leader());
        if (leader == null || leader.fenced()) {
            out.add(new Violation(Invariant.LEADER_LIVE, subject, "leader " + p.leader() + " at leader epoch "
                    + p.leaderEpoch() + (leader == null ? " is not a registered broker" : " is fenced (broker epoch "
                    + leader.epoch() + ")") + "; registered brokers " + image.brokers().keySet() + " at offset "
                    + image.offset()));
        }
        if (!p.isr().contains(p.leader())) {
            out.add(new Violation(Invariant.LEADER_IN_ISR, subject, "leader " + p.leader() + " at leader epoch "
                    + p.leaderEpoch() + " is not in the ISR " + p.isr() + " (replicas " + p.replicas()
                    + ", partition epoch " + p.partitionEpoch() + ") at offset " + image.offset()));
        }
    }

    /**
     * Whether this node acts as leader of exactly the partitions, and at the leader epochs, its image names it
     * for: no node leads a partition the image gives to another node (so at most one node acts as leader of a
     * partition at a time, when every node passes), and none leaves a partition it was given without a leader.
     * A partition the image gives this node but that it does not host (its log is offline) is not checked: the
     * node reports it offline and the controller moves it. As leader, every replica outside the ISR must be
     * there for a reason the leader states ({@link Invariant#REPLICAS_IN_ISR_OR_LAGGING}).
     *
     * @param roles the roles of the partitions this node hosts, all taken after it acted on {@code image}
     */
    public static List<Violation> checkLocalRoles(int nodeId, MetadataImage image, Map<PartitionId, LocalRole> roles) {
        List<Violation> violations = new ArrayList<>();
        roles.forEach((id, role) -> {
            Optional<TopicImage> topic = image.topic(id.topicId());
            PartitionImage p = topic.map(t -> t.partitions().get(id.partition())).orElse(null);
            String subject = topic.map(t -> t.name() + "-" + id.partition()).orElse(id.toString());
            if (p == null) {
                if (role.leader()) {
                    violations.add(new Violation(Invariant.LOCAL_LEADER_MATCHES_IMAGE, subject, "node " + nodeId
                            + " acts as leader at leader epoch " + role.leaderEpoch() + " of a partition its image"
                            + " at offset " + image.offset() + " does not hold"));
                }
                return;
            }
            boolean imageLeader = p.leader() == nodeId;
            if (role.leader() != imageLeader || (role.leader() && role.leaderEpoch() != p.leaderEpoch())) {
                violations.add(new Violation(Invariant.LOCAL_LEADER_MATCHES_IMAGE, subject, "node " + nodeId
                        + " acts as " + (role.leader() ? "leader" : "follower") + " at leader epoch "
                        + role.leaderEpoch() + "; its image at offset " + image.offset() + " names leader "
                        + p.leader() + " at leader epoch " + p.leaderEpoch()));
            } else if (role.leader()) {
                role.unexplainedOutOfIsr().forEach((replica, evidence) -> violations.add(new Violation(
                        Invariant.REPLICAS_IN_ISR_OR_LAGGING, subject + " replica " + replica, "leader " + nodeId
                        + " at leader epoch " + role.leaderEpoch() + " keeps replica " + replica + " out of the ISR "
                        + p.isr() + " without a reason: " + evidence)));
            }
        });
        return violations;
    }

    /**
     * Whether the node's image has caught up with the metadata log: it may be behind {@code committedOffset} by
     * at most {@code maxLag} entries. Callers pass an offset committed some time ago (one check earlier), so a
     * node that applies what is committed in time is never reported, however busy the log.
     *
     * @param committedOffset a committed offset of the metadata log, -1 when unknown (nothing is reported)
     */
    public static Optional<Violation> checkCaughtUp(int nodeId, long imageOffset, long committedOffset, long maxLag) {
        if (committedOffset < 0 || committedOffset - imageOffset <= maxLag) {
            return Optional.empty();
        }
        return Optional.of(new Violation(Invariant.IMAGE_CAUGHT_UP, "node " + nodeId, "image at offset "
                + imageOffset + " is " + (committedOffset - imageOffset) + " entries behind committed offset "
                + committedOffset + " (bound " + maxLag + ")"));
    }
}
