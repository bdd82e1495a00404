package io.cairn.broker.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.TransactionResult;
import org.apache.kafka.common.utils.ProducerIdAndEpoch;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

class TransactionCoordinatorShardTest {

    private static final TopicPartition FOO0 = new TopicPartition("foo", 0);
    private static final TopicPartition FOO1 = new TopicPartition("foo", 1);
    private static final TopicPartition BAR0 = new TopicPartition("bar", 0);
    private static final int TIMEOUT = 60_000;

    private final TxnShardContext ctx = new TxnShardContext();


    private Map<TopicPartition, Errors> addPartitionsToTxn(String id, long pid, short epoch,
                                                           List<TopicPartition> tps, boolean verifyOnly) {
        return ctx.complete(ctx.shard.addPartitionsToTxn(id, pid, epoch, tps, verifyOnly));
    }

    private EndTxnResponse endTxn(String id, long pid, short epoch, TransactionResult result) {
        return ctx.complete(ctx.shard.endTxn(id, pid, epoch, result));
    }

    private Errors onMarkersWritten(String id, long pid, short epoch) {
        return ctx.complete(ctx.shard.onMarkersWritten(id, pid, epoch));
    }

    private Errors addOffsetsToTxn(String id, long pid, short epoch, String group, int partitions) {
        return ctx.complete(ctx.shard.addOffsetsToTxn(id, pid, epoch, group, partitions));
    }

    private List<String> abortTimedOut() {
        return ctx.complete(ctx.shard.abortTimedOutTransactions());
    }

    private TransactionMetadata meta(String id) {
        return ctx.shard.metadata(id).orElseThrow();
    }

    private Map<TopicPartition, Errors> add(String id, InitProducerIdResponse p, TopicPartition... tps) {
        return addPartitionsToTxn(id, p.producerId(), p.producerEpoch(), List.of(tps), false);
    }

    private EndTxnResponse end(String id, InitProducerIdResponse p, TransactionResult result) {
        return endTxn(id, p.producerId(), p.producerEpoch(), result);
    }

    private Errors markersWritten(String id) {
        TransactionMetadata m = meta(id);
        return onMarkersWritten(id, m.producerId(), m.producerEpoch());
    }

    // ---- InitProducerId ---------------------------------------------------------------------------------

    @Test
    void aNewIdAsksForAFreshProducerIdThenGetsEpochZero() {
        // when
        ProducerIdDecision<InitProducerIdResponse> first = ctx.shard.initProducerId("t", TIMEOUT, Optional.empty(), OptionalLong.empty());
        InitProducerIdResponse p = ctx.init("t", TIMEOUT);

        // then
        assertThat(first).isInstanceOf(ProducerIdDecision.NeedsFreshProducerId.class);
        assertThat(p).isEqualTo(new InitProducerIdResponse(Errors.NONE, 1000, (short) 0));
        assertThat(meta("t").state()).isEqualTo(TransactionState.EMPTY);
        assertThat(meta("t").txnTimeoutMs()).isEqualTo(TIMEOUT);
        assertThat(ctx.log).hasSize(1);
        assertThat(ctx.shard.hasPendingWrite("t")).isFalse();
    }

    @Test
    void anIdleIdGetsTheNextEpochOfTheSameProducerIdWithoutAskingForOne() {
        ctx.init("t", TIMEOUT);

        ProducerIdDecision<InitProducerIdResponse> again = ctx.shard.initProducerId("t", 30_000, Optional.empty(), OptionalLong.empty());

        assertThat(again).isInstanceOf(ProducerIdDecision.Decided.class);
        InitProducerIdResponse p = ctx.complete(((ProducerIdDecision.Decided<InitProducerIdResponse>) again).result());
        assertThat(p).isEqualTo(new InitProducerIdResponse(Errors.NONE, 1000, (short) 1));
        assertThat(meta("t").txnTimeoutMs()).isEqualTo(30_000);
    }

    @Test
    void refusesBadTimeoutsAndEmptyIds() {
        assertThat(ctx.init("t", 0).error()).isEqualTo(Errors.INVALID_TRANSACTION_TIMEOUT);
        assertThat(ctx.init("t", 900_001).error()).isEqualTo(Errors.INVALID_TRANSACTION_TIMEOUT);
        assertThat(ctx.init("t", 900_000).error()).isEqualTo(Errors.NONE);
        assertThat(ctx.init("", TIMEOUT).error()).isEqualTo(Errors.INVALID_REQUEST);
    }

    @Test
    void initDuringAnOngoingTransactionFencesAndAbortsItWithABumpedEpoch() {
        // given
        InitProducerIdResponse old = ctx.init("t", TIMEOUT);
        add("t", old, FOO0, BAR0);

        // when
        InitProducerIdResponse fenced = ctx.init("t", TIMEOUT);

        // then
        assertThat(fenced.error()).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        assertThat(meta("t").state()).isEqualTo(TransactionState.PREPARE_ABORT);
        assertThat(meta("t").producerEpoch()).isEqualTo((short) 1);
        assertThat(ctx.markers).containsExactly(new TxnMarkerJob("t", 1000, (short) 1, TransactionResult.ABORT, 5,
                Set.of(FOO0, BAR0)));
        // (an add waits for the abort whatever its epoch, as Kafka's pending transition makes it; EndTxn of version 1
        // checks the epoch first)
        assertThat(add("t", old, FOO1)).containsEntry(FOO1, Errors.CONCURRENT_TRANSACTIONS);
        assertThat(end("t", old, TransactionResult.COMMIT).error()).isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(ctx.init("t", TIMEOUT).error()).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);

        // when the abort completes, the old producer is fenced, and the retry gets the epoch after the fence's
        assertThat(markersWritten("t")).isEqualTo(Errors.NONE);
        assertThat(add("t", old, FOO1)).containsEntry(FOO1, Errors.PRODUCER_FENCED);
        assertThat(meta("t").state()).isEqualTo(TransactionState.COMPLETE_ABORT);
        assertThat(meta("t").topicPartitions()).isEmpty();
        assertThat(ctx.init("t", TIMEOUT)).isEqualTo(new InitProducerIdResponse(Errors.NONE, 1000, (short) 2));
    }

    @Test
    void initWhileMarkersAreBeingWrittenAnswersConcurrentTransactions() {
        InitProducerIdResponse p = ctx.init("t", TIMEOUT);
        add("t", p, FOO0);
        end("t", p, TransactionResult.COMMIT);
        int written = ctx.log.size();

        assertThat(ctx.init("t", TIMEOUT).error()).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        assertThat(ctx.log).hasSize(written);
    }

    @Test
    void anExhaustedEpochRotatesToAFreshProducerId() {
        // given an id whose epoch is Short.MAX_VALUE - 2
        ctx.shard.replay(TransactionRecord.of(new TransactionMetadata("t", 7, -1, (short) (Short.MAX_VALUE - 2),
                (short) -1, TIMEOUT, TransactionState.COMPLETE_COMMIT, Set.of(), 1, 1)));

        // when
        InitProducerIdResponse last = ctx.init("t", TIMEOUT);
        InitProducerIdResponse rotated = ctx.init("t", TIMEOUT);

        // then
        assertThat(last).isEqualTo(new InitProducerIdResponse(Errors.NONE, 7, (short) (Short.MAX_VALUE - 1)));
        assertThat(rotated).isEqualTo(new InitProducerIdResponse(Errors.NONE, 1000, (short) 0));
        assertThat(meta("t").previousProducerId()).isEqualTo(7);
    }

    @Test
    void kip360RecoveryBumpsAndARetryGetsTheSameAnswer() {
        InitProducerIdResponse p = ctx.init("t", TIMEOUT);
        ProducerIdAndEpoch mine = new ProducerIdAndEpoch(p.producerId(), p.producerEpoch());

        InitProducerIdResponse bumped = ctx.init("t", TIMEOUT, Optional.of(mine));
        InitProducerIdResponse retried = ctx.init("t", TIMEOUT, Optional.of(mine));

        assertThat(bumped).isEqualTo(new InitProducerIdResponse(Errors.NONE, 1000, (short) 1));
        assertThat(retried).isEqualTo(bumped);
        assertThat(ctx.init("t", TIMEOUT, Optional.of(new ProducerIdAndEpoch(999, (short) 0))).error())
                .isEqualTo(Errors.PRODUCER_FENCED);
        // a newer producer (no expected epoch) resets the last epoch: the old one is fenced from then on
        ctx.init("t", TIMEOUT);
        assertThat(ctx.init("t", TIMEOUT, Optional.of(mine)).error()).isEqualTo(Errors.PRODUCER_FENCED);
    }

    @Test
    void kip360RetryAfterARotationIsRecognised() {
        short exhausted = (short) (Short.MAX_VALUE - 1);
        ctx.shard.replay(TransactionRecord.of(new TransactionMetadata("t", 7, -1, exhausted, (short) -1, TIMEOUT,
                TransactionState.COMPLETE_ABORT, Set.of(), 1, 1)));
        ProducerIdAndEpoch mine = new ProducerIdAndEpoch(7, exhausted);

        InitProducerIdResponse rotated = ctx.init("t", TIMEOUT, Optional.of(mine));
        InitProducerIdResponse retried = ctx.init("t", TIMEOUT, Optional.of(mine));

        assertThat(rotated).isEqualTo(new InitProducerIdResponse(Errors.NONE, 1000, (short) 0));
        assertThat(retried).isEqualTo(rotated);
    }

    @Test
    void aHalfGivenExpectedProducerIsInvalidAndTheFenceEpochIsNeverHandedOut() {
        // given an id fenced at Short.MAX_VALUE (its ongoing transaction was aborted from epoch MAX - 1)
        ctx.shard.replay(TransactionRecord.of(new TransactionMetadata("t", 7, -1, Short.MAX_VALUE, (short) -1,
                TIMEOUT, TransactionState.COMPLETE_ABORT, Set.of(), 1, 1)));

        // then
        assertThat(ctx.init("t", TIMEOUT, Optional.of(new ProducerIdAndEpoch(7, (short) -1))).error())
                .isEqualTo(Errors.INVALID_REQUEST);
        assertThat(ctx.init("t", TIMEOUT, Optional.of(new ProducerIdAndEpoch(7, (short) 5))).error())
                .isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(ctx.init("t", TIMEOUT)).isEqualTo(new InitProducerIdResponse(Errors.NONE, 1000, (short) 0));
    }

    // ---- the pending-write guard ------------------------------------------------------------------------

    @Test
    void whileAWriteIsPendingOtherOperationsOnTheIdAnswerConcurrentTransactions() {
        // given an AddPartitions whose record is appended but not yet written
        InitProducerIdResponse p = ctx.init("t", TIMEOUT);
        TxnResult<Map<TopicPartition, Errors>> pending = ctx.append(
                ctx.shard.addPartitionsToTxn("t", p.producerId(), p.producerEpoch(), List.of(FOO0), false));

        // then
        assertThat(ctx.shard.hasPendingWrite("t")).isTrue();
        assertThat(ctx.init("t", TIMEOUT).error()).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        assertThat(add("t", p, FOO1)).containsEntry(FOO1, Errors.CONCURRENT_TRANSACTIONS);
        assertThat(end("t", p, TransactionResult.COMMIT).error()).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        ctx.time.sleep(TIMEOUT + 1);
        assertThat(abortTimedOut()).isEmpty();
        // verification reads committed-or-appended state and ignores the guard, as Kafka's does
        assertThat(addPartitionsToTxn("t", p.producerId(), p.producerEpoch(), List.of(FOO0), true))
                .containsEntry(FOO0, Errors.NONE);

        // when the write fails, the guard is released
        pending.written(new RuntimeException("not enough replicas"));
        assertThat(ctx.shard.hasPendingWrite("t")).isFalse();
        assertThat(end("t", p, TransactionResult.COMMIT).error()).isEqualTo(Errors.NONE);
    }

    @Test
    void aFailedAppendLeavesTheStateAsItWas() {
        InitProducerIdResponse p = ctx.init("t", TIMEOUT);
        TxnResult<Map<TopicPartition, Errors>> refused =
                ctx.shard.addPartitionsToTxn("t", p.producerId(), p.producerEpoch(), List.of(FOO0), false);

        refused.written(new RuntimeException("not the leader"));

        assertThat(meta("t").state()).isEqualTo(TransactionState.EMPTY);
        assertThat(add("t", p, FOO0)).containsEntry(FOO0, Errors.NONE);
    }

    // ---- AddPartitionsToTxn / AddOffsetsToTxn -------------------------------------------------------------

    @Test
    void addPartitionsStartsTheTransactionAndAccumulates() {
        InitProducerIdResponse p = ctx.init("t", TIMEOUT);
        long start = ctx.time.milliseconds();

        assertThat(add("t", p, FOO0)).containsExactly(Map.entry(FOO0, Errors.NONE));
        ctx.time.sleep(100);
        assertThat(add("t", p, FOO1, BAR0)).containsOnlyKeys(FOO1, BAR0).containsValues(Errors.NONE);
        int written = ctx.log.size();
        assertThat(add("t", p, FOO0)).containsEntry(FOO0, Errors.NONE);

        assertThat(ctx.log).as("already in the transaction: nothing to write").hasSize(written);
        assertThat(meta("t").state()).isEqualTo(TransactionState.ONGOING);
        assertThat(meta("t").topicPartitions()).containsExactlyInAnyOrder(FOO0, FOO1, BAR0);
        assertThat(meta("t").txnStartTimestamp()).isEqualTo(start);
        assertThat(meta("t").txnLastUpdateTimestamp()).isEqualTo(start + 100);
    }

    @Test
    void addPartitionsRefusesUnknownIdsOtherProducersAndOldEpochs() {
        InitProducerIdResponse p = ctx.init("t", TIMEOUT);
        ctx.init("t", TIMEOUT);

        assertThat(addPartitionsToTxn("nope", 1000, (short) 0, List.of(FOO0), false))
                .containsEntry(FOO0, Errors.INVALID_PRODUCER_ID_MAPPING);
        assertThat(addPartitionsToTxn("t", 1001, (short) 1, List.of(FOO0), false))
                .containsEntry(FOO0, Errors.INVALID_PRODUCER_ID_MAPPING);
        assertThat(add("t", p, FOO0)).containsEntry(FOO0, Errors.PRODUCER_FENCED);
        assertThat(addPartitionsToTxn("", 1000, (short) 1, List.of(FOO0), false))
                .containsEntry(FOO0, Errors.INVALID_REQUEST);
        assertThat(meta("t").state()).isEqualTo(TransactionState.EMPTY);
    }

    @Test
    void addPartitionsWhileMarkersAreBeingWrittenAnswersConcurrentTransactions() {
        InitProducerIdResponse p = ctx.init("t", TIMEOUT);
        add("t", p, FOO0);
        end("t", p, TransactionResult.ABORT);

        assertThat(add("t", p, FOO1)).containsEntry(FOO1, Errors.CONCURRENT_TRANSACTIONS);
        assertThat(addPartitionsToTxn("t", p.producerId(), p.producerEpoch(), List.of(FOO0), true))
                .containsEntry(FOO0, Errors.CONCURRENT_TRANSACTIONS);
    }

    @Test
    void verificationAnswersPerPartitionAndWritesNothing() {
        InitProducerIdResponse p = ctx.init("t", TIMEOUT);
        add("t", p, FOO0);
        int written = ctx.log.size();

        Map<TopicPartition, Errors> verified = addPartitionsToTxn("t", p.producerId(),
                p.producerEpoch(), List.of(FOO0, FOO1), true);
        Map<TopicPartition, Errors> zombie = addPartitionsToTxn("t", p.producerId(),
                (short) (p.producerEpoch() - 1), List.of(FOO0), true);
        Map<TopicPartition, Errors> unknown = addPartitionsToTxn("x", 1, (short) 0, List.of(FOO0),
                true);

        assertThat(verified).containsExactly(Map.entry(FOO0, Errors.NONE), Map.entry(FOO1,
                Errors.TRANSACTION_ABORTABLE));
        assertThat(zombie).containsEntry(FOO0, Errors.PRODUCER_FENCED);
        assertThat(unknown).containsEntry(FOO0, Errors.INVALID_PRODUCER_ID_MAPPING);
        assertThat(ctx.log).hasSize(written);
        assertThat(meta("t").topicPartitions()).containsExactly(FOO0);
    }

    @Test
    void addOffsetsAddsTheGroupsOffsetsPartition() {
        InitProducerIdResponse p = ctx.init("t", TIMEOUT);

        Errors error = addOffsetsToTxn("t", p.producerId(), p.producerEpoch(), "my-group", 50);

        assertThat(error).isEqualTo(Errors.NONE);
        assertThat(meta("t").topicPartitions()).containsExactly(
                new TopicPartition("__consumer_offsets", Utils.abs("my-group".hashCode()) % 50));
        assertThat(addOffsetsToTxn("t", p.producerId(), (short) 9, "my-group", 50))
                .isEqualTo(Errors.PRODUCER_FENCED);
    }

    // ---- EndTxn and markers -----------------------------------------------------------------------------

    @Test
    void commitPreparesThenCompletesWhenTheMarkersAreWritten() {
        // given
        InitProducerIdResponse p = ctx.init("t", TIMEOUT);
        add("t", p, FOO0, BAR0);

        // when
        EndTxnResponse ended = end("t", p, TransactionResult.COMMIT);

        // then
        assertThat(ended).isEqualTo(new EndTxnResponse(Errors.NONE, 1000, (short) 0));
        assertThat(meta("t").state()).isEqualTo(TransactionState.PREPARE_COMMIT);
        assertThat(ctx.markers).containsExactly(new TxnMarkerJob("t", 1000, (short) 0, TransactionResult.COMMIT, 5,
                Set.of(FOO0, BAR0)));
        assertThat(end("t", p, TransactionResult.COMMIT).error()).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        assertThat(end("t", p, TransactionResult.ABORT).error()).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);

        // when
        assertThat(markersWritten("t")).isEqualTo(Errors.NONE);

        // then
        assertThat(meta("t").state()).isEqualTo(TransactionState.COMPLETE_COMMIT);
        assertThat(meta("t").topicPartitions()).isEmpty();
        assertThat(end("t", p, TransactionResult.COMMIT)).isEqualTo(new EndTxnResponse(Errors.NONE, 1000,
                (short) 0));
        assertThat(end("t", p, TransactionResult.ABORT).error()).isEqualTo(Errors.INVALID_TXN_STATE);
        assertThat(markersWritten("t")).isEqualTo(Errors.INVALID_TXN_STATE);
        // the next transaction starts from the completed one
        assertThat(add("t", p, FOO1)).containsEntry(FOO1, Errors.NONE);
        assertThat(meta("t").topicPartitions()).containsExactly(FOO1);
    }

    @Test
    void endTxnRefusals() {
        InitProducerIdResponse p = ctx.init("t", TIMEOUT);

        assertThat(end("t", p, TransactionResult.COMMIT).error()).isEqualTo(Errors.INVALID_TXN_STATE);
        assertThat(endTxn("x", 1000, (short) 0, TransactionResult.COMMIT).error())
                .isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
        add("t", p, FOO0);
        assertThat(endTxn("t", 1000, (short) 1, TransactionResult.COMMIT))
                .isEqualTo(EndTxnResponse.error(Errors.PRODUCER_FENCED));
        assertThat(onMarkersWritten("t", 1000, (short) 0)).isEqualTo(Errors.INVALID_TXN_STATE);
        assertThat(onMarkersWritten("t", 1000, (short) 3)).isEqualTo(Errors.PRODUCER_FENCED);
    }

    // ---- timeouts and expiration ------------------------------------------------------------------------

    @Test
    void aTransactionOpenLongerThanItsTimeoutIsAbortedWithItsProducerFenced() {
        InitProducerIdResponse p = ctx.init("t", TIMEOUT);
        ctx.init("idle", TIMEOUT);
        add("t", p, FOO0);

        ctx.time.sleep(TIMEOUT);
        assertThat(abortTimedOut()).isEmpty();
        ctx.time.sleep(1);
        List<String> aborted = abortTimedOut();

        assertThat(aborted).containsExactly("t");
        assertThat(meta("t").state()).isEqualTo(TransactionState.PREPARE_ABORT);
        assertThat(meta("t").producerEpoch()).isEqualTo((short) 1);
        assertThat(ctx.markers).containsExactly(new TxnMarkerJob("t", 1000, (short) 1, TransactionResult.ABORT, 5,
                Set.of(FOO0)));
        assertThat(end("t", p, TransactionResult.COMMIT).error()).isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(abortTimedOut()).isEmpty();
    }

    @Test
    void idleIdsExpireAfterTheExpirationButOpenTransactionsDoNot() {
        TxnShardContext c = new TxnShardContext(new TransactionConfig(900_000, 10_000, 50, (short) 3, 2, 1 << 20,
                10_000, 3_600_000));
        c.init("idle", TIMEOUT);
        InitProducerIdResponse p = c.init("open", TIMEOUT);
        c.run(s -> s.addPartitionsToTxn("open", p.producerId(), p.producerEpoch(), List.of(FOO0), false));

        c.time.sleep(9_999);
        assertThat(c.expire()).isEmpty();
        c.time.sleep(1);
        assertThat(c.expire()).containsExactly("idle");

        assertThat(c.shard.metadata("idle")).isEmpty();
        assertThat(c.log.get(c.log.size() - 1)).isEqualTo(TransactionRecord.tombstone("idle"));
        assertThat(c.init("idle", TIMEOUT)).isEqualTo(new InitProducerIdResponse(Errors.NONE, 1002, (short) 0));
    }

    @Test
    void anExpirationInFlightKeepsTheIdBusyUntilWritten() {
        TxnShardContext c = new TxnShardContext(new TransactionConfig(900_000, 10_000, 50, (short) 3, 2, 1 << 20,
                10_000, 3_600_000));
        c.init("idle", TIMEOUT);
        c.time.sleep(10_000);

        TxnResult<List<String>> expiring = c.append(c.shard.expireTransactionalIds());

        assertThat(c.init("idle", TIMEOUT).error()).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        expiring.written(null);
        assertThat(c.init("idle", TIMEOUT).error()).isEqualTo(Errors.NONE);
    }

    // ---- failover -----------------------------------------------------------------------------------------

    @Test
    void aNewLeaderResumesEveryPreparedTransactionAndOnlyThose() {
        InitProducerIdResponse a = ctx.init("a", TIMEOUT);
        InitProducerIdResponse b = ctx.init("b", TIMEOUT);
        InitProducerIdResponse c = ctx.init("c", TIMEOUT);
        add("a", a, FOO0);
        add("b", b, BAR0);
        add("c", c, FOO1);
        end("a", a, TransactionResult.COMMIT);
        end("b", b, TransactionResult.ABORT);
        Map<String, TransactionMetadata> before = ctx.shard.snapshot();

        List<TxnMarkerJob> resumed = ctx.reload();

        assertThat(ctx.shard.snapshot()).isEqualTo(before);
        assertThat(resumed).containsExactly(
                new TxnMarkerJob("a", 1000, (short) 0, TransactionResult.COMMIT, 6, Set.of(FOO0)),
                new TxnMarkerJob("b", 1001, (short) 0, TransactionResult.ABORT, 6, Set.of(BAR0)));
        assertThat(markersWritten("a")).isEqualTo(Errors.NONE);
        assertThat(meta("a").state()).isEqualTo(TransactionState.COMPLETE_COMMIT);
    }

    @Test
    void operationsBeforeTheLoadCompletesAreRefused() {
        TransactionCoordinatorShard loading = new TransactionCoordinatorShard(3, 1, 1, ctx.time, ctx.config);

        assertThatThrownBy(() -> loading.endTxn("t", 1, (short) 0, TransactionResult.COMMIT))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("loading");
    }

    // ---- admin reads ------------------------------------------------------------------------------------

    @Test
    void describeShowsTheTransaction() {
        InitProducerIdResponse p = ctx.init("t", TIMEOUT);
        long start = ctx.time.milliseconds();
        add("t", p, FOO0, FOO1, BAR0);

        DescribeTransactionsResponseData.TransactionState d = ctx.shard.describeTransaction("t");

        assertThat(d.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(d.transactionState()).isEqualTo("Ongoing");
        assertThat(d.producerId()).isEqualTo(1000);
        assertThat(d.producerEpoch()).isEqualTo((short) 0);
        assertThat(d.transactionTimeoutMs()).isEqualTo(TIMEOUT);
        assertThat(d.transactionStartTimeMs()).isEqualTo(start);
        assertThat(d.topics().find("foo").partitions()).containsExactly(0, 1);
        assertThat(d.topics().find("bar").partitions()).containsExactly(0);
        assertThat(ctx.shard.describeTransaction("none").errorCode())
                .isEqualTo(Errors.TRANSACTIONAL_ID_NOT_FOUND.code());
        assertThat(ctx.shard.describeTransaction("").errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
    }

    @Test
    void listFiltersByStateProducerIdDurationAndPattern() {
        InitProducerIdResponse a = ctx.init("app-a", TIMEOUT);
        ctx.init("app-b", TIMEOUT);
        InitProducerIdResponse c = ctx.init("other", TIMEOUT);
        add("app-a", a, FOO0);
        ctx.time.sleep(5_000);
        add("other", c, FOO0);
        ctx.time.sleep(1_000);

        assertThat(ids(ctx.shard.listTransactions(List.of(), List.of(), -1, null)))
                .containsExactly("app-a", "app-b", "other");
        ListTransactionsResponseData byState = ctx.shard.listTransactions(List.of("Ongoing", "Bogus"), List.of(), -1,
                null);
        assertThat(ids(byState)).containsExactly("app-a", "other");
        assertThat(byState.unknownStateFilters()).containsExactly("Bogus");
        assertThat(ids(ctx.shard.listTransactions(List.of(), List.of(1001L), -1, null))).containsExactly("app-b");
        assertThat(ids(ctx.shard.listTransactions(List.of("Ongoing"), List.of(), 2_000, null)))
                .containsExactly("app-a");
        assertThat(ids(ctx.shard.listTransactions(List.of(), List.of(), -1, "app-.*")))
                .containsExactly("app-a", "app-b");
        assertThat(ctx.shard.listTransactions(List.of(), List.of(), -1, "(").errorCode())
                .isEqualTo(Errors.INVALID_REGULAR_EXPRESSION.code());
    }

    private static List<String> ids(ListTransactionsResponseData data) {
        assertThat(data.errorCode()).isEqualTo(Errors.NONE.code());
        return data.transactionStates().stream().map(ListTransactionsResponseData.TransactionState::transactionalId)
                .toList();
    }

    // ---- config and errors ------------------------------------------------------------------------------

    @Test
    void configHasKafkasNamesAndDefaults() {
        TransactionConfig d = TransactionConfig.defaults();
        TransactionConfig c = TransactionConfig.fromBrokerConfigs(Map.of("transaction.max.timeout.ms", "1000",
                "transaction.state.log.num.partitions", 7));

        assertThat(d).isEqualTo(new TransactionConfig(900_000, 604_800_000L, 50, (short) 3, 2, 104_857_600,
                10_000L, 3_600_000L));
        assertThat(c.transactionMaxTimeoutMs()).isEqualTo(1000);
        assertThat(c.stateLogNumPartitions()).isEqualTo(7);
        assertThat(c.transactionalIdExpirationMs()).isEqualTo(604_800_000L);
        assertThat(c.partitionFor("my-txn")).isEqualTo(Utils.abs("my-txn".hashCode()) % 7);
        assertThat(TransactionConfig.partitionFor("my-txn", 50)).isEqualTo(Utils.abs("my-txn".hashCode()) % 50);
    }

    @Test
    void producerFencedIsInvalidProducerEpochForOldRequestVersions() {
        assertThat(TxnErrors.forVersion(ApiKeys.INIT_PRODUCER_ID, (short) 3, Errors.PRODUCER_FENCED))
                .isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
        assertThat(TxnErrors.forVersion(ApiKeys.INIT_PRODUCER_ID, (short) 4, Errors.PRODUCER_FENCED))
                .isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(TxnErrors.forVersion(ApiKeys.END_TXN, (short) 1, Errors.PRODUCER_FENCED))
                .isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
        assertThat(TxnErrors.forVersion(ApiKeys.ADD_PARTITIONS_TO_TXN, (short) 2, Errors.PRODUCER_FENCED))
                .isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(TxnErrors.forVersion(ApiKeys.END_TXN, (short) 0, Errors.CONCURRENT_TRANSACTIONS))
                .isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
    }
}
