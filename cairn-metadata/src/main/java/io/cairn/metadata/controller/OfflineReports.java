package io.cairn.metadata.controller;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.PartitionId;
import org.apache.kafka.common.message.BrokerHeartbeatRequestData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Active controller's soft state about offline partitions: per broker, what its last heartbeat of this term
 * reported offline ({@link OfflinePartitionsField}). Like the leases it lives and dies with the Active role: a
 * new controller starts with no report and learns each broker's from its next heartbeat.
 *
 * <p>Not thread-safe: confined to the controller's event loop.
 */
final class OfflineReports {

    private static final Logger LOG = LoggerFactory.getLogger(OfflineReports.class);
    /** How many partitions a log line names. */
    private static final int NAMED = 20;

    private final String logPrefix;
    /** Broker id -> its last report; absent until its first heartbeat of this term (or of its incarnation). */
    private final Map<Integer, Set<PartitionId>> reports = new HashMap<>();

    OfflineReports(String logPrefix) {
        this.logPrefix = logPrefix;
    }

    /** A new registration of {@code brokerId}: its new incarnation has reported nothing yet. */
    void forget(int brokerId) {
        reports.remove(brokerId);
    }

    /**
     * Takes the heartbeat's report as the broker's current one (a heartbeat without the field reports nothing
     * offline; a malformed field is ignored with a WARN). Returns whether it changed, the broker's first report
     * included.
     */
    boolean update(MetadataImage image, BrokerHeartbeatRequestData request) {
        int id = request.brokerId();
        Set<PartitionId> reported;
        try {
            reported = OfflinePartitionsField.read(request);
        } catch (IllegalArgumentException e) {
            LOG.warn("{}ignoring the offline partitions in a heartbeat of broker {}: {}", logPrefix, id,
                    e.getMessage());
            return false;
        }
        Set<PartitionId> previous = reports.put(id, reported);
        if (Objects.equals(previous, reported)) {
            return false;
        }
        if (!reported.isEmpty() || (previous != null && !previous.isEmpty())) {
            LOG.info("{}broker {} reports {} partitions offline{}", logPrefix, id, reported.size(),
                    reported.isEmpty() ? "" : " (their logs cannot be used): " + describe(image, reported));
        }
        return true;
    }

    /** What the deciders take: the reports, and which brokers registered in {@code image} have not reported. */
    OfflineReplicas view(MetadataImage image) {
        Set<Integer> unheard = new HashSet<>();
        for (int id : image.brokers().keySet()) {
            if (!reports.containsKey(id)) {
                unheard.add(id);
            }
        }
        return OfflineReplicas.of(reports, unheard);
    }

    /** Topic-partition names of the first partitions, for the log. */
    private static String describe(MetadataImage image, Set<PartitionId> partitions) {
        List<String> named = new ArrayList<>();
        for (PartitionId p : partitions) {
            if (named.size() == NAMED) {
                named.add("...");
                break;
            }
            named.add(image.topic(p.topicId()).map(t -> t.name() + "-" + p.partition()).orElse(p.toString()));
        }
        return String.join(", ", named);
    }
}
