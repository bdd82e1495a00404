package io.cairn.server;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import io.cairn.metadata.BrokerImage;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.PartitionImage;
import io.cairn.metadata.TopicImage;
import io.cairn.metadata.audit.Invariant;
import io.cairn.metadata.audit.Violation;

/**
 * What a node answers on {@code /health/live} and {@code /health/ready}, for process supervisors (Kubernetes
 * probes, compose health checks). Both are about this node only; the cluster's verdict is {@code cairn audit}.
 *
 * <ul>
 *   <li><b>Live</b> unless its metadata Raft member is stuck: leaderless while a majority of its peers answer
 *       (docs/adr/0011). Restarting the node is the remedy the operations guide gives for that, and it is the
 *       only state a restart mends; a node that merely cannot reach a quorum stays live, so that a whole
 *       cluster coming up, or a network partition, does not restart every node in a loop.</li>
 *   <li><b>Ready</b> once it serves clients from its own state and takes its full share of replication: it has
 *       caught up with the metadata to its own registration (the serving gate is open), it is registered and
 *       unfenced, the audit sees neither of its own invariants broken (its image caught up, it acts as leader
 *       exactly where the image says), and it is in the ISR of every partition it replicates that has a leader
 *       (a partition being reassigned excepted: a new replica copies for as long as the data takes).
 *       The last is what makes a rolling restart safe: the next node is taken down only once this one would be
 *       counted towards {@code min.insync.replicas} again.</li>
 * </ul>
 *
 * <p>Thread-safe if its suppliers are.
 */
final class NodeHealth {

    /** The audit's invariants about this node itself; the others are about the cluster's metadata. */
    static final Set<Invariant> OWN_INVARIANTS = EnumSet.of(Invariant.IMAGE_CAUGHT_UP,
            Invariant.LOCAL_LEADER_MATCHES_IMAGE);
    /** At most this many partitions are named when the node is out of their ISR. */
    private static final int MAX_NAMED = 5;

    /** An answer: whether the probe passes, and why, as one line. */
    record Verdict(boolean ok, String reason) {
    }

    private final int nodeId;
    private final Supplier<MetadataImage> image;
    private final BooleanSupplier caughtUp;
    private final BooleanSupplier raftStuck;
    private final Supplier<List<Violation>> violations;

    /**
     * @param caughtUp   whether the node serves clients yet (its serving gate is open)
     * @param raftStuck  whether its metadata Raft member is stuck (leaderless while its peers answer)
     * @param violations the audit's violations present now
     */
    NodeHealth(int nodeId, Supplier<MetadataImage> image, BooleanSupplier caughtUp, BooleanSupplier raftStuck,
               Supplier<List<Violation>> violations) {
        this.nodeId = nodeId;
        this.image = image;
        this.caughtUp = caughtUp;
        this.raftStuck = raftStuck;
        this.violations = violations;
    }

    Verdict liveness() {
        if (raftStuck.getAsBoolean()) {
            return new Verdict(false, "the metadata Raft member is stuck: it has known no leader for longer than "
                    + "its threshold although a majority of its peers answer");
        }
        return new Verdict(true, "live");
    }

    Verdict readiness() {
        if (!caughtUp.getAsBoolean()) {
            return new Verdict(false, "catching up with the metadata log to its own registration");
        }
        MetadataImage current = image.get();
        BrokerImage self = current.brokers().get(nodeId);
        if (self == null) {
            return new Verdict(false, "not registered in its metadata image");
        }
        if (self.fenced()) {
            return new Verdict(false, "registered but fenced");
        }
        for (Violation violation : violations.get()) {
            if (OWN_INVARIANTS.contains(violation.invariant())) {
                return new Verdict(false, "audit: " + violation);
            }
        }
        List<String> outOfIsr = new ArrayList<>();
        int count = 0;
        for (TopicImage topic : current.topicsByName().values()) {
            for (PartitionImage partition : topic.partitions().values()) {
                if (partition.replicas().contains(nodeId) && partition.leader() >= 0 && !partition.isReassigning()
                        && !partition.isr().contains(nodeId)) {
                    if (count++ < MAX_NAMED) {
                        outOfIsr.add(topic.name() + "-" + partition.partition());
                    }
                }
            }
        }
        if (count > 0) {
            return new Verdict(false, "not yet in the ISR of " + count + " partition(s) it replicates: "
                    + String.join(", ", outOfIsr) + (count > MAX_NAMED ? ", ..." : ""));
        }
        return new Verdict(true, "ready");
    }
}
