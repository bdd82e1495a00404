package io.cairn.metadata.record;

import java.util.List;
import java.util.Objects;

/**
 * A batch of records decided together by one controller: committed and applied atomically.
 *
 * @param offset   the batch's position in the metadata log (assigned by the log; -1 before it is appended)
 * @param term     the controller term (Raft term) the batch was decided in
 * @param leaderId the node whose controller decided it
 */
public record MetadataBatch(long offset, int term, int leaderId, List<MetadataRecord> records) {
    public MetadataBatch {
        records = List.copyOf(Objects.requireNonNull(records, "records"));
    }

    public MetadataBatch withOffset(long newOffset) {
        return new MetadataBatch(newOffset, term, leaderId, records);
    }
}
