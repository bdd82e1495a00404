package io.cairn.metadata.controller;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;

import io.cairn.metadata.BrokerImage;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.PartitionImage;
import io.cairn.metadata.TopicImage;
import io.cairn.metadata.config.DynamicBrokerConfigs;
import io.cairn.metadata.config.TopicConfigs;
import io.cairn.metadata.record.BrokerFencingChange;
import io.cairn.metadata.record.ChangeReason;
import io.cairn.metadata.record.MetadataRecord;
import io.cairn.metadata.record.PartitionChangeRecord;
import org.apache.kafka.common.config.TopicConfig;

/**
 * Decides partition leadership and ISR membership when brokers come and go: fencing (lease expiry, a broker's
 * own request, controlled shutdown), unfencing, re-registration, reconciliation of a whole image on
 * activation, and preferred-leader rebalancing. Every function is pure: {@code image -> records}.
 *
 * <h2>The election rule (one rule, used everywhere)</h2>
 * A broker is <em>live</em> when it is registered and unfenced. For each partition: the new ISR is the old ISR
 * without the brokers that are not live, unless that would leave it empty, in which case the ISR is kept as it
 * is (its last members keep their claim to the data; nothing acknowledged is given up). The leader stays if it
 * is live and in the new ISR; otherwise it is the first replica, in replica order, that is live and in the new
 * ISR; otherwise, when unclean election is enabled for the topic, the first live replica (with ISR = [it]);
 * otherwise -1 (offline). A partition whose leader is live and in an ISR of live brokers never changes, so
 * idle, healthy partitions never cause elections.
 *
 * <p>A replica whose broker reports the partition offline ({@link OfflineReplicas}: its log cannot be loaded or
 * created) counts as not live <em>for that partition only</em>: it leaves the ISR unless it is the last member,
 * and it is not elected. So a broker that reports a partition offline is handled as if it were fenced, limited to that
 * partition; once it no longer reports it, it is eligible again. Every function below takes the controller's
 * current {@link OfflineReplicas}; the overloads without one assume {@link OfflineReplicas#NONE}.
 *
 * <p>Thread-safe (stateless, pure).
 */
public final class ReplicationControl {

    /** How many preferred-leader moves one rebalance pass writes at most (one batch). */
    static final int MAX_REBALANCE_MOVES = 1000;

    private ReplicationControl() {
    }

    /** Whether {@code brokerId} is registered and unfenced in {@code image}. */
    public static boolean isLive(MetadataImage image, int brokerId) {
        BrokerImage b = image.brokers().get(brokerId);
        return b != null && !b.fenced();
    }

    /**
     * Fences a broker in one batch: the fencing record, then a change for every partition it leads or is in
     * the ISR of (removed from the ISR, a new leader elected), all for {@code reason}. Empty when it is unknown or
     * already fenced.
     */
    public static List<MetadataRecord> fenceBroker(MetadataImage image, ControllerSettings settings, int brokerId,
                                                   ChangeReason reason) {
        return fenceBroker(image, settings, OfflineReplicas.NONE, brokerId, reason);
    }

    public static List<MetadataRecord> fenceBroker(MetadataImage image, ControllerSettings settings,
                                                   OfflineReplicas offline, int brokerId, ChangeReason reason) {
        BrokerImage broker = image.brokers().get(brokerId);
        if (broker == null || broker.fenced()) {
            return List.of();
        }
        List<MetadataRecord> records = new ArrayList<>();
        BrokerFencingChange fence = new BrokerFencingChange(brokerId, broker.epoch(), true, reason);
        records.add(fence);
        MetadataImage fenced = image.apply(image.offset(), fence);
        records.addAll(changes(fenced, settings, offline,
                p -> p.leader() == brokerId || p.isr().contains(brokerId), reason));
        return records;
    }

    /**
     * Unfences a broker in one batch: the unfencing record, then elections for the offline partitions it can
     * now lead (it is in their ISR, or unclean election is enabled for the topic). Empty when it is unknown or
     * already unfenced.
     */
    public static List<MetadataRecord> unfenceBroker(MetadataImage image, ControllerSettings settings,
                                                     int brokerId) {
        return unfenceBroker(image, settings, OfflineReplicas.NONE, brokerId);
    }

    public static List<MetadataRecord> unfenceBroker(MetadataImage image, ControllerSettings settings,
                                                     OfflineReplicas offline, int brokerId) {
        BrokerImage broker = image.brokers().get(brokerId);
        if (broker == null || !broker.fenced()) {
            return List.of();
        }
        List<MetadataRecord> records = new ArrayList<>();
        BrokerFencingChange unfence = new BrokerFencingChange(brokerId, broker.epoch(), false,
                ChangeReason.BROKER_UNFENCED);
        records.add(unfence);
        MetadataImage unfenced = image.apply(image.offset(), unfence);
        records.addAll(changes(unfenced, settings, offline,
                p -> p.leader() == -1 && p.replicas().contains(brokerId), ChangeReason.BROKER_UNFENCED));
        return records;
    }

    /**
     * After a registration record at a new broker epoch (the broker starts fenced): moves away every leadership
     * and ISR membership the previous incarnation held. {@code registered} is the image with the record applied.
     */
    public static List<MetadataRecord> afterRegistration(MetadataImage registered, ControllerSettings settings,
                                                         int brokerId) {
        return afterRegistration(registered, settings, OfflineReplicas.NONE, brokerId);
    }

    public static List<MetadataRecord> afterRegistration(MetadataImage registered, ControllerSettings settings,
                                                         OfflineReplicas offline, int brokerId) {
        return changes(registered, settings, offline,
                p -> p.leader() == brokerId || p.isr().contains(brokerId), ChangeReason.BROKER_REGISTERED);
    }

    /**
     * After a heartbeat that changed what {@code brokerId} reports offline (or its first heartbeat to this
     * controller), {@code offline} holding the new report: the election rule for every partition of which it
     * is a replica and the leader, an ISR member, or that has no leader. A partition it now reports offline
     * loses it from the ISR (unless it is the last member) and gets another leader if it led; a partition
     * without a leader that it can lead again gets it as leader. One record per changed partition; empty when
     * nothing changes (a repeated report, a broker that is fenced).
     */
    public static List<MetadataRecord> afterOfflineReport(MetadataImage image, ControllerSettings settings,
                                                          OfflineReplicas offline, int brokerId) {
        if (!isLive(image, brokerId)) {
            return List.of();
        }
        return changes(image, settings, offline, p -> p.replicas().contains(brokerId)
                && (p.leader() == brokerId || p.leader() == -1 || p.isr().contains(brokerId)),
                ChangeReason.OFFLINE_REPORT);
    }

    /** What reconciling a whole image gives: the records to write and the partitions left offline, with why. */
    public record Reconciliation(List<MetadataRecord> records, Map<String, String> offline) {
    }

    /**
     * One pass over the whole image (a new controller's first act): every partition whose leader is -1,
     * unregistered, fenced or outside its ISR gets a new leader by the election rule, and ISRs lose members
     * that are not live; a partition that still has no leader is reported offline with the reason.
     */
    public static Reconciliation reconcile(MetadataImage image, ControllerSettings settings) {
        return reconcile(image, settings, OfflineReplicas.NONE);
    }

    public static Reconciliation reconcile(MetadataImage image, ControllerSettings settings,
                                           OfflineReplicas offline) {
        List<MetadataRecord> records = changes(image, settings, offline, p -> true,
                ChangeReason.CONTROLLER_RECONCILE);
        MetadataImage after = image;
        for (MetadataRecord r : records) {
            after = after.apply(after.offset(), r);
        }
        return new Reconciliation(records, offlinePartitions(after));
    }

    /**
     * Automatic leader rebalance: moves leadership back to the preferred replica (the first) wherever it is
     * live and in the ISR but does not lead. Empty when leadership is balanced.
     */
    public static List<MetadataRecord> rebalance(MetadataImage image) {
        return rebalance(image, OfflineReplicas.NONE);
    }

    public static List<MetadataRecord> rebalance(MetadataImage image, OfflineReplicas offline) {
        List<MetadataRecord> records = new ArrayList<>();
        for (TopicImage topic : image.topicsByName().values()) {
            for (PartitionImage p : topic.partitions().values()) {
                if (records.size() >= MAX_REBALANCE_MOVES) {
                    return records;
                }
                preferredElection(image, offline, topic, p, ChangeReason.AUTO_LEADER_REBALANCE)
                        .ifPresent(records::add);
            }
        }
        return records;
    }

    /**
     * The change electing the preferred replica, if it is live, in the ISR, may lead ({@link OfflineReplicas})
     * and is not the leader already.
     */
    static Optional<PartitionChangeRecord> preferredElection(MetadataImage image, OfflineReplicas offline,
                                                             TopicImage topic, PartitionImage p,
                                                             ChangeReason reason) {
        if (p.replicas().isEmpty()) {
            return Optional.empty();
        }
        int preferred = p.replicas().get(0);
        if (p.leader() == preferred || !p.isr().contains(preferred) || !isLive(image, preferred)
                || !offline.mayLead(preferred, topic.id(), p)) {
            return Optional.empty();
        }
        return Optional.of(new PartitionChangeRecord(topic.id(), p.partition(), p.partitionEpoch(), preferred,
                null, null, reason));
    }

    /** Every partition without a leader, as "topic-partition" -> the reason, in topic and partition order. */
    public static Map<String, String> offlinePartitions(MetadataImage image) {
        Map<String, String> offline = new LinkedHashMap<>();
        for (TopicImage topic : image.topicsByName().values()) {
            for (PartitionImage p : topic.partitions().values()) {
                offlineReason(image, p).ifPresent(reason -> offline.put(topic.name() + "-" + p.partition(), reason));
            }
        }
        return offline;
    }

    /** Why a partition has no leader (for logs and the admin view); empty when it has one. */
    public static Optional<String> offlineReason(MetadataImage image, PartitionImage p) {
        if (p.leader() != -1) {
            return Optional.empty();
        }
        StringJoiner members = new StringJoiner(", ");
        boolean liveMember = false;
        for (int b : p.isr()) {
            BrokerImage broker = image.brokers().get(b);
            members.add(b + (broker == null ? " never registered" : broker.fenced() ? " fenced" : " live"));
            liveMember |= broker != null && !broker.fenced();
        }
        if (liveMember) {
            return Optional.of("no in-sync replica can lead (ISR [" + members + "], replicas " + p.replicas()
                    + "): a live member reports the partition's log offline (it cannot be loaded or created there), "
                    + "or has not heartbeated to the active controller yet; it leads again once it serves the log");
        }
        return Optional.of("no live in-sync replica (ISR [" + members + "], replicas " + p.replicas()
                + "); it gets a leader when an ISR member is unfenced, or a live replica if "
                + "unclean.leader.election.enable is set for the topic");
    }

    /** Whether unclean leader election is enabled for a topic: its override, else the broker settings. */
    static boolean uncleanElectionEnabled(MetadataImage image, ControllerSettings settings, TopicImage topic) {
        try {
            Object v = TopicConfigs.effective(settings.brokerConfigs(), DynamicBrokerConfigs.clusterDefaults(image), topic.configs())
                    .get(TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG);
            return Boolean.TRUE.equals(v);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The election rule applied to every partition {@code affected} selects; one record per changed one. */
    private static List<MetadataRecord> changes(MetadataImage image, ControllerSettings settings,
                                                OfflineReplicas offline,
                                                java.util.function.Predicate<PartitionImage> affected,
                                                ChangeReason reason) {
        List<MetadataRecord> records = new ArrayList<>();
        for (TopicImage topic : image.topicsByName().values()) {
            Boolean unclean = null;
            for (PartitionImage p : topic.partitions().values()) {
                if (!affected.test(p)) {
                    continue;
                }
                if (unclean == null) {
                    unclean = uncleanElectionEnabled(image, settings, topic);
                }
                elect(image, offline, topic, p, unclean, reason).ifPresent(records::add);
            }
        }
        return records;
    }

    /** The election rule for one partition, decided for {@code reason}; empty when nothing changes. */
    static Optional<PartitionChangeRecord> elect(MetadataImage image, OfflineReplicas offline, TopicImage topic,
                                                 PartitionImage p, boolean unclean, ChangeReason reason) {
        List<Integer> isr = new ArrayList<>();
        for (int b : p.isr()) {
            if (inSync(image, offline, topic, p, b)) {
                isr.add(b);
            }
        }
        if (isr.isEmpty()) {
            isr = new ArrayList<>(p.isr());
        }
        int leader = -1;
        if (p.leader() != -1 && inSync(image, offline, topic, p, p.leader()) && isr.contains(p.leader())) {
            leader = p.leader();
        } else {
            for (int r : p.replicas()) {
                if (canLead(image, offline, topic, p, r) && isr.contains(r)) {
                    leader = r;
                    break;
                }
            }
        }
        if (leader == -1 && unclean) {
            for (int r : p.replicas()) {
                if (canLead(image, offline, topic, p, r)) {
                    leader = r;
                    isr = List.of(r);
                    break;
                }
            }
        }
        boolean isrChanges = !isr.equals(p.isr());
        if (leader == p.leader() && !isrChanges) {
            return Optional.empty();
        }
        return Optional.of(new PartitionChangeRecord(topic.id(), p.partition(), p.partitionEpoch(),
                leader == p.leader() ? PartitionChangeRecord.NO_CHANGE : leader, isrChanges ? isr : null, null,
                reason));
    }

    /** Whether replica {@code b} of {@code p} may stay in its ISR: live, and not reporting it offline. */
    private static boolean inSync(MetadataImage image, OfflineReplicas offline, TopicImage topic, PartitionImage p,
                                  int b) {
        return isLive(image, b) && !offline.isOffline(b, topic.id(), p.partition());
    }

    /** Whether replica {@code b} of {@code p} may be elected its leader (ISR membership aside). */
    static boolean canLead(MetadataImage image, OfflineReplicas offline, TopicImage topic, PartitionImage p,
                           int b) {
        return isLive(image, b) && offline.mayLead(b, topic.id(), p);
    }
}
