package io.cairn.broker.txn;

/**
 * What a shard operation that may need a fresh producer id decided: {@link TransactionCoordinatorShard#initProducerId}
 * (a transactional id never seen, or one whose epoch ran out) and, with transaction version 2,
 * {@link TransactionCoordinatorShard#endTxn} (an epoch bump that would overflow). Producer ids come from an
 * asynchronous allocator (blocks of ids from the controller) that the shard must not wait for on its event loop,
 * so the shard asks for one only when its decision needs it. The runtime then obtains an id off the loop and calls
 * the operation again with it; the second call decides afresh from the state at that time (it may no longer need
 * the id, which is then simply never used, as Kafka skips ids too).
 *
 * <p>Immutable and thread-safe.
 *
 * @param <T> the operation's response
 */
public sealed interface ProducerIdDecision<T> {

    /** The shard decided: apply the result as for any other operation. */
    record Decided<T>(TxnResult<T> result) implements ProducerIdDecision<T> {
    }

    /** Call the operation again with a freshly allocated producer id. Nothing was changed. */
    record NeedsFreshProducerId<T>() implements ProducerIdDecision<T> {
    }
}
