package io.cairn.metadata.record;

/**
 * Raises the metadata format feature level of the log ({@link MetadataFormat}): written by a controller that
 * activates on a log bootstrapped at level 1 (to 2, leases), and by UpdateFeatures once every registered broker
 * supports the new level (docs/adr/0028). A no-op unless it raises the level: the level never goes down.
 */
public record FeatureLevelRecord(short metadataFormatFeatureLevel) implements MetadataRecord {
}
