package io.cairn.metadata.record;

import java.util.List;
import java.util.Objects;

/**
 * A broker registered (or re-registered) with a new broker epoch. A registration whose epoch is not above
 * the broker's current one is a no-op.
 *
 * <p>{@code host} and {@code port} are the endpoint of the broker's inter-broker listener, which the other brokers
 * dial; {@code endpoints} are all its advertised listeners (that one included), which clients are told about
 * depending on the listener they came through (docs/adr/0017). Records written before endpoints existed have
 * none: the broker is then known by its inter-broker endpoint only.
 *
 * @param rack      null when the broker has no rack
 * @param fenced    whether the broker starts fenced
 * @param reason    {@link ChangeReason#BROKER_REGISTERED}, or null in a snapshot, which restates it
 * @param timeMs    when, on the controller's clock; -1 when unknown
 * @param endpoints every advertised listener of the broker, by listener name (upper case), possibly empty
 * @param metadataVersions the levels of {@value MetadataFormat#FEATURE_NAME} the broker supports; null when it did
 *                  not say (a broker of the release before the feature: {@link MetadataFormat#PREVIOUS_RELEASE_MAX})
 */
public record RegisterBrokerRecord(int brokerId, String host, int port, String rack, long brokerEpoch,
                                   boolean fenced, ChangeReason reason, long timeMs, List<Endpoint> endpoints,
                                   MetadataFormat.Range metadataVersions)
        implements DecisionRecord {

    /** One advertised listener of a broker. */
    public record Endpoint(String listener, String host, int port) {
        public Endpoint {
            Objects.requireNonNull(listener, "listener");
            Objects.requireNonNull(host, "host");
        }
    }

    public RegisterBrokerRecord {
        Objects.requireNonNull(host, "host");
        endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
    }

    /** A registration that does not say which metadata versions the broker supports. */
    public RegisterBrokerRecord(int brokerId, String host, int port, String rack, long brokerEpoch, boolean fenced,
                                ChangeReason reason, long timeMs, List<Endpoint> endpoints) {
        this(brokerId, host, port, rack, brokerEpoch, fenced, reason, timeMs, endpoints, null);
    }

    /** A registration decided now, naming the inter-broker endpoint only. */
    public RegisterBrokerRecord(int brokerId, String host, int port, String rack, long brokerEpoch, boolean fenced,
                                ChangeReason reason, long timeMs) {
        this(brokerId, host, port, rack, brokerEpoch, fenced, reason, timeMs, List.of());
    }

    /** A registration restated (a snapshot's content), not decided, with its endpoints. */
    public RegisterBrokerRecord(int brokerId, String host, int port, String rack, long brokerEpoch, boolean fenced,
                                List<Endpoint> endpoints) {
        this(brokerId, host, port, rack, brokerEpoch, fenced, null, -1, endpoints);
    }

    /** The metadata versions the broker supports: as registered, or those of the release before the feature. */
    public MetadataFormat.Range supportedMetadataVersions() {
        return metadataVersions != null ? metadataVersions
                : new MetadataFormat.Range(MetadataFormat.MIN, MetadataFormat.PREVIOUS_RELEASE_MAX);
    }

    /** A registration restated (a snapshot's content), not decided. */
    public RegisterBrokerRecord(int brokerId, String host, int port, String rack, long brokerEpoch, boolean fenced) {
        this(brokerId, host, port, rack, brokerEpoch, fenced, null, -1, List.of());
    }

    @Override
    public RegisterBrokerRecord decidedAt(long time) {
        return new RegisterBrokerRecord(brokerId, host, port, rack, brokerEpoch, fenced, reason, time, endpoints,
                metadataVersions);
    }

    @Override
    public RegisterBrokerRecord fromFormat1() {
        return new RegisterBrokerRecord(brokerId, host, port, rack, brokerEpoch, fenced, ChangeReason.UNKNOWN, -1,
                endpoints, metadataVersions);
    }
}
