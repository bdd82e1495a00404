package io.cairn.broker.txn;

import java.util.Map;

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
 */
public record TransactionConfig(int transactionMaxTimeoutMs, long transactionalIdExpirationMs,
                                int stateLogNumPartitions, short stateLogReplicationFactor, int stateLogMinIsr,
                                int stateLogSegmentBytes, long abortTimedOutTransactionsIntervalMs,
                                long removeExpiredTransactionalIdsIntervalMs) {

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

    public TransactionConfig {
        if (transactionMaxTimeoutMs < 1 || transactionalIdExpirationMs < 1 || stateLogNumPartitions < 1
                || stateLogReplicationFactor < 1 || stateLogMinIsr < 1 || stateLogSegmentBytes < 1
                || abortTimedOutTransactionsIntervalMs < 1 || removeExpiredTransactionalIdsIntervalMs < 1) {
            throw new IllegalArgumentException("Every transaction setting must be at least 1: " + this);
        }
    }

    public static TransactionConfig defaults() {
        return new TransactionConfig(900_000, 604_800_000L, 50, (short) 3, 2, 100 * 1024 * 1024, 10_000L,
                3_600_000L);
    }

    /** Reads the settings from broker configs (Kafka names); missing ones keep Kafka's defaults. */
    public static TransactionConfig fromBrokerConfigs(Map<String, ?> configs) {
        TransactionConfig d = defaults();
        return new TransactionConfig(
                (int) get(configs, TRANSACTION_MAX_TIMEOUT_MS, d.transactionMaxTimeoutMs()),
                get(configs, TRANSACTIONAL_ID_EXPIRATION_MS, d.transactionalIdExpirationMs()),
                (int) get(configs, STATE_LOG_NUM_PARTITIONS, d.stateLogNumPartitions()),
                (short) get(configs, STATE_LOG_REPLICATION_FACTOR, d.stateLogReplicationFactor()),
                (int) get(configs, STATE_LOG_MIN_ISR, d.stateLogMinIsr()),
                (int) get(configs, STATE_LOG_SEGMENT_BYTES, d.stateLogSegmentBytes()),
                get(configs, ABORT_TIMED_OUT_INTERVAL_MS, d.abortTimedOutTransactionsIntervalMs()),
                get(configs, REMOVE_EXPIRED_INTERVAL_MS, d.removeExpiredTransactionalIdsIntervalMs()));
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

    private static long get(Map<String, ?> configs, String name, long defaultValue) {
        Object value = configs.get(name);
        return value == null ? defaultValue : Long.parseLong(value.toString().trim());
    }
}
