package io.cairn.broker.txn;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;

import org.apache.kafka.common.utils.MockTime;
import org.apache.kafka.common.utils.ProducerIdAndEpoch;

/**
 * Drives one {@link TransactionCoordinatorShard} the way a runtime would, on a manual clock: runs an operation,
 * "appends" its records (through their bytes) to an in-memory log and replays them, runs onWritten, and keeps
 * the markers the runtime would then write. Allocates producer ids when the shard asks for one.
 * Not thread-safe.
 */
final class TxnShardContext {

    final MockTime time = new MockTime(0, 1_000_000L, 1_000_000_000_000L);
    final TransactionConfig config;
    final List<TransactionRecord> log = new ArrayList<>();
    final List<TxnMarkerJob> markers = new ArrayList<>();
    TransactionCoordinatorShard shard;
    int coordinatorEpoch = 5;
    long nextProducerId = 1000;

    TxnShardContext() {
        this(TransactionConfig.defaults());
    }

    TxnShardContext(TransactionConfig config) {
        this.config = config;
        shard = new TransactionCoordinatorShard(0, 1, coordinatorEpoch, time, config);
        shard.onLoaded();
    }

    /** Runs an operation and completes its write successfully. */
    <T> T run(Function<TransactionCoordinatorShard, TxnResult<T>> op) {
        return complete(op.apply(shard));
    }

    /** Appends and replays a result's records without completing the write (onWritten not yet run). */
    <T> TxnResult<T> append(TxnResult<T> result) {
        for (TransactionRecord record : result.records()) {
            TransactionRecord stored = roundTrip(record);
            log.add(stored);
            shard.replay(stored);
        }
        return result;
    }

    /** Appends, replays, completes the write and keeps the markers to write; returns the response. */
    <T> T complete(TxnResult<T> result) {
        append(result);
        result.written(null);
        markers.addAll(result.markers());
        return result.response();
    }

    List<String> expire() {
        return complete(shard.expireTransactionalIds());
    }

    InitProducerIdResponse init(String transactionalId, int timeoutMs) {
        return init(transactionalId, timeoutMs, Optional.empty());
    }

    InitProducerIdResponse init(String transactionalId, int timeoutMs, Optional<ProducerIdAndEpoch> expected) {
        return complete(decideInit(transactionalId, timeoutMs, expected));
    }

    /** InitProducerId as the runtime runs it: again with a fresh producer id when the shard asks for one. */
    TxnResult<InitProducerIdResponse> decideInit(String transactionalId, int timeoutMs,
                                                 Optional<ProducerIdAndEpoch> expected) {
        ProducerIdDecision<InitProducerIdResponse> decision = shard.initProducerId(transactionalId, timeoutMs, expected,
                OptionalLong.empty());
        if (decision instanceof ProducerIdDecision.NeedsFreshProducerId) {
            decision = shard.initProducerId(transactionalId, timeoutMs, expected, OptionalLong.of(nextProducerId++));
        }
        if (decision instanceof ProducerIdDecision.Decided<InitProducerIdResponse> decided) {
            return decided.result();
        }
        throw new AssertionError("Asked twice for a fresh producer id: " + decision);
    }

    /** EndTxn of transaction version 2 as the runtime runs it: again with a fresh producer id when asked. */
    EndTxnResponse endTxnV2(String transactionalId, long producerId, short producerEpoch,
                            org.apache.kafka.common.requests.TransactionResult result) {
        ProducerIdDecision<EndTxnResponse> decision = shard.endTxn(transactionalId, producerId, producerEpoch, result,
                true, OptionalLong.empty());
        if (decision instanceof ProducerIdDecision.NeedsFreshProducerId) {
            decision = shard.endTxn(transactionalId, producerId, producerEpoch, result, true,
                    OptionalLong.of(nextProducerId++));
        }
        if (decision instanceof ProducerIdDecision.Decided<EndTxnResponse> decided) {
            return complete(decided.result());
        }
        throw new AssertionError("Asked twice for a fresh producer id: " + decision);
    }

    /** A new shard of a new leader loading everything written so far; returns the markers it resumes. */
    List<TxnMarkerJob> reload() {
        coordinatorEpoch++;
        shard = new TransactionCoordinatorShard(0, 1, coordinatorEpoch, time, config);
        log.forEach(shard::replay);
        markers.clear();
        List<TxnMarkerJob> resumed = shard.onLoaded();
        markers.addAll(resumed);
        return resumed;
    }

    static TransactionRecord roundTrip(TransactionRecord record) {
        byte[] value = record.value();
        return TransactionRecord.parse(ByteBuffer.wrap(record.key()), value == null ? null : ByteBuffer.wrap(value));
    }
}
