package io.cairn.broker.network;

/**
 * @param host                   the address to bind (listeners)
 * @param port                   the port to bind, 0 for any
 * @param socketRequestMaxBytes  socket.request.max.bytes: a larger request closes the connection
 * @param connectionsMaxIdleMs   connections.max.idle.ms: a connection idle this long is closed
 * @param networkThreads         num.network.threads: Netty event loops
 * @param maxConnections         max.connections: at this many the listener stops accepting until one closes
 * @param maxConnectionsPerIp    max.connections.per.ip: more from one address are closed at once
 * @param perIpOverrides         max.connections.per.ip.overrides: host or address -> its own limit
 * @param queuedMaxRequestBytes  queued.max.request.bytes: the bytes of requests all connections may hold before
 *                               they stop reading; at most 0 for no bound
 * @param creationRates          max.connection.creation.rate and its listener overrides
 * @param interBrokerListener    inter.broker.listener.name (exempt from the node's creation rate when there are
 *                               other listeners), or null
 */
public record NetworkConfig(String host, int port, int socketRequestMaxBytes, long connectionsMaxIdleMs,
                            int networkThreads, int maxConnections, int maxConnectionsPerIp,
                            java.util.Map<String, Integer> perIpOverrides, long queuedMaxRequestBytes,
                            ConnectionCreationRate.Limits creationRates, String interBrokerListener) {

    /** Without connection creation rates. */
    public NetworkConfig(String host, int port, int socketRequestMaxBytes, long connectionsMaxIdleMs,
                         int networkThreads, int maxConnections, int maxConnectionsPerIp,
                         java.util.Map<String, Integer> perIpOverrides, long queuedMaxRequestBytes) {
        this(host, port, socketRequestMaxBytes, connectionsMaxIdleMs, networkThreads, maxConnections,
                maxConnectionsPerIp, perIpOverrides, queuedMaxRequestBytes, ConnectionCreationRate.Limits.NONE, null);
    }

    /** Without connection caps or a memory pool (Kafka's defaults). */
    public NetworkConfig(String host, int port, int socketRequestMaxBytes, long connectionsMaxIdleMs,
                         int networkThreads) {
        this(host, port, socketRequestMaxBytes, connectionsMaxIdleMs, networkThreads, Integer.MAX_VALUE,
                Integer.MAX_VALUE, java.util.Map.of(), -1);
    }
}
