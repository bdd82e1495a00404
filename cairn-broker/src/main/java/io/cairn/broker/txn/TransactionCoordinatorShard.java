package io.cairn.broker.txn;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.TransactionResult;
import org.apache.kafka.common.utils.ProducerIdAndEpoch;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transaction coordinator of one {@code __transaction_state} partition: the decisions of Kafka's
 * transaction protocol (KIP-98 with KIP-360 and KIP-890: part 1's verification, and part 2's transaction version 2,
 * where partitions join a transaction implicitly and every EndTxn bumps the epoch, beside version 1 for older
 * clients) for the transactional ids that hash to this partition.
 *
 * <p>Every write operation returns a {@link TxnResult}: the records to write, the response to give once they
 * are committed, and the {@link TxnMarkerJob markers} to write after that. Each record holds the whole new
 * {@link TransactionMetadata} of one id, and {@link #replay} (called by the runtime right after appending, and
 * for every stored record when a new leader loads the partition) is the only mutator of that state. Between
 * an operation's decision and its {@code onWritten} callback the id has a pending write, and every other
 * operation on it answers CONCURRENT_TRANSACTIONS (Kafka's pendingState): no decision is ever taken from state
 * whose record might still fail. The guard is soft state: a new leader starts without it.
 *
 * <p>Timers: the shard schedules nothing. The runtime calls {@link #abortTimedOutTransactions} every
 * {@link TransactionConfig#abortTimedOutTransactionsIntervalMs} and {@link #expireTransactionalIds} every
 * {@link TransactionConfig#removeExpiredTransactionalIdsIntervalMs} while the shard is active, as periodic
 * operations on the event loop, like Kafka's two scheduler tasks. Time comes from the injected {@link Time}.
 *
 * <p>Not thread-safe; confined to the coordinator runtime's event loop.
 */
public final class TransactionCoordinatorShard {

    private static final Logger log = LoggerFactory.getLogger(TransactionCoordinatorShard.class);

    /** The group coordinator's topic, for AddOffsetsToTxn. */
    public static final String OFFSETS_TOPIC = "__consumer_offsets";

    private final int coordinatorEpoch;
    private final Time time;
    private final TransactionConfig config;
    private final String logPrefix;
    /** Durable state: the latest record of each id. Sorted so that periodic scans are deterministic. */
    private final Map<String, TransactionMetadata> transactions = new TreeMap<>();
    /** Soft state: ids with a write decided and not yet written, and the state it moves them to. */
    private final Map<String, TransactionState> pendingWrites = new TreeMap<>();
    private boolean loaded;

    /**
     * @param partition        the {@code __transaction_state} partition this shard coordinates
     * @param nodeId           this broker, for log lines
     * @param coordinatorEpoch the partition's leader epoch at this leadership, stamped on every marker
     */
    public TransactionCoordinatorShard(int partition, int nodeId, int coordinatorEpoch, Time time,
                                       TransactionConfig config) {
        this.coordinatorEpoch = coordinatorEpoch;
        this.time = Objects.requireNonNull(time, "time");
        this.config = Objects.requireNonNull(config, "config");
        this.logPrefix = "[node " + nodeId + "] [" + TransactionConfig.TRANSACTION_STATE_TOPIC + "-" + partition
                + "] ";
    }

    // ---- durable state ----------------------------------------------------------------------------------

    /** Applies one appended (or, while loading, stored) record. The only mutator of durable state. */
    public void replay(TransactionRecord record) {
        if (record.isTombstone()) {
            transactions.remove(record.transactionalId());
        } else {
            transactions.put(record.transactionalId(), record.metadata());
        }
    }

    /**
     * The log has been replayed and the shard starts serving. Returns the markers of every transaction found
     * in PREPARE_COMMIT or PREPARE_ABORT: its outcome was decided by an earlier coordinator, which may have died
     * before writing them all, so this one writes them (again; markers are idempotent) and completes it.
     */
    public List<TxnMarkerJob> onLoaded() {
        loaded = true;
        List<TxnMarkerJob> jobs = preparedMarkerJobs();
        if (!jobs.isEmpty()) {
            log.info("{}Loaded {} transactional ids; resuming {} prepared transactions", logPrefix,
                    transactions.size(), jobs.size());
        }
        return jobs;
    }

    /**
     * The markers of every transaction in a PREPARE state with no pending write: what {@link #onLoaded}
     * returns, and what a runtime asks again after a PREPARE record it could not confirm was committed after
     * all (it skips jobs it is already running: the same id, producer id and epoch).
     */
    public List<TxnMarkerJob> preparedMarkerJobs() {
        List<TxnMarkerJob> jobs = new ArrayList<>();
        for (TransactionMetadata m : transactions.values()) {
            if (m.state().isPrepare() && !pendingWrites.containsKey(m.transactionalId())) {
                jobs.add(markerJob(m));
            }
        }
        return jobs;
    }

    public Optional<TransactionMetadata> metadata(String transactionalId) {
        return Optional.ofNullable(transactions.get(transactionalId));
    }

    /** A copy of the durable state, by transactional id. */
    public Map<String, TransactionMetadata> snapshot() {
        return Map.copyOf(transactions);
    }

    /** Whether an operation on this id has records appended but not yet written (its onWritten not run). */
    public boolean hasPendingWrite(String transactionalId) {
        return pendingWrites.containsKey(transactionalId);
    }

    public int coordinatorEpoch() {
        return coordinatorEpoch;
    }

    // ---- InitProducerId ---------------------------------------------------------------------------------

    /**
     * InitProducerId with a transactional id: gives the producer its producer id and a new epoch, fencing every
     * older instance. A new id gets a fresh producer id at epoch 0; an idle one (EMPTY, COMPLETE_*) the next
     * epoch, or a fresh producer id when the epoch has run out; an ONGOING transaction is first aborted with a
     * bumped epoch (the producer is answered CONCURRENT_TRANSACTIONS and retries once the abort completes); a
     * transaction in PREPARE answers CONCURRENT_TRANSACTIONS. With {@code expected} (KIP-360, a producer
     * recovering from an error), a producer id or epoch that is neither the current nor a retried previous
     * one is PRODUCER_FENCED.
     *
     * @param expected        the request's producer id and epoch (KIP-360), or empty when it has none (-1/-1);
     *                        a null transactional id (an idempotent producer) never reaches the shard
     * @param freshProducerId a newly allocated producer id, or empty; when the decision needs one and none is
     *                        given, the answer is {@link ProducerIdDecision.NeedsFreshProducerId}
     */
    public ProducerIdDecision<InitProducerIdResponse> initProducerId(String transactionalId, int txnTimeoutMs,
                                                 Optional<ProducerIdAndEpoch> expected, OptionalLong freshProducerId) {
        requireLoaded();
        if (transactionalId == null || transactionalId.isEmpty()) {
            return initError(Errors.INVALID_REQUEST);
        }
        if (!config.isValidTransactionTimeout(txnTimeoutMs)) {
            return initError(Errors.INVALID_TRANSACTION_TIMEOUT);
        }
        if (expected.isPresent() && (expected.get().producerId < 0 || expected.get().epoch < 0)) {
            // The runtime passes empty for a request without one (-1/-1); half of one is malformed, as in Kafka.
            return initError(Errors.INVALID_REQUEST);
        }
        if (pendingWrites.containsKey(transactionalId)) {
            return initError(Errors.CONCURRENT_TRANSACTIONS);
        }
        TransactionMetadata current = transactions.get(transactionalId);
        if (current == null) {
            if (freshProducerId.isEmpty()) {
                return new ProducerIdDecision.NeedsFreshProducerId<>();
            }
            TransactionMetadata created = TransactionMetadata.fresh(transactionalId, freshProducerId.getAsLong(),
                    txnTimeoutMs, now());
            return initDecided(created, null);
        }
        if (expected.isPresent() && !isExpectedProducerId(current, expected.get())) {
            return initError(Errors.PRODUCER_FENCED);
        }
        return switch (current.state()) {
            case PREPARE_COMMIT, PREPARE_ABORT -> initError(Errors.CONCURRENT_TRANSACTIONS);
            case EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT ->
                    initIdle(current, txnTimeoutMs, expected, freshProducerId);
            case ONGOING -> new ProducerIdDecision.Decided<>(
                    fence(current, InitProducerIdResponse.error(Errors.CONCURRENT_TRANSACTIONS)));
            case DEAD, PREPARE_EPOCH_FENCE -> throw new IllegalStateException(current + " holds a transient state");
        };
    }

    /**
     * KIP-360: the producer recovering with {@code expected} is this id's producer when the id has its producer
     * id, or had it before a rotation that this producer's exhausted epoch explains (a retry whose answer was
     * lost).
     */
    private static boolean isExpectedProducerId(TransactionMetadata current, ProducerIdAndEpoch expected) {
        return expected.producerId == current.producerId()
                || (expected.producerId == current.previousProducerId()
                && TransactionMetadata.isEpochExhausted(expected.epoch));
    }

    private ProducerIdDecision<InitProducerIdResponse> initIdle(TransactionMetadata current, int txnTimeoutMs,
                                            Optional<ProducerIdAndEpoch> expected, OptionalLong freshProducerId) {
        long nowMs = now();
        boolean expectsCurrentEpoch = expected.isEmpty() || expected.get().epoch == current.producerEpoch();
        if (current.isProducerEpochExhausted() && expectsCurrentEpoch) {
            if (freshProducerId.isEmpty()) {
                return new ProducerIdDecision.NeedsFreshProducerId<>();
            }
            // Rotation: a new producer id at epoch 0; the old one is kept to recognise a retry of this call.
            short last = expected.isPresent() ? current.producerEpoch() : TransactionMetadata.NO_PRODUCER_EPOCH;
            TransactionMetadata rotated = current.with(TransactionState.EMPTY, freshProducerId.getAsLong(),
                    current.producerId(), (short) 0, last, txnTimeoutMs, Set.of(), -1L, nowMs);
            log.info("{}Producer epoch of {} exhausted: producer id {} replaces {}", logPrefix,
                    current.transactionalId(), rotated.producerId(), current.producerId());
            return initDecided(rotated, current);
        }
        short epoch;
        short lastEpoch;
        if (expected.isEmpty()) {
            epoch = (short) (current.producerEpoch() + 1);
            lastEpoch = TransactionMetadata.NO_PRODUCER_EPOCH;
        } else if (expected.get().epoch == current.producerEpoch()) {
            epoch = (short) (current.producerEpoch() + 1);
            lastEpoch = current.producerEpoch();
        } else if (expected.get().epoch == current.lastProducerEpoch() && current.producerEpoch() < Short.MAX_VALUE) {
            // A retry of a call that already bumped: the same answer again. A newer producer would have reset
            // lastProducerEpoch (it comes without an expected epoch), so this one is not a zombie. Short.MAX_VALUE
            // is only ever reached by a fence and never handed out. (Kafka throws for an exhausted epoch here.)
            epoch = current.producerEpoch();
            lastEpoch = current.lastProducerEpoch();
        } else {
            return initError(Errors.PRODUCER_FENCED);
        }
        TransactionMetadata bumped = current.with(TransactionState.EMPTY, current.producerId(),
                current.previousProducerId(), epoch, lastEpoch, txnTimeoutMs, Set.of(), -1L, nowMs);
        return initDecided(bumped, current);
    }

    private ProducerIdDecision<InitProducerIdResponse> initDecided(TransactionMetadata next, TransactionMetadata current) {
        TxnResult<InitProducerIdResponse> result = write(current, next, next.state(),
                new InitProducerIdResponse(Errors.NONE, next.producerId(), next.producerEpoch()), List.of());
        return new ProducerIdDecision.Decided<>(result);
    }

    private static ProducerIdDecision<InitProducerIdResponse> initError(Errors error) {
        return new ProducerIdDecision.Decided<>(TxnResult.of(InitProducerIdResponse.error(error)));
    }

    /**
     * Aborts an ONGOING transaction with the epoch bumped, so that its producer (and every older one) is fenced
     * from now on: a PREPARE_ABORT record and its markers, under the transient PREPARE_EPOCH_FENCE. At transaction
     * version 1 Kafka sets lastProducerEpoch to -1 here, so no KIP-360 retry can claim the epoch it was never given;
     * at version 2 to the fenced epoch (a version 2 producer's retried EndTxn then learns the bumped one).
     */
    private <T> TxnResult<T> fence(TransactionMetadata current, T response) {
        if (current.producerEpoch() == Short.MAX_VALUE) {
            // Never handed out (epochs from Short.MAX_VALUE - 1 rotate the producer id), so never ONGOING.
            throw new IllegalStateException("Cannot fence " + current + ": its epoch would overflow");
        }
        // At transaction version 2 Kafka fences as an EndTxn of version 2 would end the transaction: the bumped
        // epoch remembers the fenced one, so that the fenced producer's retried abort is recognised.
        short last = config.transactionVersion2() ? current.producerEpoch() : TransactionMetadata.NO_PRODUCER_EPOCH;
        TransactionMetadata aborting = current.with(TransactionState.PREPARE_ABORT, current.producerId(),
                current.previousProducerId(), (short) (current.producerEpoch() + 1), last,
                current.txnTimeoutMs(), current.topicPartitions(), current.txnStartTimestamp(), now());
        log.info("{}Fencing producer id {} epoch {} of {}: aborting its ongoing transaction at epoch {}", logPrefix,
                current.producerId(), current.producerEpoch(), current.transactionalId(), aborting.producerEpoch());
        return write(current, aborting, TransactionState.PREPARE_EPOCH_FENCE, response, List.of(markerJob(aborting)));
    }

    // ---- AddPartitionsToTxn / AddOffsetsToTxn -------------------------------------------------------------

    /**
     * AddPartitionsToTxn. The client path ({@code verifyOnly} false) adds the partitions to the producer's
     * transaction, starting it if none is open (ONGOING record), and answers one error for all of them. The
     * verification path (KIP-890 part 1, asked by a partition leader before a transactional append) writes
     * nothing and answers per partition: NONE when it is in the ongoing transaction of that producer id and
     * epoch, TRANSACTION_ABORTABLE when it is not. Errors, in Kafka's order of checks: INVALID_REQUEST (no
     * transactional id); INVALID_PRODUCER_ID_MAPPING (unknown id); on the client path CONCURRENT_TRANSACTIONS for a
     * pending write or a PREPARE state, whatever the producer id and epoch; INVALID_PRODUCER_ID_MAPPING (another
     * producer id); PRODUCER_FENCED (another epoch); on the verification path CONCURRENT_TRANSACTIONS for a PREPARE
     * state.
     */
    public TxnResult<Map<TopicPartition, Errors>> addPartitionsToTxn(String transactionalId, long producerId,
                                                                     short producerEpoch,
                                                                     Collection<TopicPartition> partitions,
                                                                     boolean verifyOnly) {
        return addPartitionsToTxn(transactionalId, producerId, producerEpoch, partitions, verifyOnly, (byte) 0);
    }

    /**
     * As above, for a client of {@code transactionVersion}: 2 when a partition leader or group coordinator adds a
     * partition on the client's behalf (KIP-890 part 2: AddPartitionsToTxn v4+ with verifyOnly false), which the
     * transaction then records so that its end bumps the epoch.
     */
    public TxnResult<Map<TopicPartition, Errors>> addPartitionsToTxn(String transactionalId, long producerId,
                                                                     short producerEpoch,
                                                                     Collection<TopicPartition> partitions,
                                                                     boolean verifyOnly, byte transactionVersion) {
        requireLoaded();
        Set<TopicPartition> requested = new TreeSet<>(TransactionMetadata.ORDER);
        requested.addAll(partitions);
        if (!verifyOnly && isCompletingOrPending(transactionalId)) {
            // Kafka checks its pending transition first on this path, before the producer id: a transaction of
            // version 2 whose epoch ran out answers the fresh producer id as soon as its PREPARE record is written,
            // and its producer adds partitions with that id while the record still names the old one (until the
            // markers are written and COMPLETE hands over, on this coordinator or, after a failover, the next).
            return TxnResult.of(TxnErrors.sameForAll(requested, Errors.CONCURRENT_TRANSACTIONS));
        }
        Errors error = checkProducer(transactionalId, producerId, producerEpoch);
        TransactionMetadata current = error == Errors.NONE ? transactions.get(transactionalId) : null;
        if (error == Errors.NONE && current.state().isPrepare()) {
            error = Errors.CONCURRENT_TRANSACTIONS;
        }
        if (error == Errors.NONE && verifyOnly) {
            Map<TopicPartition, Errors> answers = new LinkedHashMap<>();
            for (TopicPartition tp : requested) {
                boolean inTxn = current.state() == TransactionState.ONGOING && current.topicPartitions().contains(tp);
                answers.put(tp, inTxn ? Errors.NONE : Errors.TRANSACTION_ABORTABLE);
            }
            return TxnResult.of(answers);
        }
        if (error == Errors.NONE && pendingWrites.containsKey(transactionalId)) {
            error = Errors.CONCURRENT_TRANSACTIONS;
        }
        if (error != Errors.NONE) {
            return TxnResult.of(TxnErrors.sameForAll(requested, error));
        }
        if (current.state() == TransactionState.ONGOING && current.topicPartitions().containsAll(requested)) {
            return TxnResult.of(TxnErrors.sameForAll(requested, Errors.NONE));
        }
        return addPartitions(current, requested, transactionVersion, TxnErrors.sameForAll(requested, Errors.NONE));
    }

    /**
     * AddOffsetsToTxn: adds the {@code __consumer_offsets} partition of the group (Kafka's hashing over
     * {@code offsetsPartitionCount} partitions) to the transaction, with AddPartitionsToTxn's client rules.
     */
    public TxnResult<Errors> addOffsetsToTxn(String transactionalId, long producerId, short producerEpoch,
                                             String groupId, int offsetsPartitionCount) {
        requireLoaded();
        if (groupId == null || offsetsPartitionCount < 1) {
            return TxnResult.of(Errors.INVALID_REQUEST);
        }
        TopicPartition offsetsPartition = new TopicPartition(OFFSETS_TOPIC,
                Utils.abs(groupId.hashCode()) % offsetsPartitionCount);
        TxnResult<Map<TopicPartition, Errors>> added = addPartitionsToTxn(transactionalId, producerId, producerEpoch,
                List.of(offsetsPartition), false);
        return new TxnResult<>(added.records(), added.response().get(offsetsPartition), added.onWritten(),
                added.markers());
    }

    private <T> TxnResult<T> addPartitions(TransactionMetadata current, Set<TopicPartition> requested,
                                           byte transactionVersion, T response) {
        long nowMs = now();
        boolean starts = current.state() != TransactionState.ONGOING;
        Set<TopicPartition> all = new HashSet<>(current.topicPartitions());
        all.addAll(requested);
        TransactionMetadata ongoing = current.with(TransactionState.ONGOING, current.producerId(),
                current.previousProducerId(), current.producerEpoch(), current.lastProducerEpoch(),
                current.txnTimeoutMs(), all, starts ? nowMs : current.txnStartTimestamp(), nowMs)
                .withTransactionVersion(transactionVersion);
        return write(current, ongoing, ongoing.state(), response, List.of());
    }

    /**
     * Whether the id has a transition in progress, Kafka's pendingTransitionInProgress: a write decided and not yet
     * written, or a PREPARE state whose markers are being written (Kafka holds the COMPLETE transition pending from
     * the PREPARE record on, and a new coordinator sets it when it loads one; here the state itself says so).
     */
    private boolean isCompletingOrPending(String transactionalId) {
        if (transactionalId == null || transactionalId.isEmpty()) {
            return false;
        }
        TransactionMetadata current = transactions.get(transactionalId);
        return current != null && (pendingWrites.containsKey(transactionalId) || current.state().isPrepare());
    }

    /** The checks every producer request starts with: its id is known and held by this producer id and epoch. */
    private Errors checkProducer(String transactionalId, long producerId, short producerEpoch) {
        if (transactionalId == null || transactionalId.isEmpty()) {
            return Errors.INVALID_REQUEST;
        }
        TransactionMetadata current = transactions.get(transactionalId);
        if (current == null || current.producerId() != producerId) {
            return Errors.INVALID_PRODUCER_ID_MAPPING;
        }
        if (current.producerEpoch() != producerEpoch) {
            return Errors.PRODUCER_FENCED;
        }
        return Errors.NONE;
    }

    // ---- EndTxn and markers -----------------------------------------------------------------------------

    /**
     * EndTxn of transaction version 1 (EndTxn up to v4), as {@link #endTxn(String, long, short, TransactionResult,
     * boolean, OptionalLong)} answers it without a bump.
     */
    public TxnResult<EndTxnResponse> endTxn(String transactionalId, long producerId, short producerEpoch,
                                            TransactionResult result) {
        ProducerIdDecision<EndTxnResponse> decision = endTxn(transactionalId, producerId, producerEpoch, result,
                false, OptionalLong.empty());
        return ((ProducerIdDecision.Decided<EndTxnResponse>) decision).result();
    }

    /**
     * EndTxn from the producer. Decides the outcome of the ONGOING transaction with a PREPARE_COMMIT or
     * PREPARE_ABORT record; the result's markers are to be written once that record is committed.
     *
     * <p>Transaction version 1 ({@code bumpEpoch} false): the epoch stays. A retry of an EndTxn whose outcome is
     * already complete answers NONE, one whose markers are still being written CONCURRENT_TRANSACTIONS; the opposite
     * outcome, or EndTxn with no transaction open, INVALID_TXN_STATE.
     *
     * <p>Transaction version 2 ({@code bumpEpoch}, EndTxn v5+, KIP-890 part 2): every end bumps the epoch; the
     * PREPARE record and its markers carry the bumped epoch, and the answer names it, so that nothing the producer
     * sent under the old epoch can join a later transaction. An epoch about to overflow hands over to a fresh
     * producer id instead (at epoch 0 once complete; the answer is then {@link ProducerIdDecision.NeedsFreshProducerId}
     * until one is given). A retry is recognised by its epoch, one below the bumped one (or the last epoch of the
     * previous producer id after a hand-over): once complete it answers NONE for the same outcome. While the markers
     * of a PREPARE are written every EndTxn is answered CONCURRENT_TRANSACTIONS, as Kafka's pending transition does. An abort with no transaction open (EMPTY, COMPLETE_*, the client cannot know whether its
     * produces added partitions) bumps the epoch with an empty PREPARE_ABORT; a commit there is INVALID_TXN_STATE.
     */
    public ProducerIdDecision<EndTxnResponse> endTxn(String transactionalId, long producerId, short producerEpoch,
                                                     TransactionResult result, boolean bumpEpoch,
                                                     OptionalLong freshProducerId) {
        requireLoaded();
        Objects.requireNonNull(result, "result");
        if (bumpEpoch) {
            return endTxnBumpingEpoch(transactionalId, producerId, producerEpoch, result, freshProducerId);
        }
        Errors error = checkProducer(transactionalId, producerId, producerEpoch);
        if (error == Errors.NONE && pendingWrites.containsKey(transactionalId)) {
            error = Errors.CONCURRENT_TRANSACTIONS;
        }
        if (error != Errors.NONE) {
            return endTxnError(error);
        }
        TransactionMetadata current = transactions.get(transactionalId);
        boolean commit = result == TransactionResult.COMMIT;
        return switch (current.state()) {
            case ONGOING -> new ProducerIdDecision.Decided<>(prepareEnd(current, result));
            case COMPLETE_COMMIT, COMPLETE_ABORT -> (current.state() == TransactionState.COMPLETE_COMMIT) == commit
                    ? endTxnDone(current) : endTxnError(Errors.INVALID_TXN_STATE);
            // markers in flight: Kafka's pending COMPLETE transition answers CONCURRENT_TRANSACTIONS, whatever the end
            case PREPARE_COMMIT, PREPARE_ABORT -> endTxnError(Errors.CONCURRENT_TRANSACTIONS);
            case EMPTY -> endTxnError(Errors.INVALID_TXN_STATE);
            case DEAD, PREPARE_EPOCH_FENCE -> throw new IllegalStateException(current + " holds a transient state");
        };
    }

    /** Transaction version 2's EndTxn: Kafka's rules, in its order of checks (see {@link #endTxn}). */
    private ProducerIdDecision<EndTxnResponse> endTxnBumpingEpoch(String transactionalId, long producerId,
                                                                  short producerEpoch, TransactionResult result,
                                                                  OptionalLong freshProducerId) {
        if (transactionalId == null || transactionalId.isEmpty()) {
            return endTxnError(Errors.INVALID_REQUEST);
        }
        TransactionMetadata current = transactions.get(transactionalId);
        if (current == null) {
            return endTxnError(Errors.INVALID_PRODUCER_ID_MAPPING);
        }
        // Kafka's coordinator holds a pending COMPLETE transition from the PREPARE record until the markers are
        // written and answers every EndTxn meanwhile with CONCURRENT_TRANSACTIONS, which the client retries. The
        // answer to a commit comes before the markers, so the abort of the next, empty, transaction can arrive in
        // PREPARE_COMMIT at the same epoch: judged by its epoch it would be fenced.
        if (isCompletingOrPending(transactionalId)) {
            return endTxnError(Errors.CONCURRENT_TRANSACTIONS);
        }
        boolean retryAfterHandOver = current.previousProducerId() == producerId
                && producerEpoch == Short.MAX_VALUE - 1 && current.producerEpoch() == 0;
        boolean retryAfterBump = current.producerId() == producerId && current.producerEpoch() == producerEpoch + 1;
        boolean retry = retryAfterBump || retryAfterHandOver;
        boolean currentEpoch = producerEpoch == current.producerEpoch();
        boolean validEpoch = switch (current.state()) {
            case ONGOING, EMPTY -> currentEpoch;
            case PREPARE_COMMIT, PREPARE_ABORT -> retryAfterBump;
            case COMPLETE_COMMIT, COMPLETE_ABORT -> retry || currentEpoch;
            case DEAD, PREPARE_EPOCH_FENCE -> throw new IllegalStateException(current + " holds a transient state");
        };
        if (current.producerId() != producerId && !retryAfterHandOver) {
            return endTxnError(Errors.INVALID_PRODUCER_ID_MAPPING);
        }
        if (!validEpoch) {
            return endTxnError(Errors.PRODUCER_FENCED);
        }
        boolean commit = result == TransactionResult.COMMIT;
        return switch (current.state()) {
            case ONGOING -> prepareEndBumpingEpoch(current, result, freshProducerId);
            case COMPLETE_COMMIT -> commit ? (retry ? endTxnDone(current) : endTxnError(Errors.INVALID_TXN_STATE))
                    : (retry ? endTxnError(Errors.INVALID_TXN_STATE)
                    : prepareEndBumpingEpoch(current, result, freshProducerId));
            case COMPLETE_ABORT -> commit ? endTxnError(Errors.INVALID_TXN_STATE)
                    : (retry ? endTxnDone(current) : prepareEndBumpingEpoch(current, result, freshProducerId));
            case PREPARE_COMMIT -> endTxnError(commit ? Errors.CONCURRENT_TRANSACTIONS : Errors.INVALID_TXN_STATE);
            case PREPARE_ABORT -> endTxnError(commit ? Errors.INVALID_TXN_STATE : Errors.CONCURRENT_TRANSACTIONS);
            case EMPTY -> commit ? endTxnError(Errors.INVALID_TXN_STATE)
                    : prepareEndBumpingEpoch(current, result, freshProducerId);
            case DEAD, PREPARE_EPOCH_FENCE -> throw new IllegalStateException(current + " holds a transient state");
        };
    }

    private TxnResult<EndTxnResponse> prepareEnd(TransactionMetadata current, TransactionResult result) {
        TransactionState next = result == TransactionResult.COMMIT ? TransactionState.PREPARE_COMMIT
                : TransactionState.PREPARE_ABORT;
        TransactionMetadata preparing = current.with(next, current.producerId(), current.previousProducerId(),
                current.producerEpoch(), current.lastProducerEpoch(), current.txnTimeoutMs(),
                current.topicPartitions(), current.txnStartTimestamp(), now());
        return write(current, preparing, next,
                new EndTxnResponse(Errors.NONE, preparing.producerId(), preparing.producerEpoch()),
                List.of(markerJob(preparing)));
    }

    /**
     * Transaction version 2's PREPARE record: the epoch bumped (the old one kept as the last epoch), or, when the
     * bump would exhaust it, the fresh producer id the COMPLETE record will hand over. An abort with no transaction
     * open has no partitions and starts now. The answer names what the producer holds once the transaction is
     * complete.
     */
    private ProducerIdDecision<EndTxnResponse> prepareEndBumpingEpoch(TransactionMetadata current,
                                                                      TransactionResult result,
                                                                      OptionalLong freshProducerId) {
        boolean handOver = current.isProducerEpochExhausted();
        if (handOver && freshProducerId.isEmpty()) {
            return new ProducerIdDecision.NeedsFreshProducerId<>();
        }
        TransactionState next = result == TransactionResult.COMMIT ? TransactionState.PREPARE_COMMIT
                : TransactionState.PREPARE_ABORT;
        long nowMs = now();
        boolean open = current.state() == TransactionState.ONGOING;
        // Never past Short.MAX_VALUE: only a fence reaches it, and the hand-over below starts afresh at 0.
        short bumped = current.producerEpoch() == Short.MAX_VALUE ? Short.MAX_VALUE
                : (short) (current.producerEpoch() + 1);
        TransactionMetadata preparing = current.with(next, current.producerId(), current.previousProducerId(),
                        bumped, current.producerEpoch(), current.txnTimeoutMs(),
                        open ? current.topicPartitions() : Set.of(), open ? current.txnStartTimestamp() : nowMs,
                        nowMs)
                .withNextProducerId(handOver ? freshProducerId.getAsLong() : TransactionMetadata.NO_PRODUCER_ID)
                .withTransactionVersion(TransactionMetadata.TV_2);
        EndTxnResponse response = handOver ? new EndTxnResponse(Errors.NONE, freshProducerId.getAsLong(), (short) 0)
                : new EndTxnResponse(Errors.NONE, preparing.producerId(), bumped);
        if (handOver) {
            log.info("{}Producer epoch of {} exhausted: producer id {} replaces {} once its transaction ends",
                    logPrefix, current.transactionalId(), freshProducerId.getAsLong(), current.producerId());
        }
        return new ProducerIdDecision.Decided<>(write(current, preparing, next, response,
                List.of(markerJob(preparing))));
    }

    /** A retried EndTxn of a complete transaction: NONE with the producer id and epoch the producer now holds. */
    private static ProducerIdDecision<EndTxnResponse> endTxnDone(TransactionMetadata current) {
        return new ProducerIdDecision.Decided<>(TxnResult.of(
                new EndTxnResponse(Errors.NONE, current.producerId(), current.producerEpoch())));
    }

    private static ProducerIdDecision<EndTxnResponse> endTxnError(Errors error) {
        return new ProducerIdDecision.Decided<>(TxnResult.of(EndTxnResponse.error(error)));
    }

    /**
     * Every marker of a {@link TxnMarkerJob} is written: the transaction is complete (COMPLETE_COMMIT or
     * COMPLETE_ABORT record, its partitions cleared; the id is idle for its next transaction). Answers NONE
     * with the record, or, writing nothing: INVALID_PRODUCER_ID_MAPPING / PRODUCER_FENCED for a job of another
     * producer id or epoch, INVALID_TXN_STATE when the transaction is not in PREPARE (a job already completed),
     * CONCURRENT_TRANSACTIONS while a write on the id is pending. The runtime keeps the job until this answers
     * NONE and its COMPLETE record is written, calling again later otherwise.
     */
    public TxnResult<Errors> onMarkersWritten(String transactionalId, long producerId, short producerEpoch) {
        requireLoaded();
        Errors error = checkProducer(transactionalId, producerId, producerEpoch);
        if (error == Errors.NONE && pendingWrites.containsKey(transactionalId)) {
            error = Errors.CONCURRENT_TRANSACTIONS;
        }
        TransactionMetadata current = error == Errors.NONE ? transactions.get(transactionalId) : null;
        if (error == Errors.NONE && !current.state().isPrepare()) {
            error = Errors.INVALID_TXN_STATE;
        }
        if (error != Errors.NONE) {
            return TxnResult.of(error);
        }
        TransactionState next = current.state() == TransactionState.PREPARE_COMMIT
                ? TransactionState.COMPLETE_COMMIT : TransactionState.COMPLETE_ABORT;
        boolean handOver = current.nextProducerId() != TransactionMetadata.NO_PRODUCER_ID;
        // Transaction version 2 at an exhausted epoch: the next producer id takes over at epoch 0; the last epoch
        // stays the one the producer last held, so that its retried EndTxn is recognised.
        TransactionMetadata complete = handOver
                ? current.with(next, current.nextProducerId(), current.producerId(), (short) 0,
                        current.lastProducerEpoch(), current.txnTimeoutMs(), Set.of(), current.txnStartTimestamp(),
                        now())
                : current.with(next, current.producerId(), current.previousProducerId(), current.producerEpoch(),
                        current.lastProducerEpoch(), current.txnTimeoutMs(), Set.of(), current.txnStartTimestamp(),
                        now());
        return write(current, complete, next, Errors.NONE, List.of());
    }

    private TxnMarkerJob markerJob(TransactionMetadata m) {
        TransactionResult result = m.state() == TransactionState.PREPARE_COMMIT ? TransactionResult.COMMIT
                : TransactionResult.ABORT;
        return new TxnMarkerJob(m.transactionalId(), m.producerId(), m.producerEpoch(), result, coordinatorEpoch,
                m.topicPartitions(), m.transactionVersion());
    }

    // ---- periodic operations ----------------------------------------------------------------------------

    /**
     * Aborts every ONGOING transaction open longer than its timeout (started before now - txnTimeoutMs) and
     * with no pending write, fencing its producer as InitProducerId does: epoch bumped, PREPARE_ABORT records,
     * their markers. Answers the transactional ids aborted. Run every
     * {@link TransactionConfig#abortTimedOutTransactionsIntervalMs}.
     */
    public TxnResult<List<String>> abortTimedOutTransactions() {
        requireLoaded();
        long nowMs = now();
        List<TransactionMetadata> timedOut = new ArrayList<>();
        for (TransactionMetadata m : transactions.values()) {
            if (m.state() == TransactionState.ONGOING && !pendingWrites.containsKey(m.transactionalId())
                    && m.txnStartTimestamp() + m.txnTimeoutMs() < nowMs) {
                timedOut.add(m);
            }
        }
        List<TxnResult<String>> fences = new ArrayList<>();
        for (TransactionMetadata m : timedOut) {
            log.info("{}Transaction of {} (producer id {}) is open for more than its {} ms: aborting it", logPrefix,
                    m.transactionalId(), m.producerId(), m.txnTimeoutMs());
            fences.add(fence(m, m.transactionalId()));
        }
        return combine(fences);
    }

    /**
     * Expires every transactional id idle (EMPTY or COMPLETE_*, no pending write) for at least
     * transactional.id.expiration.ms since its last update: a tombstone each, the transient DEAD state while it
     * is written. Answers the ids expired. Run every {@link TransactionConfig#removeExpiredTransactionalIdsIntervalMs}.
     */
    public TxnResult<List<String>> expireTransactionalIds() {
        requireLoaded();
        long nowMs = now();
        List<TxnResult<String>> expirations = new ArrayList<>();
        for (TransactionMetadata m : transactions.values()) {
            if (m.state().isExpirationAllowed() && !pendingWrites.containsKey(m.transactionalId())
                    && m.txnLastUpdateTimestamp() <= nowMs - config.transactionalIdExpirationMs()) {
                expirations.add(write(m, null, TransactionState.DEAD, m.transactionalId(), List.of()));
            }
        }
        if (!expirations.isEmpty()) {
            log.info("{}Expiring {} transactional ids idle for {} ms", logPrefix, expirations.size(),
                    config.transactionalIdExpirationMs());
        }
        return combine(expirations);
    }

    /** One result of several single-id writes: all their records, markers and callbacks. */
    private static TxnResult<List<String>> combine(List<TxnResult<String>> parts) {
        if (parts.isEmpty()) {
            return TxnResult.of(List.of());
        }
        List<TransactionRecord> records = new ArrayList<>();
        List<TxnMarkerJob> markers = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (TxnResult<String> part : parts) {
            records.addAll(part.records());
            markers.addAll(part.markers());
            ids.add(part.response());
        }
        return new TxnResult<>(records, ids, error -> parts.forEach(part -> part.written(error)), markers);
    }

    // ---- the write path ---------------------------------------------------------------------------------

    /**
     * Decides one write: checks that Kafka allows the transition, marks the id pending until onWritten, and
     * returns the record. {@code next} null writes a tombstone; {@code pendingAs} is the state the id is in
     * while the write is pending (a transient one for fences and expirations).
     */
    private <T> TxnResult<T> write(TransactionMetadata current, TransactionMetadata next, TransactionState pendingAs,
                                   T response, List<TxnMarkerJob> markers) {
        String transactionalId = next != null ? next.transactionalId() : current.transactionalId();
        if (pendingWrites.containsKey(transactionalId)) {
            throw new IllegalStateException(transactionalId + " already has a pending write to "
                    + pendingWrites.get(transactionalId));
        }
        TransactionState from = current == null ? TransactionState.EMPTY : current.state();
        if (!from.canTransitionTo(pendingAs)
                || (next != null && pendingAs != next.state() && !pendingAs.canTransitionTo(next.state()))) {
            throw new IllegalStateException("Invalid transition of " + transactionalId + " from " + from + " via "
                    + pendingAs + " to " + (next == null ? "a tombstone" : next.state()));
        }
        TransactionRecord record = next == null ? TransactionRecord.tombstone(transactionalId)
                : TransactionRecord.of(next);
        pendingWrites.put(transactionalId, pendingAs);
        return new TxnResult<>(List.of(record), response, error -> {
            if (pendingWrites.remove(transactionalId) != null && error != null) {
                log.info("{}Write of {} for {} failed: {}", logPrefix, pendingAs, transactionalId, error.toString());
            }
        }, markers);
    }

    // ---- admin reads ------------------------------------------------------------------------------------

    /**
     * DescribeTransactions for one id: its state, producer id and epoch, timeout, start time and partitions;
     * TRANSACTIONAL_ID_NOT_FOUND for an id this shard does not hold (never used, or expired); INVALID_REQUEST
     * for an empty id.
     */
    public DescribeTransactionsResponseData.TransactionState describeTransaction(String transactionalId) {
        requireLoaded();
        Objects.requireNonNull(transactionalId, "transactionalId");
        DescribeTransactionsResponseData.TransactionState out =
                new DescribeTransactionsResponseData.TransactionState().setTransactionalId(transactionalId);
        if (transactionalId.isEmpty()) {
            return out.setErrorCode(Errors.INVALID_REQUEST.code());
        }
        TransactionMetadata m = transactions.get(transactionalId);
        if (m == null) {
            return out.setErrorCode(Errors.TRANSACTIONAL_ID_NOT_FOUND.code());
        }
        for (TopicPartition tp : m.topicPartitions()) {
            DescribeTransactionsResponseData.TopicData topic = out.topics().find(tp.topic());
            if (topic == null) {
                topic = new DescribeTransactionsResponseData.TopicData().setTopic(tp.topic());
                out.topics().add(topic);
            }
            topic.partitions().add(tp.partition());
        }
        return out.setErrorCode(Errors.NONE.code()).setProducerId(m.producerId())
                .setProducerEpoch(m.producerEpoch()).setTransactionState(m.state().stateName())
                .setTransactionTimeoutMs(m.txnTimeoutMs()).setTransactionStartTimeMs(m.txnStartTimestamp());
    }

    /**
     * ListTransactions over this shard's ids, with Kafka 4.x's filters, each ignored when empty (or, for the
     * duration, negative): state names (unknown names are reported back in unknownStateFilters), producer ids,
     * a minimum duration (only transactions started more than {@code durationFilterMs} ago; v1+), and a
     * transactional id pattern (a Java regular expression the whole id must match; v2+; an invalid one answers
     * INVALID_REGULAR_EXPRESSION). The runtime merges the answers of its shards.
     */
    public ListTransactionsResponseData listTransactions(Collection<String> stateFilters,
                                                         Collection<Long> producerIdFilters, long durationFilterMs,
                                                         String transactionalIdPattern) {
        requireLoaded();
        ListTransactionsResponseData out = new ListTransactionsResponseData();
        Set<TransactionState> states = new HashSet<>();
        for (String name : stateFilters) {
            TransactionState.fromName(name).ifPresentOrElse(states::add, () -> out.unknownStateFilters().add(name));
        }
        Pattern pattern = null;
        if (transactionalIdPattern != null && !transactionalIdPattern.isEmpty()) {
            try {
                pattern = Pattern.compile(transactionalIdPattern);
            } catch (PatternSyntaxException e) {
                return out.setErrorCode(Errors.INVALID_REGULAR_EXPRESSION.code());
            }
        }
        long nowMs = now();
        for (TransactionMetadata m : transactions.values()) {
            if ((!producerIdFilters.isEmpty() && !producerIdFilters.contains(m.producerId()))
                    || (!stateFilters.isEmpty() && !states.contains(m.state()))
                    || (durationFilterMs >= 0 && nowMs - m.txnStartTimestamp() <= durationFilterMs)
                    || (pattern != null && !pattern.matcher(m.transactionalId()).matches())) {
                continue;
            }
            out.transactionStates().add(new ListTransactionsResponseData.TransactionState()
                    .setTransactionalId(m.transactionalId()).setProducerId(m.producerId())
                    .setTransactionState(m.state().stateName()));
        }
        return out.setErrorCode(Errors.NONE.code());
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    private long now() {
        return time.milliseconds();
    }

    private void requireLoaded() {
        if (!loaded) {
            throw new IllegalStateException(logPrefix + "The shard is still loading");
        }
    }
}
