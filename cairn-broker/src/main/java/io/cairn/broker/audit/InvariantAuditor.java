package io.cairn.broker.audit;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.cairn.broker.replica.Partition;
import io.cairn.broker.replica.ReplicaManager;
import io.cairn.broker.replica.ReplicaRole;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.MetadataListener;
import io.cairn.metadata.PartitionId;
import io.cairn.metadata.audit.Invariant;
import io.cairn.metadata.audit.InvariantAudit;
import io.cairn.metadata.audit.LocalRole;
import io.cairn.metadata.audit.Violation;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the {@link InvariantAudit} on this node: on every image it applies (as a listener registered after the
 * replica manager, so the roles it reads are those taken for that image) and periodically ({@link #checkNow},
 * scheduled by the server) for the node's own roles and how far its image is behind the committed metadata.
 * Logs one WARN per new violation with its evidence (a violation is new when the check before did not report
 * the same invariant and subject), one INFO when it is gone, and keeps the
 * {@code cairn_invariant_violations{invariant=...}} gauge (violations present now) and the
 * {@code cairn_invariant_violations_detected_total{invariant=...}} counter (new violations seen).
 *
 * <p>Thread-safe: {@link #onImage} runs on the metadata apply thread, {@link #checkNow} on the scheduler; the
 * bookkeeping of what was reported is synchronized.
 */
public final class InvariantAuditor implements MetadataListener, MeterBinder {

    private static final Logger LOG = LoggerFactory.getLogger(InvariantAuditor.class);

    /** This node's replica roles, as the auditor reads them. Implementations are thread-safe. */
    public interface LocalRoles {
        /** The offset of the last image the roles were taken for. */
        long actedOnOffset();

        /** The role of every partition this node hosts. */
        Map<PartitionId, LocalRole> roles();

        /** The roles of a replica manager's partitions. */
        static LocalRoles of(ReplicaManager replicas) {
            return new LocalRoles() {
                @Override
                public long actedOnOffset() {
                    return replicas.actedOnOffset();
                }

                @Override
                public Map<PartitionId, LocalRole> roles() {
                    Map<PartitionId, LocalRole> roles = new HashMap<>();
                    for (Partition partition : replicas.partitions()) {
                        ReplicaRole role = partition.role();
                        roles.put(new PartitionId(partition.topicId(), partition.topicPartition().partition()),
                                new LocalRole(role instanceof ReplicaRole.Leader, role.leaderEpoch(),
                                        partition.unexplainedOutOfIsr()));
                    }
                    return roles;
                }
            };
        }
    }

    /** Where a set of violations comes from: each source replaces only its own at each check. */
    private enum Source { IMAGE, PERIODIC }

    private final int nodeId;
    private final String logPrefix;
    private final Supplier<MetadataImage> image;
    private final LocalRoles replicas;
    private final LongSupplier committedOffset;
    private final long maxLag;
    private final Map<Source, Map<String, Violation>> active = new EnumMap<>(Source.class);
    private final Map<Invariant, AtomicLong> detected = new EnumMap<>(Invariant.class);
    private final Map<Invariant, Counter> counters = new EnumMap<>(Invariant.class);
    /** The committed offset seen at the periodic check before: the image must have reached it, within maxLag. */
    private long committedAtLastCheck = -1;
    /** Periodic checks completed since start. */
    private final AtomicLong checks = new AtomicLong();
    /** The replicas the periodic check before found outside an ISR without a reason, by violation key. */
    private Set<String> unexplainedAtLastCheck = Set.of();

    /**
     * @param committedOffset this node's committed metadata offset (-1 when unknown)
     * @param maxLag          how many entries the image may be behind what was committed one check earlier
     */
    public InvariantAuditor(int nodeId, Supplier<MetadataImage> image, LocalRoles replicas,
                            LongSupplier committedOffset, long maxLag) {
        this.nodeId = nodeId;
        this.logPrefix = "[node " + nodeId + "] ";
        this.image = image;
        this.replicas = replicas;
        this.committedOffset = committedOffset;
        this.maxLag = maxLag;
        for (Source source : Source.values()) {
            active.put(source, new LinkedHashMap<>());
        }
        for (Invariant invariant : Invariant.values()) {
            detected.put(invariant, new AtomicLong());
        }
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (Invariant invariant : Invariant.values()) {
            Gauge.builder("cairn.invariant.violations", this, a -> a.violationCount(invariant))
                    .description("Violations of this leadership invariant that this node sees now")
                    .tag("invariant", invariant.tag()).register(registry);
            synchronized (this) {
                Counter counter = Counter.builder("cairn.invariant.violations.detected")
                        .description("New violations of this leadership invariant this node has seen")
                        .tag("invariant", invariant.tag()).register(registry);
                counter.increment(detected.get(invariant).get());
                counters.put(invariant, counter);
            }
        }
    }

    @Override
    public void onImage(MetadataImage previous, MetadataImage next) {
        List<Violation> found = new ArrayList<>(InvariantAudit.checkImage(previous, next));
        // Follower progress is checked by the periodic audit only: right after an image, a follower that has
        // just caught up may not have fetched again to be proposed for the ISR.
        InvariantAudit.checkLocalRoles(nodeId, next, localRoles()).stream()
                .filter(v -> v.invariant() != Invariant.REPLICAS_IN_ISR_OR_LAGGING).forEach(found::add);
        report(Source.IMAGE, found);
    }

    /**
     * The periodic check: this node's roles against its image (when neither changed while they were read) and
     * the image against the offset committed one check earlier.
     */
    public void checkNow() {
        List<Violation> found = new ArrayList<>();
        MetadataImage current = image.get();
        long committed = committedOffset.getAsLong();
        if (replicas.actedOnOffset() >= current.offset()) {
            Map<PartitionId, LocalRole> roles = localRoles();
            // The image is published before the replica manager acts on it: a role read while a newer image
            // was being acted on shows as a newer current image, and is checked at the next round instead.
            if (image.get() == current) {
                found.addAll(InvariantAudit.checkLocalRoles(nodeId, current, roles));
            }
        }
        found = confirmUnexplainedOutOfIsr(found);
        long committedBefore;
        synchronized (this) {
            committedBefore = committedAtLastCheck;
            committedAtLastCheck = committed;
        }
        InvariantAudit.checkCaughtUp(nodeId, current.offset(), committedBefore, maxLag).ifPresent(found::add);
        report(Source.PERIODIC, found);
        checks.incrementAndGet();
    }

    /** How many periodic checks have completed since this node started. */
    public long completedChecks() {
        return checks.get();
    }

    /**
     * Keeps a replica left out of the ISR without a reason only when it was so at the check before too: an ISR
     * expansion takes a fetch, a controller round trip and an image, and one check can fall in between.
     */
    private List<Violation> confirmUnexplainedOutOfIsr(List<Violation> found) {
        Set<String> unexplained = new HashSet<>();
        List<Violation> confirmed = new ArrayList<>();
        synchronized (this) {
            for (Violation v : found) {
                if (v.invariant() != Invariant.REPLICAS_IN_ISR_OR_LAGGING) {
                    confirmed.add(v);
                } else if (unexplained.add(v.key()) && unexplainedAtLastCheck.contains(v.key())) {
                    confirmed.add(v);
                }
            }
            unexplainedAtLastCheck = unexplained;
        }
        return confirmed;
    }

    /** The violations present now (of both the last image and the last periodic check), for tests and tools. */
    public synchronized List<Violation> violations() {
        List<Violation> all = new ArrayList<>();
        Map<String, Violation> seen = new HashMap<>();
        for (Map<String, Violation> bySource : active.values()) {
            for (Violation v : bySource.values()) {
                if (seen.putIfAbsent(v.key(), v) == null) {
                    all.add(v);
                }
            }
        }
        return all;
    }

    /** How many new violations of {@code invariant} this node has seen since it started. */
    public long detectedCount(Invariant invariant) {
        return detected.get(invariant).get();
    }

    private synchronized long violationCount(Invariant invariant) {
        return violations().stream().filter(v -> v.invariant() == invariant).count();
    }

    private Map<PartitionId, LocalRole> localRoles() {
        return replicas.roles();
    }

    private synchronized void report(Source source, List<Violation> found) {
        Map<String, Violation> before = active.get(source);
        Map<String, Violation> now = new LinkedHashMap<>();
        for (Violation v : found) {
            now.putIfAbsent(v.key(), v);
        }
        for (Violation v : now.values()) {
            if (!before.containsKey(v.key()) && !reportedByOther(source, v.key())) {
                LOG.warn("{}Invariant {} violated by {}: {}", logPrefix, v.invariant().tag(), v.subject(),
                        v.evidence());
                detected.get(v.invariant()).incrementAndGet();
                Counter counter = counters.get(v.invariant());
                if (counter != null) {
                    counter.increment();
                }
            }
        }
        for (Violation v : before.values()) {
            if (!now.containsKey(v.key()) && !reportedByOther(source, v.key())) {
                LOG.info("{}Invariant {} holds again for {}", logPrefix, v.invariant().tag(), v.subject());
            }
        }
        active.put(source, now);
    }

    private boolean reportedByOther(Source source, String key) {
        for (Map.Entry<Source, Map<String, Violation>> entry : active.entrySet()) {
            if (entry.getKey() != source && entry.getValue().containsKey(key)) {
                return true;
            }
        }
        return false;
    }
}
