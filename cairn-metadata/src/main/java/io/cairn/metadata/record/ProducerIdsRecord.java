package io.cairn.metadata.record;

/**
 * A block of producer ids was handed to {@code brokerId}; {@code nextProducerId} is the first id not yet
 * handed out. A no-op unless it moves the image's next producer id forward (so blocks never overlap).
 */
public record ProducerIdsRecord(int brokerId, long nextProducerId) implements MetadataRecord {
}
