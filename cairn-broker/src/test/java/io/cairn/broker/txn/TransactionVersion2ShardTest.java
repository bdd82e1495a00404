package io.cairn.broker.txn;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.TransactionResult;
import org.junit.jupiter.api.Test;

/**
 * Transaction version 2 (KIP-890 part 2) in the shard: partitions added on the client's behalf, an epoch bump per
 * EndTxn carried by the markers and answered to the producer, Kafka's table of retries, the empty abort, the
 * hand-over to a fresh producer id when the epoch runs out, and a new leader resuming all of it.
 */
class TransactionVersion2ShardTest {

    private static final TopicPartition FOO0 = new TopicPartition("foo", 0);
    private static final TopicPartition FOO1 = new TopicPartition("foo", 1);
    private static final int TIMEOUT = 60_000;

    private final TxnShardContext ctx = new TxnShardContext();

    private InitProducerIdResponse init() {
        return ctx.init("t", TIMEOUT);
    }

    /** What a partition leader asks for a version 2 producer's first produce to a partition. */
    private Errors implicitAdd(long pid, short epoch, TopicPartition tp) {
        Map<TopicPartition, Errors> answer = ctx.complete(ctx.shard.addPartitionsToTxn("t", pid, epoch, List.of(tp),
                false, TransactionMetadata.TV_2));
        return answer.get(tp);
    }

    private EndTxnResponse end(long pid, short epoch, TransactionResult result) {
        return ctx.endTxnV2("t", pid, epoch, result);
    }

    private Errors markersWritten() {
        TxnMarkerJob job = ctx.markers.get(ctx.markers.size() - 1);
        return ctx.complete(ctx.shard.onMarkersWritten("t", job.producerId(), job.producerEpoch()));
    }

    private TransactionMetadata meta() {
        return ctx.shard.metadata("t").orElseThrow();
    }

    @Test
    void everyEndBumpsTheEpochAndTheMarkersCarryIt() {
        // given a producer at epoch 0 whose produce added a partition
        InitProducerIdResponse p = init();
        assertThat(implicitAdd(p.producerId(), p.producerEpoch(), FOO0)).isEqualTo(Errors.NONE);
        assertThat(meta().transactionVersion()).isEqualTo(TransactionMetadata.TV_2);

        // when it commits
        EndTxnResponse ended = end(p.producerId(), p.producerEpoch(), TransactionResult.COMMIT);

        // then it is answered the bumped epoch, and the markers are written at that epoch
        assertThat(ended).isEqualTo(new EndTxnResponse(Errors.NONE, p.producerId(), (short) 1));
        TxnMarkerJob job = ctx.markers.get(0);
        assertThat(job.producerEpoch()).isEqualTo((short) 1);
        assertThat(job.partitions()).containsExactly(FOO0);
        assertThat(meta().state()).isEqualTo(TransactionState.PREPARE_COMMIT);
        assertThat(meta().lastProducerEpoch()).isEqualTo((short) 0);

        // and while the markers are written every produce waits (Kafka checks its pending transition first), then
        // one of the old epoch can no longer join any transaction
        assertThat(implicitAdd(p.producerId(), (short) 0, FOO0)).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        assertThat(implicitAdd(p.producerId(), (short) 1, FOO0)).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        assertThat(markersWritten()).isEqualTo(Errors.NONE);
        assertThat(implicitAdd(p.producerId(), (short) 0, FOO0)).isEqualTo(Errors.PRODUCER_FENCED);

        // and the next transaction runs at the new epoch, and its end bumps again
        assertThat(implicitAdd(p.producerId(), (short) 1, FOO0)).isEqualTo(Errors.NONE);
        assertThat(end(p.producerId(), (short) 1, TransactionResult.ABORT))
                .isEqualTo(new EndTxnResponse(Errors.NONE, p.producerId(), (short) 2));
    }

    @Test
    void aRetriedEndIsRecognisedByTheEpochBelowTheBumpedOne() {
        // given a commit decided, its markers being written
        InitProducerIdResponse p = init();
        implicitAdd(p.producerId(), p.producerEpoch(), FOO0);
        end(p.producerId(), p.producerEpoch(), TransactionResult.COMMIT);

        // then, while the markers are written, every end waits (Kafka's pending transition): its retry, the opposite
        // outcome, and the abort of the next, empty, transaction at the bumped epoch, which must not be fenced
        assertThat(end(p.producerId(), (short) 0, TransactionResult.COMMIT).error())
                .isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        assertThat(end(p.producerId(), (short) 0, TransactionResult.ABORT).error())
                .isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        assertThat(end(p.producerId(), (short) 1, TransactionResult.ABORT).error())
                .isEqualTo(Errors.CONCURRENT_TRANSACTIONS);

        // when the transaction is complete, its retry is answered what the producer now holds
        markersWritten();
        assertThat(end(p.producerId(), (short) 0, TransactionResult.COMMIT))
                .isEqualTo(new EndTxnResponse(Errors.NONE, p.producerId(), (short) 1));
        assertThat(end(p.producerId(), (short) 0, TransactionResult.ABORT).error())
                .isEqualTo(Errors.INVALID_TXN_STATE);
        // and a commit at the current epoch with no transaction open is not a retry
        assertThat(end(p.producerId(), (short) 1, TransactionResult.COMMIT).error())
                .isEqualTo(Errors.INVALID_TXN_STATE);
        // and the empty transaction's abort, retried, now bumps the epoch
        assertThat(end(p.producerId(), (short) 1, TransactionResult.ABORT))
                .isEqualTo(new EndTxnResponse(Errors.NONE, p.producerId(), (short) 2));
        // and an epoch two behind is a zombie
        assertThat(end(p.producerId(), (short) 0, TransactionResult.COMMIT).error())
                .isEqualTo(Errors.CONCURRENT_TRANSACTIONS); // (the abort's markers are being written)
        markersWritten();
        assertThat(end(p.producerId(), (short) 0, TransactionResult.COMMIT).error())
                .isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(meta().producerEpoch()).isEqualTo((short) 2);
    }

    @Test
    void anAbortWithNoTransactionOpenBumpsTheEpochWithoutMarkers() {
        // given a producer that has not written anything (it cannot know whether its produces added a partition)
        InitProducerIdResponse p = init();

        // when it aborts
        EndTxnResponse ended = end(p.producerId(), p.producerEpoch(), TransactionResult.ABORT);

        // then the epoch is bumped, with an empty PREPARE_ABORT that completes with no marker to write
        assertThat(ended).isEqualTo(new EndTxnResponse(Errors.NONE, p.producerId(), (short) 1));
        assertThat(meta().state()).isEqualTo(TransactionState.PREPARE_ABORT);
        assertThat(ctx.markers.get(0).partitions()).isEmpty();
        assertThat(markersWritten()).isEqualTo(Errors.NONE);
        assertThat(meta().state()).isEqualTo(TransactionState.COMPLETE_ABORT);
        // and a commit with nothing open is refused
        assertThat(end(p.producerId(), (short) 1, TransactionResult.COMMIT).error())
                .isEqualTo(Errors.INVALID_TXN_STATE);
    }

    @Test
    void anExhaustedEpochHandsOverToAFreshProducerIdOnceTheTransactionEnds() {
        // given a producer whose epoch is about to run out (its id rotated by InitProducerId would be the same)
        InitProducerIdResponse p = init();
        short epoch = 0;
        while (epoch < Short.MAX_VALUE - 1) {
            epoch = end(p.producerId(), epoch, TransactionResult.ABORT).producerEpoch();
            markersWritten();
        }
        assertThat(epoch).isEqualTo((short) (Short.MAX_VALUE - 1));
        implicitAdd(p.producerId(), epoch, FOO0);

        // when it commits
        long fresh = ctx.nextProducerId;
        EndTxnResponse ended = end(p.producerId(), epoch, TransactionResult.COMMIT);

        // then it is answered a fresh producer id at epoch 0; the markers still carry the old id, at the last epoch
        assertThat(ended).isEqualTo(new EndTxnResponse(Errors.NONE, fresh, (short) 0));
        TxnMarkerJob job = ctx.markers.get(ctx.markers.size() - 1);
        assertThat(job.producerId()).isEqualTo(p.producerId());
        assertThat(job.producerEpoch()).isEqualTo(Short.MAX_VALUE);
        assertThat(meta().nextProducerId()).isEqualTo(fresh);

        // and a new leader resumes it from the log and completes the hand-over
        assertThat(ctx.reload()).hasSize(1);
        assertThat(markersWritten()).isEqualTo(Errors.NONE);
        assertThat(meta().producerId()).isEqualTo(fresh);
        assertThat(meta().producerEpoch()).isZero();
        assertThat(meta().previousProducerId()).isEqualTo(p.producerId());
        assertThat(meta().nextProducerId()).isEqualTo(TransactionMetadata.NO_PRODUCER_ID);

        // and the retry of that commit, by the old id at its last epoch, is recognised
        assertThat(end(p.producerId(), epoch, TransactionResult.COMMIT))
                .isEqualTo(new EndTxnResponse(Errors.NONE, fresh, (short) 0));
        // and the fresh id works
        assertThat(implicitAdd(fresh, (short) 0, FOO0)).isEqualTo(Errors.NONE);
        assertThat(end(fresh, (short) 0, TransactionResult.COMMIT))
                .isEqualTo(new EndTxnResponse(Errors.NONE, fresh, (short) 1));
    }

    /**
     * A version 2 producer of {@code pid} whose transaction at the last epoch before exhaustion is open on FOO0, as a
     * coordinator loads it from the log (about 32,766 transactions after its InitProducerId).
     */
    private void openAtTheLastEpoch(long pid) {
        long now = ctx.time.milliseconds();
        ctx.log.add(TransactionRecord.of(new TransactionMetadata("t", pid, TransactionMetadata.NO_PRODUCER_ID,
                (short) (Short.MAX_VALUE - 1), (short) (Short.MAX_VALUE - 2), TIMEOUT, TransactionState.ONGOING,
                Set.of(FOO0), now, now, TransactionMetadata.NO_PRODUCER_ID, TransactionMetadata.TV_2)));
        ctx.reload();
    }

    @Test
    void theHandedOverProducerIdAddingPartitionsBeforeTheMarkersAreWrittenIsAskedToRetry() {
        // given a commit that hands over to a fresh producer id, answered as soon as its PREPARE record is written
        openAtTheLastEpoch(7000);
        EndTxnResponse ended = end(7000, (short) (Short.MAX_VALUE - 1), TransactionResult.COMMIT);
        long fresh = ended.producerId();
        assertThat(ended).isEqualTo(new EndTxnResponse(Errors.NONE, fresh, (short) 0));
        assertThat(meta().producerId()).isEqualTo(7000);

        // when the producer's next transaction produces (and sends offsets) with the fresh id while the markers of
        // the handed-over one are written, then it is asked to retry (Kafka's pending transition), not told that
        // the id is not its own, which kafka-clients takes as fatal
        assertThat(implicitAdd(fresh, (short) 0, FOO1)).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        assertThat(ctx.complete(ctx.shard.addOffsetsToTxn("t", fresh, (short) 0, "g", 50)))
                .isEqualTo(Errors.CONCURRENT_TRANSACTIONS);

        // and so after a failover, while the new coordinator resumes the markers
        assertThat(ctx.reload()).hasSize(1);
        assertThat(implicitAdd(fresh, (short) 0, FOO1)).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);

        // and once the hand-over is complete the retry joins the transaction, which ends at the next epoch
        assertThat(markersWritten()).isEqualTo(Errors.NONE);
        assertThat(implicitAdd(fresh, (short) 0, FOO1)).isEqualTo(Errors.NONE);
        assertThat(end(fresh, (short) 0, TransactionResult.COMMIT))
                .isEqualTo(new EndTxnResponse(Errors.NONE, fresh, (short) 1));
        // and the old producer id is still refused as a mapping of another producer
        assertThat(implicitAdd(7000, (short) (Short.MAX_VALUE - 1), FOO1))
                .isEqualTo(Errors.CONCURRENT_TRANSACTIONS); // (the commit's markers are being written)
        markersWritten();
        assertThat(implicitAdd(7000, (short) (Short.MAX_VALUE - 1), FOO1))
                .isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
    }

    @Test
    void aHandOverCommitRetriedAcrossAFailoverLearnsTheFreshProducerId() {
        // given a commit that hands over, written, whose coordinator dies before the producer sees the answer
        openAtTheLastEpoch(7000);
        long fresh = end(7000, (short) (Short.MAX_VALUE - 1), TransactionResult.COMMIT).producerId();
        ctx.reload();

        // when the producer retries it on the new coordinator, then it waits while the markers are resumed
        assertThat(end(7000, (short) (Short.MAX_VALUE - 1), TransactionResult.COMMIT).error())
                .isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        markersWritten();

        // and then learns the fresh producer id, with which it carries on, after another failover too
        assertThat(end(7000, (short) (Short.MAX_VALUE - 1), TransactionResult.COMMIT))
                .isEqualTo(new EndTxnResponse(Errors.NONE, fresh, (short) 0));
        ctx.reload();
        assertThat(end(7000, (short) (Short.MAX_VALUE - 1), TransactionResult.COMMIT))
                .isEqualTo(new EndTxnResponse(Errors.NONE, fresh, (short) 0));
        assertThat(implicitAdd(fresh, (short) 0, FOO0)).isEqualTo(Errors.NONE);
    }

    @Test
    void aNewLeaderResumesAVersion2TransactionAtItsBumpedEpoch() {
        // given a commit decided and its markers not yet written when the leader dies
        InitProducerIdResponse p = init();
        implicitAdd(p.producerId(), p.producerEpoch(), FOO0);
        end(p.producerId(), p.producerEpoch(), TransactionResult.COMMIT);

        // when a new leader loads the partition
        List<TxnMarkerJob> resumed = ctx.reload();

        // then it writes the markers at the bumped epoch and completes the transaction
        assertThat(resumed).singleElement().satisfies(job -> {
            assertThat(job.producerEpoch()).isEqualTo((short) 1);
            assertThat(job.partitions()).isEqualTo(Set.of(FOO0));
        });
        assertThat(markersWritten()).isEqualTo(Errors.NONE);
        assertThat(meta().state()).isEqualTo(TransactionState.COMPLETE_COMMIT);
        assertThat(meta().producerEpoch()).isEqualTo((short) 1);
        assertThat(meta().transactionVersion()).isEqualTo(TransactionMetadata.TV_2);
    }

    @Test
    void aFenceAtVersion2RemembersTheFencedEpochSoItsRetriedAbortLearnsTheNewOne() {
        // given an ongoing transaction that times out
        InitProducerIdResponse p = init();
        implicitAdd(p.producerId(), p.producerEpoch(), FOO0);
        ctx.time.sleep(TIMEOUT + 1);
        assertThat(ctx.complete(ctx.shard.abortTimedOutTransactions())).containsExactly("t");
        markersWritten();

        // when its producer, not knowing, aborts at its old epoch
        EndTxnResponse ended = end(p.producerId(), p.producerEpoch(), TransactionResult.ABORT);

        // then it is told the epoch the fence moved it to, as Kafka answers
        assertThat(ended).isEqualTo(new EndTxnResponse(Errors.NONE, p.producerId(), (short) 1));
        assertThat(meta().lastProducerEpoch()).isEqualTo(p.producerEpoch());
    }
}
