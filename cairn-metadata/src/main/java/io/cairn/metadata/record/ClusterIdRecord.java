package io.cairn.metadata.record;

import java.util.Objects;

/**
 * The bootstrap record: the first record of a new cluster's log. Applying it when the image already has a
 * cluster id is a no-op.
 *
 * @param clusterId                   the cluster id clients see in Metadata responses
 * @param metadataFormatFeatureLevel  the metadata format version the log was started with
 */
public record ClusterIdRecord(String clusterId, short metadataFormatFeatureLevel) implements MetadataRecord {
    public ClusterIdRecord {
        Objects.requireNonNull(clusterId, "clusterId");
    }
}
