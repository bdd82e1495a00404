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
 * @param endpoints every advertised listener of the broker, by listener name (upper case), possibly empty
 */
public record RegisterBrokerRecord(int brokerId, String host, int port, String rack, long brokerEpoch,
                                   boolean fenced, List<Endpoint> endpoints) implements MetadataRecord {

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

    /** A registration that names the inter-broker endpoint only. */
    public RegisterBrokerRecord(int brokerId, String host, int port, String rack, long brokerEpoch, boolean fenced) {
        this(brokerId, host, port, rack, brokerEpoch, fenced, List.of());
    }
}
