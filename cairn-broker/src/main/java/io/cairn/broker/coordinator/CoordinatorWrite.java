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
     * Called on the shard's event loop when the records are committed after all, although {@link #onWritten} was
     * given a timeout: they stayed in the log of this node, which still leads the partition at the same leader
     * epoch, and its replicas caught up later. Null (the default) when a late commit needs nothing done. A write
     * whose leadership moved first never gets here: the next leader's shard reads the records from its own log.
     */
    default Runnable onCommittedLate() {
        return null;
    }

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
