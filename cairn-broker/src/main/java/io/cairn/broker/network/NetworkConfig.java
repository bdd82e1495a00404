package io.cairn.broker.network;

/**
 * @param host                   the address to bind (listeners)
 * @param port                   the port to bind, 0 for any
 * @param socketRequestMaxBytes  socket.request.max.bytes: a larger request closes the connection
 * @param connectionsMaxIdleMs   connections.max.idle.ms: a connection idle this long is closed
 * @param networkThreads         num.network.threads: Netty event loops
 */
public record NetworkConfig(String host, int port, int socketRequestMaxBytes, long connectionsMaxIdleMs,
                            int networkThreads) {
}
