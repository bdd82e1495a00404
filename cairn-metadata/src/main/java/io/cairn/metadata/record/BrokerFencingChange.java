package io.cairn.metadata.record;

/**
 * Fences or unfences a broker at one registration. A no-op unless the broker is registered with exactly
 * {@code brokerEpoch}.
 *
 * @param reason why (lease expiry, controlled shutdown, caught up, ...), or null when it restates state (a
 *               snapshot installed over an older image)
 * @param timeMs when, on the controller's clock; -1 when unknown
 */
public record BrokerFencingChange(int brokerId, long brokerEpoch, boolean fenced, ChangeReason reason, long timeMs)
        implements DecisionRecord {

    /** A fencing change decided for {@code reason}, to be stamped with the time when appended. */
    public BrokerFencingChange(int brokerId, long brokerEpoch, boolean fenced, ChangeReason reason) {
        this(brokerId, brokerEpoch, fenced, reason, -1);
    }

    /** A fencing state restated, not decided. */
    public BrokerFencingChange(int brokerId, long brokerEpoch, boolean fenced) {
        this(brokerId, brokerEpoch, fenced, null, -1);
    }

    @Override
    public BrokerFencingChange decidedAt(long time) {
        return new BrokerFencingChange(brokerId, brokerEpoch, fenced, reason, time);
    }

    @Override
    public BrokerFencingChange fromFormat1() {
        return new BrokerFencingChange(brokerId, brokerEpoch, fenced, ChangeReason.UNKNOWN, -1);
    }
}
