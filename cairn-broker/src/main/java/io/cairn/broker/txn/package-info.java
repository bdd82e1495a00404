/**
 * The transaction coordinator (KIP-98, Kafka 4.x semantics, transaction version 1), kept in
 * {@code __transaction_state}: so far the decision logic of one partition's shard, not yet wired to a runtime.
 *
 * <p>Public surface: {@link io.cairn.broker.txn.TransactionCoordinatorShard} (operations return
 * {@link io.cairn.broker.txn.TxnResult}: records, response, onWritten, markers), its record format
 * {@link io.cairn.broker.txn.TransactionRecord}, {@link io.cairn.broker.txn.TransactionConfig}. Threading: a
 * shard is confined to its coordinator runtime's event loop, like the group coordinator's shards (docs/adr/0101);
 * the value types are immutable.
 */
package io.cairn.broker.txn;
