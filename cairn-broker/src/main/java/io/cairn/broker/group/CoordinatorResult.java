package io.cairn.broker.group;

import java.util.List;
import java.util.function.Consumer;

import io.cairn.broker.coordinator.CoordinatorWrite;

/**
 * What a shard operation decided: the records to write to its {@code __consumer_offsets} partition and the
 * response to give once they are committed (the high watermark has passed them). The runtime replays the
 * records into the shard after appending them; {@code onWritten} then runs on the shard's event loop with
 * null on success or the write's error.
 *
 * <p>Immutable.
 */
public record CoordinatorResult<T>(List<CoordinatorRecord> records, T response, Consumer<Throwable> onWritten)
        implements CoordinatorWrite<CoordinatorRecord, T> {

    public CoordinatorResult {
        records = List.copyOf(records);
    }

    public static <T> CoordinatorResult<T> of(T response) {
        return new CoordinatorResult<>(List.of(), response, null);
    }

    public static <T> CoordinatorResult<T> of(List<CoordinatorRecord> records, T response) {
        return new CoordinatorResult<>(records, response, null);
    }
}
