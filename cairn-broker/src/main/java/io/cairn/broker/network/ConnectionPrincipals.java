package io.cairn.broker.network;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Optional;
import javax.net.ssl.SSLSession;
import javax.security.sasl.SaslServer;

import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.KafkaPrincipalBuilder;
import org.apache.kafka.common.security.auth.PlaintextAuthenticationContext;
import org.apache.kafka.common.security.auth.SaslAuthenticationContext;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.security.auth.SslAuthenticationContext;
import org.apache.kafka.common.security.authenticator.DefaultKafkaPrincipalBuilder;
import org.apache.kafka.common.security.scram.ScramLoginModule;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.apache.kafka.common.security.ssl.SslPrincipalMapper;

/**
 * Who a connection of one listener is, decided as Kafka's brokers decide it: by the listener's
 * {@link KafkaPrincipalBuilder} ({@code principal.builder.class}, by default kafka-clients' own
 * {@link DefaultKafkaPrincipalBuilder}) over Kafka's authentication contexts. With the default builder a PLAINTEXT
 * connection is {@code User:ANONYMOUS}, an SSL one {@code User:<certificate subject>} mapped through
 * {@code ssl.principal.mapping.rules} ({@code User:ANONYMOUS} without a client certificate), a SASL one
 * {@code User:<authorization id>}.
 *
 * <p>Thread-safe when its builder is (Kafka's brokers share one builder between a listener's connections too).
 */
public final class ConnectionPrincipals {

    private final KafkaPrincipalBuilder builder;
    private final String listenerName;

    /**
     * @param builder      the listener's principal builder
     * @param listenerName the listener's name, as the authentication contexts give it to a builder
     */
    public ConnectionPrincipals(KafkaPrincipalBuilder builder, String listenerName) {
        this.builder = builder;
        this.listenerName = listenerName;
    }

    /** Kafka's default builder, with the DEFAULT mapping rules: what a listener without settings uses. */
    public static ConnectionPrincipals defaults(String listenerName) {
        return new ConnectionPrincipals(new DefaultKafkaPrincipalBuilder(null, SslPrincipalMapper.fromRules(
                "DEFAULT")), listenerName);
    }

    /** A PLAINTEXT connection's principal. */
    KafkaPrincipal plaintext(SocketAddress peer) {
        return builder.build(new PlaintextAuthenticationContext(address(peer), listenerName));
    }

    /** An SSL connection's principal, from its completed TLS session. */
    KafkaPrincipal ssl(SSLSession session, SocketAddress peer) {
        return builder.build(new SslAuthenticationContext(session, address(peer), listenerName));
    }

    /**
     * A SASL connection's principal, from its completed exchange.
     *
     * @param tls the TLS session of a SASL_SSL connection, empty on SASL_PLAINTEXT
     * @throws SaslAuthenticationException when the builder cannot make one: the authentication fails
     */
    KafkaPrincipal sasl(SaslServer server, Optional<SSLSession> tls, SocketAddress peer) {
        try {
            KafkaPrincipal principal = builder.build(new SaslAuthenticationContext(server, tls.isPresent()
                    ? SecurityProtocol.SASL_SSL : SecurityProtocol.SASL_PLAINTEXT, address(peer), listenerName, tls));
            // as Kafka's SaslServerAuthenticator: a SCRAM login with a delegation token (docs/adr/0034)
            if (ScramMechanism.isScram(server.getMechanismName())
                    && "true".equalsIgnoreCase(String.valueOf(server.getNegotiatedProperty(
                    ScramLoginModule.TOKEN_AUTH_CONFIG)))) {
                principal.tokenAuthenticated(true);
            }
            return principal;
        } catch (SaslAuthenticationException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SaslAuthenticationException("Failed to build the principal of " + server.getMechanismName()
                    + " authorization id " + server.getAuthorizationID() + ": " + e.getMessage(), e);
        }
    }

    private static InetAddress address(SocketAddress peer) {
        return peer instanceof InetSocketAddress inet ? inet.getAddress() : null;
    }
}
