package io.cairn.broker.txn;

/**
 * What {@link TransactionCoordinatorShard#initProducerId} decided. Producer ids come from an asynchronous
 * allocator (blocks of ids from the controller) that the shard must not wait for on its event loop, so the
 * shard asks for one only when its decision needs it: a transactional id it has never seen, or one whose epoch
 * ran out. The runtime then obtains an id off the loop and calls initProducerId again with it; the second
 * call decides afresh from the state at that time (it may no longer need the id, which is then simply never
 * used, as Kafka skips ids too). A runtime holding a pre-allocated id may pass it on the first call.
 *
 * <p>Immutable and thread-safe.
 */
public sealed interface InitProducerIdDecision {

    /** The shard decided: apply the result as for any other operation. */
    record Decided(TxnResult<InitProducerIdResponse> result) implements InitProducerIdDecision {
    }

    /** Call initProducerId again with a freshly allocated producer id. Nothing was changed. */
    record NeedsFreshProducerId() implements InitProducerIdDecision {
    }
}
