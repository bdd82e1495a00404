package io.cairn.broker.group;

import java.util.List;
import java.util.function.Consumer;

import io.cairn.broker.coordinator.CoordinatorWrite;

/**
 * What a shard operation decided: the records to write to its {@code __consumer_offsets} partition and the
 * response to give once they are committed (the high watermark has passed them). The runtime replays the
 * records into the shard after appending them; {@code onWritten} then runs on the shard's event loop with
 * null on success or the write's error. When {@code transactionalProducer} is not null the records belong to
 * that producer's transaction (TxnOffsetCommit): they are written as one transactional batch and take effect
 * only when the transaction's commit marker is written.
 *
 * <p>Immutable.
 */
public record CoordinatorResult<T>(List<CoordinatorRecord> records, T response, Consumer<Throwable> onWritten,
                                   TransactionalProducer transactionalProducer)
        implements CoordinatorWrite<CoordinatorRecord, T> {

    public CoordinatorResult {
        records = List.copyOf(records);
    }

    /** Plain records. */
    public CoordinatorResult(List<CoordinatorRecord> records, T response, Consumer<Throwable> onWritten) {
        this(records, response, onWritten, null);
    }

    public static <T> CoordinatorResult<T> of(T response) {
        return new CoordinatorResult<>(List.of(), response, null);
    }

    public static <T> CoordinatorResult<T> of(List<CoordinatorRecord> records, T response) {
        return new CoordinatorResult<>(records, response, null);
    }

    /** Records written in the transaction of {@code producer}. */
    public static <T> CoordinatorResult<T> transactional(List<CoordinatorRecord> records, T response,
                                                         TransactionalProducer producer) {
        return new CoordinatorResult<>(records, response, null, producer);
    }
}
