package io.cairn.metadata.record;

/**
 * The levels of Cairn's metadata format feature, {@value #FEATURE_NAME} (docs/adr/0028): Cairn's counterpart of
 * Kafka's {@code metadata.version}, with its own levels (hence its own name: Kafka's tools would print Kafka release
 * names for {@code metadata.version} levels). The level finalized in the metadata log ({@link FeatureLevelRecord})
 * says what may be written: the batch format ({@link #batchFormat}) and the records in it. Every broker registers
 * the range of levels it supports; the level is raised only explicitly (UpdateFeatures, {@code kafka-features.sh
 * upgrade --feature cairn.metadata.version=3}) and only when every registered broker supports it, and a broker that
 * does not support the finalized level cannot register.
 *
 * <p>Levels: 1, the single-node format (brokers registered unfenced, no leases); 2, leases (a registration starts
 * fenced and is unfenced by a heartbeat); 3, decisions say why and when (batch format 2, history in snapshots,
 * docs/adr/0023); 4, delegation tokens (docs/adr/0034). Levels 1 and 2 write batch format 1.
 *
 * <p>Stateless, thread-safe.
 */
public final class MetadataFormat {

    /** The feature's name in ApiVersions, BrokerRegistration and UpdateFeatures. */
    public static final String FEATURE_NAME = "cairn.metadata.version";
    public static final short SINGLE_NODE = 1;
    public static final short LEASES = 2;
    public static final short DECISION_REASONS = 3;
    /**
     * Delegation tokens (docs/adr/0034): the log may hold {@link DelegationTokenRecord} and
     * {@link RemoveDelegationTokenRecord}, which a node of an older release cannot read. Batch format 2, as level 3.
     */
    public static final short DELEGATION_TOKENS = 4;
    /** The newest level this code knows; a new cluster starts at it. */
    public static final short LATEST = DELEGATION_TOKENS;
    /** The lowest level a broker supports. */
    public static final short MIN = SINGLE_NODE;
    /**
     * The newest level a broker of the release before this feature supports: it registers no range, reads batch
     * format 1 only, and writes level 2 itself.
     */
    public static final short PREVIOUS_RELEASE_MAX = LEASES;

    private MetadataFormat() {
    }

    /** The batch format ({@link MetadataRecordSerde}) written at {@code level}. */
    public static int batchFormat(short level) {
        return level >= DECISION_REASONS ? 2 : 1;
    }

    /** The newest level whose batches a node that reads batch formats up to {@code maxBatchFormat} can read. */
    public static short maxLevelReading(int maxBatchFormat) {
        return maxBatchFormat >= 2 ? LATEST : LEASES;
    }

    /** A range of supported levels, both ends included. */
    public record Range(short min, short max) {
        public Range {
            if (min > max) {
                throw new IllegalArgumentException("an empty range of levels " + min + "-" + max);
            }
        }

        public boolean contains(short level) {
            return level >= min && level <= max;
        }

        /** Kafka's form: "1-3". */
        @Override
        public String toString() {
            return min + "-" + max;
        }
    }
}
