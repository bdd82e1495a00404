package io.cairn.metadata.record;

/**
 * Fences or unfences a broker at one registration. A no-op unless the broker is registered with exactly
 * {@code brokerEpoch}.
 */
public record BrokerFencingChange(int brokerId, long brokerEpoch, boolean fenced) implements MetadataRecord {
}
