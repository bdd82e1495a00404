package io.cairn.metadata;

/** A range of producer ids handed to one broker: [firstProducerId, firstProducerId + size). */
public record ProducerIdBlock(int brokerId, long firstProducerId, int size) {
}
