package io.cairn.broker.txn;

import java.util.List;
import java.util.function.Consumer;

/**
 * What a transaction shard operation decided: the records to write to its {@code __transaction_state}
 * partition, the response to give once they are committed, the callback to run then, and the markers to write
 * after that.
 *
 * <p>The runtime's contract, as for the group coordinator's {@code CoordinatorResult}: append the records,
 * replay them into the shard, and once the high watermark passes them (or the write fails) run
 * {@code onWritten} on the shard's event loop with null or the error. {@code onWritten} must run for every
 * result that has records, also when the append itself throws: it releases the shard's per-id pending-write
 * guard. Only when the write succeeded does the runtime then answer with {@code response} and start writing
 * {@code markers}; on failure it answers with the write's error and drops the markers. A PREPARE record that
 * was appended (and so replayed) but not acknowledged in time leaves its transaction in PREPARE: it is either
 * committed later, and then {@link TransactionCoordinatorShard#preparedMarkerJobs} names its markers, or lost
 * with this leadership, and then the next coordinator decides from its own log
 * ({@link TransactionCoordinatorShard#onLoaded}).
 *
 * <p>Immutable.
 *
 * @param onWritten null when there are no records
 */
public record TxnResult<T>(List<TransactionRecord> records, T response, Consumer<Throwable> onWritten,
                           List<TxnMarkerJob> markers) {

    public TxnResult {
        records = List.copyOf(records);
        markers = List.copyOf(markers);
        if (!markers.isEmpty() && records.isEmpty()) {
            throw new IllegalArgumentException("Markers are only sent after the record that decided them");
        }
    }

    /** An answer that writes nothing. */
    public static <T> TxnResult<T> of(T response) {
        return new TxnResult<>(List.of(), response, null, List.of());
    }

    public void written(Throwable error) {
        if (onWritten != null) {
            onWritten.accept(error);
        }
    }
}
