package io.cairn.broker.coordinator;

import java.util.List;
import java.util.function.Consumer;

/**
 * What a coordinator shard's write operation decided: the records to append to its partition and the response to
 * give once the high watermark has passed them. The runtime replays the records into the shard right after the
 * append, then runs {@link #onWritten} on the shard's event loop with null on success or the write's error.
 *
 * @param <R> the shard's record type
 * @param <T> the response type
 */
public interface CoordinatorWrite<R extends StoredRecord, T> {

    List<R> records();

    T response();

    /** Called after the write, with null or its error; null when there is nothing to do. */
    Consumer<Throwable> onWritten();

    /**
     * The producer whose transaction these records belong to: they are written as one transactional batch of that
     * producer and replayed through {@link CoordinatorShard#replayTransactional}; null (the default) for plain
     * records.
     */
    default TransactionalProducer transactionalProducer() {
        return null;
    }

    /** A transactional producer's id and epoch. */
    record TransactionalProducer(long producerId, short producerEpoch) {
    }
}
