package io.cairn.metadata.record;

import java.util.Objects;

/**
 * A broker registered (or re-registered) with a new broker epoch. A registration whose epoch is not above
 * the broker's current one is a no-op.
 *
 * @param rack   null when the broker has no rack
 * @param fenced whether the broker starts fenced
 */
public record RegisterBrokerRecord(int brokerId, String host, int port, String rack, long brokerEpoch,
                                   boolean fenced) implements MetadataRecord {
    public RegisterBrokerRecord {
        Objects.requireNonNull(host, "host");
    }
}
