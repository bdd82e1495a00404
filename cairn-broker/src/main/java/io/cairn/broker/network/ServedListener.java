package io.cairn.broker.network;

import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.Optional;
import javax.net.ssl.SSLEngine;

import io.netty.buffer.ByteBufAllocator;

/**
 * A listener for {@link KafkaServer} to serve: its name (PLAINTEXT, SSL, a custom name), its socket bound by
 * {@link KafkaServer#bind}, for a TLS listener (SSL, SASL_SSL) where its connections' engines come from, and for a
 * SASL listener (SASL_PLAINTEXT, SASL_SSL) how its clients authenticate, and who its connections are.
 */
public record ServedListener(String name, ServerSocketChannel socket, Optional<Tls> tls, Optional<SaslListener> sasl,
                             ConnectionPrincipals principals) {

    /** A listener without SASL, its principals made by Kafka's default builder. */
    public ServedListener(String name, ServerSocketChannel socket, Optional<Tls> tls) {
        this(name, socket, tls, Optional.empty());
    }

    /** A listener whose principals Kafka's default builder makes. */
    public ServedListener(String name, ServerSocketChannel socket, Optional<Tls> tls, Optional<SaslListener> sasl) {
        this(name, socket, tls, sasl, ConnectionPrincipals.defaults(name));
    }

    /** Makes the server side TLS engine of each new connection. Thread-safe. */
    @FunctionalInterface
    public interface Tls {
        /**
         * @param alloc the connection's allocator, for an engine that takes buffers of its own (OpenSSL's); the
         *              SslHandler releases a reference-counted engine when the connection closes
         */
        SSLEngine newEngine(ByteBufAllocator alloc, InetSocketAddress peer);
    }
}
