package io.cairn.metadata.record;

/**
 * Raises the metadata format feature level of the log, written by a controller that knows a newer format when
 * it activates on a log bootstrapped (or last upgraded) at an older one. A no-op unless it raises the level:
 * the level never goes down.
 *
 * <p>Levels: 1, the single-node format (brokers registered unfenced, no leases); 2, leases (a registration
 * starts fenced and is unfenced by a heartbeat; a broker whose lease expires is fenced).
 */
public record FeatureLevelRecord(short metadataFormatFeatureLevel) implements MetadataRecord {
}
