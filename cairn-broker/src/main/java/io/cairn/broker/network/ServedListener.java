package io.cairn.broker.network;

import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.Optional;

import javax.net.ssl.SSLEngine;

/**
 * A listener for {@link KafkaServer} to serve: its name (PLAINTEXT, SSL, a custom name), its socket bound by
 * {@link KafkaServer#bind}, and for a TLS listener where its connections' engines come from.
 */
public record ServedListener(String name, ServerSocketChannel socket, Optional<Tls> tls) {

    /** Makes the server side TLS engine of each new connection. Thread-safe. */
    @FunctionalInterface
    public interface Tls {
        SSLEngine newEngine(InetSocketAddress peer);
    }
}
