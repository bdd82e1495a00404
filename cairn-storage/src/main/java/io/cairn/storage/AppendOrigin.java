package io.cairn.storage;

/** Who writes a leader append: a producing client, or a coordinator writing its own internal-topic records. */
public enum AppendOrigin {
    /** A produce request: sequence numbers and epochs are checked. */
    CLIENT,
    /**
     * A group or transaction coordinator: the only writer of its partition, whose transactional batches carry the
     * producer's id and epoch but no sequence numbers, so neither is checked (as Kafka's AppendOrigin.COORDINATOR).
     */
    COORDINATOR
}
