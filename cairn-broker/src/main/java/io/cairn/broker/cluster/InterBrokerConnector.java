package io.cairn.broker.cluster;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * How a node opens a connection to another node's inter-broker listener: a TCP connection, and on a secured listener
 * the TLS handshake and SASL authentication as well ({@link SecureInterBrokerConnector}). The socket it returns is
 * ready for Kafka requests.
 *
 * <p>Implementations are thread-safe.
 */
@FunctionalInterface
public interface InterBrokerConnector {

    /** A PLAINTEXT listener: a TCP connection and nothing more. */
    InterBrokerConnector PLAINTEXT = InterBrokerConnector::tcp;

    /**
     * Connects to {@code address}, blocking the calling thread for at most about {@code timeoutMs} per step.
     *
     * @throws IOException when it cannot connect, or the handshake or the authentication fails
     */
    Socket connect(InetSocketAddress address, int timeoutMs) throws IOException;

    /** A TCP connection without Nagle's delay. */
    static Socket tcp(InetSocketAddress address, int timeoutMs) throws IOException {
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(address, timeoutMs);
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }
}
