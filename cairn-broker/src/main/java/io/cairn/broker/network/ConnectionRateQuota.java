package io.cairn.broker.network;

import java.net.InetAddress;

/**
 * A bound on how fast one address may open connections (Kafka's {@code connection_creation_rate} quota of ip
 * entities, KIP-612). Asked once per new connection, before it is served.
 *
 * <p>Implementations are thread-safe: every event loop asks.
 */
public interface ConnectionRateQuota {

    /** No bound. */
    ConnectionRateQuota NONE = (address, nowMs) -> 0;

    /**
     * Counts a new connection from {@code address} at {@code nowMs}: 0 when it is within the address's rate, else
     * the time the connection is held unserved before it is closed (and then it is not counted).
     */
    long recordAndGetThrottleTimeMs(InetAddress address, long nowMs);
}
