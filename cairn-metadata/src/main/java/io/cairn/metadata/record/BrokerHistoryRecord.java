package io.cairn.metadata.record;

/**
 * One step of a broker's history (docs/adr/0023): a registration, fencing or unfencing, and why. Kept, restated
 * and applied like {@link PartitionHistoryRecord}; a no-op unless the broker is registered and {@code seq} is past
 * the last one in its history.
 *
 * @param seq          the step's number in this broker's history, from 1
 * @param offset       the metadata log offset of the batch that decided it
 * @param term         the Raft term of the controller that decided it
 * @param controllerId the node whose controller decided it
 * @param timeMs       when, on that controller's clock; -1 when unknown
 * @param brokerEpoch  the broker epoch (registration) it concerns
 * @param endpoint     host:port of a registration; null for fencing steps
 */
public record BrokerHistoryRecord(int brokerId, long seq, long offset, int term, int controllerId, long timeMs,
                                  ChangeReason reason, Event event, long brokerEpoch, String endpoint)
        implements MetadataRecord, HistoryStep {

    /** What happened to the broker. The names are part of the on-disk format. */
    public enum Event {
        REGISTERED, FENCED, UNFENCED;

        static Event forName(String name) {
            for (Event event : values()) {
                if (event.name().equals(name)) {
                    return event;
                }
            }
            throw new IllegalArgumentException("unknown broker event " + name);
        }
    }

    public BrokerHistoryRecord {
        reason = reason == null ? ChangeReason.UNKNOWN : reason;
        java.util.Objects.requireNonNull(event, "event");
    }
}
