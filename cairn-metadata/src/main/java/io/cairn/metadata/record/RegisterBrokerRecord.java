package io.cairn.metadata.record;

import java.util.Objects;

/**
 * A broker registered (or re-registered) with a new broker epoch. A registration whose epoch is not above
 * the broker's current one is a no-op.
 *
 * @param rack   null when the broker has no rack
 * @param fenced whether the broker starts fenced
 * @param reason {@link ChangeReason#BROKER_REGISTERED}, or null in a snapshot, which restates it
 * @param timeMs when, on the controller's clock; -1 when unknown
 */
public record RegisterBrokerRecord(int brokerId, String host, int port, String rack, long brokerEpoch,
                                   boolean fenced, ChangeReason reason, long timeMs) implements DecisionRecord {
    public RegisterBrokerRecord {
        Objects.requireNonNull(host, "host");
    }

    /** A registration restated (a snapshot's content), not decided. */
    public RegisterBrokerRecord(int brokerId, String host, int port, String rack, long brokerEpoch, boolean fenced) {
        this(brokerId, host, port, rack, brokerEpoch, fenced, null, -1);
    }

    @Override
    public RegisterBrokerRecord decidedAt(long time) {
        return new RegisterBrokerRecord(brokerId, host, port, rack, brokerEpoch, fenced, reason, time);
    }

    @Override
    public RegisterBrokerRecord fromFormat1() {
        return new RegisterBrokerRecord(brokerId, host, port, rack, brokerEpoch, fenced, ChangeReason.UNKNOWN, -1);
    }
}
