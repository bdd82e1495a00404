package io.cairn.broker.txn;

import java.util.Map;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.utils.Utils;

/**
 * The transaction coordinator's settings, with Apache Kafka's broker config names and defaults.
 *
 * @param transactionMaxTimeoutMs                  transaction.max.timeout.ms: the largest transaction.timeout.ms a
 *                                                 producer may ask for
 * @param transactionalIdExpirationMs              transactional.id.expiration.ms: how long an idle id (no open
 *                                                 transaction) is kept
 * @param stateLogNumPartitions                    transaction.state.log.num.partitions
 * @param stateLogReplicationFactor                transaction.state.log.replication.factor (capped by the brokers)
 * @param stateLogMinIsr                           transaction.state.log.min.isr
 * @param stateLogSegmentBytes                     transaction.state.log.segment.bytes
 * @param abortTimedOutTransactionsIntervalMs      transaction.abort.timed.out.transaction.cleanup.interval.ms: how
 *                                                 often {@link TransactionCoordinatorShard#abortTimedOutTransactions}
 *                                                 runs
 * @param removeExpiredTransactionalIdsIntervalMs  transaction.remove.expired.transaction.cleanup.interval.ms: how
 *                                                 often {@link TransactionCoordinatorShard#expireTransactionalIds}
 *                                                 runs
 * @param transactionVersion                       transaction.version: the level of Kafka's feature of that name
 *                                                 that this node finalizes in ApiVersions (Kafka sets it with
 *                                                 {@code kafka-storage format --feature} or {@code kafka-features.sh});
 *                                                 2 makes Kafka 4.x clients use KIP-890 part 2, 1 keeps them on
 *                                                 version 1. Every node of a cluster must have the same.
 */
public record TransactionConfig(int transactionMaxTimeoutMs, long transactionalIdExpirationMs,
                                int stateLogNumPartitions, short stateLogReplicationFactor, int stateLogMinIsr,
                                int stateLogSegmentBytes, long abortTimedOutTransactionsIntervalMs,
                                long removeExpiredTransactionalIdsIntervalMs, short transactionVersion) {

    public static final String TRANSACTION_STATE_TOPIC = "__transaction_state";

    public static final String TRANSACTION_MAX_TIMEOUT_MS = "transaction.max.timeout.ms";
    public static final String TRANSACTIONAL_ID_EXPIRATION_MS = "transactional.id.expiration.ms";
    public static final String STATE_LOG_NUM_PARTITIONS = "transaction.state.log.num.partitions";
    public static final String STATE_LOG_REPLICATION_FACTOR = "transaction.state.log.replication.factor";
    public static final String STATE_LOG_MIN_ISR = "transaction.state.log.min.isr";
    public static final String STATE_LOG_SEGMENT_BYTES = "transaction.state.log.segment.bytes";
    public static final String ABORT_TIMED_OUT_INTERVAL_MS =
            "transaction.abort.timed.out.transaction.cleanup.interval.ms";
    public static final String REMOVE_EXPIRED_INTERVAL_MS =
            "transaction.remove.expired.transaction.cleanup.interval.ms";
    public static final String TRANSACTION_VERSION = "transaction.version";
    /** The newest transaction version Cairn implements (Kafka 4.x's too). */
    public static final short LATEST_TRANSACTION_VERSION = 2;

    public TransactionConfig {
        if (transactionMaxTimeoutMs < 1 || transactionalIdExpirationMs < 1 || stateLogNumPartitions < 1
                || stateLogReplicationFactor < 1 || stateLogMinIsr < 1 || stateLogSegmentBytes < 1
                || abortTimedOutTransactionsIntervalMs < 1 || removeExpiredTransactionalIdsIntervalMs < 1) {
            throw new IllegalArgumentException("Every transaction setting must be at least 1: " + this);
        }
        if (transactionVersion < 1 || transactionVersion > LATEST_TRANSACTION_VERSION) {
            throw new IllegalArgumentException("transaction.version must be 1 or 2, not " + transactionVersion);
        }
    }

    /** The settings at the latest transaction version. */
    public TransactionConfig(int transactionMaxTimeoutMs, long transactionalIdExpirationMs,
                             int stateLogNumPartitions, short stateLogReplicationFactor, int stateLogMinIsr,
                             int stateLogSegmentBytes, long abortTimedOutTransactionsIntervalMs,
                             long removeExpiredTransactionalIdsIntervalMs) {
        this(transactionMaxTimeoutMs, transactionalIdExpirationMs, stateLogNumPartitions, stateLogReplicationFactor,
                stateLogMinIsr, stateLogSegmentBytes, abortTimedOutTransactionsIntervalMs,
                removeExpiredTransactionalIdsIntervalMs, LATEST_TRANSACTION_VERSION);
    }

    public static TransactionConfig defaults() {
        return new TransactionConfig(900_000, 604_800_000L, 50, (short) 3, 2, 100 * 1024 * 1024, 10_000L,
                3_600_000L);
    }

    /** Whether this node finalizes transaction version 2 (KIP-890 part 2). */
    public boolean transactionVersion2() {
        return transactionVersion >= 2;
    }

    /** The settings as broker configs: types, Kafka's defaults, bounds and documentation. */
    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(TRANSACTION_MAX_TIMEOUT_MS, Type.INT, 900_000, Range.atLeast(1), Importance.HIGH,
                    "The largest transaction.timeout.ms a producer may ask for; a longer one is refused with "
                            + "INVALID_TRANSACTION_TIMEOUT.")
            .define(TRANSACTIONAL_ID_EXPIRATION_MS, Type.LONG, 604_800_000L, Range.atLeast(1), Importance.HIGH,
                    "A transactional id with no transaction in progress for this long is forgotten.")
            .define(STATE_LOG_NUM_PARTITIONS, Type.INT, 50, Range.between(1, 10_000), Importance.HIGH,
                    "Partitions of __transaction_state, created on first use (not changeable afterwards).")
            .define(STATE_LOG_REPLICATION_FACTOR, Type.SHORT, (short) 3, Range.atLeast(1), Importance.HIGH,
                    "Replication factor of __transaction_state, capped by the brokers registered when it is created.")
            .define(STATE_LOG_MIN_ISR, Type.INT, 2, Range.atLeast(1), Importance.HIGH,
                    "min.insync.replicas of __transaction_state, capped by its replication factor.")
            .define(STATE_LOG_SEGMENT_BYTES, Type.INT, 100 * 1024 * 1024, Range.atLeast(1024 * 1024),
                    Importance.LOW, "segment.bytes of __transaction_state.")
            .define(ABORT_TIMED_OUT_INTERVAL_MS, Type.LONG, 10_000L, Range.atLeast(1), Importance.LOW,
                    "How often the coordinator aborts transactions open longer than their transaction.timeout.ms.")
            .define(REMOVE_EXPIRED_INTERVAL_MS, Type.LONG, 3_600_000L, Range.atLeast(1), Importance.LOW,
                    "How often the coordinator forgets transactional ids past transactional.id.expiration.ms.")
            .define(TRANSACTION_VERSION, Type.SHORT, LATEST_TRANSACTION_VERSION, Range.between(1, 2),
                    Importance.LOW, "The transaction.version feature level this node finalizes in ApiVersions "
                            + "(Kafka sets it with kafka-storage format --feature or kafka-features.sh). At 2, Kafka "
                            + "4.x clients use KIP-890 part 2: partitions join a transaction with its first produce, "
                            + "and every commit or abort bumps the producer epoch. At 1 they add partitions "
                            + "explicitly and keep their epoch. Every node of a cluster must have the same.");

    /**
     * Reads the settings from broker configs (Kafka names); missing ones keep Kafka's defaults.
     *
     * @throws org.apache.kafka.common.config.ConfigException a value of the wrong type or out of bounds, naming it
     */
    public static TransactionConfig fromBrokerConfigs(Map<String, ?> configs) {
        Map<String, Object> v = CONFIG_DEF.parse(configs);
        return new TransactionConfig((int) v.get(TRANSACTION_MAX_TIMEOUT_MS),
                (long) v.get(TRANSACTIONAL_ID_EXPIRATION_MS), (int) v.get(STATE_LOG_NUM_PARTITIONS),
                (short) v.get(STATE_LOG_REPLICATION_FACTOR), (int) v.get(STATE_LOG_MIN_ISR),
                (int) v.get(STATE_LOG_SEGMENT_BYTES), (long) v.get(ABORT_TIMED_OUT_INTERVAL_MS),
                (long) v.get(REMOVE_EXPIRED_INTERVAL_MS), (short) v.get(TRANSACTION_VERSION));
    }

    /** The {@code __transaction_state} partition that coordinates a transactional id (Kafka's hashing). */
    public static int partitionFor(String transactionalId, int partitions) {
        return Utils.abs(transactionalId.hashCode()) % partitions;
    }

    public int partitionFor(String transactionalId) {
        return partitionFor(transactionalId, stateLogNumPartitions);
    }

    /** Kafka accepts timeouts in (0, transaction.max.timeout.ms]. */
    public boolean isValidTransactionTimeout(int txnTimeoutMs) {
        return txnTimeoutMs > 0 && txnTimeoutMs <= transactionMaxTimeoutMs;
    }
}
