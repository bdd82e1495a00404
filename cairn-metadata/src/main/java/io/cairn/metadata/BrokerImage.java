package io.cairn.metadata;

import java.util.List;
import java.util.Optional;

import io.cairn.metadata.record.MetadataFormat;
import io.cairn.metadata.record.RegisterBrokerRecord.Endpoint;

/**
 * A registered broker. Immutable.
 *
 * @param host      its inter-broker listener's host, which the other brokers dial
 * @param epoch     the broker epoch given at this registration
 * @param fenced    a fenced broker leads nothing and is in no ISR
 * @param endpoints every advertised listener it registered (empty when registered by a node that sent only its
 *                  inter-broker endpoint)
 * @param metadataVersions the levels of {@value MetadataFormat#FEATURE_NAME} it registered, or null: it registered
 *                  none (a broker of the release before the feature; see {@link #supportedMetadataVersions()})
 */
public record BrokerImage(int id, String host, int port, Optional<String> rack, long epoch, boolean fenced,
                          List<Endpoint> endpoints, MetadataFormat.Range metadataVersions) {

    public BrokerImage {
        endpoints = List.copyOf(endpoints);
    }

    public BrokerImage(int id, String host, int port, Optional<String> rack, long epoch, boolean fenced,
                       List<Endpoint> endpoints) {
        this(id, host, port, rack, epoch, fenced, endpoints, null);
    }

    /** The metadata versions it supports: as registered, or those of the release before the feature. */
    public MetadataFormat.Range supportedMetadataVersions() {
        return metadataVersions != null ? metadataVersions
                : new MetadataFormat.Range(MetadataFormat.MIN, MetadataFormat.PREVIOUS_RELEASE_MAX);
    }

    public BrokerImage(int id, String host, int port, Optional<String> rack, long epoch, boolean fenced) {
        this(id, host, port, rack, epoch, fenced, List.of());
    }

    /** Its endpoint on the listener named {@code listener} (compared in upper case), if it registered one. */
    public Optional<Endpoint> endpoint(String listener) {
        return endpoints.stream().filter(e -> e.listener().equalsIgnoreCase(listener)).findFirst();
    }
}
