package io.cairn.protocol;

import java.net.InetSocketAddress;

import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * What a handler may know about the request beyond its body: who sent it, when it arrived, when its connection
 * closes, and a way to say it no longer reads the request's bytes. Immutable; carries no network types, so handlers
 * never touch the connection.
 *
 * @param receivedAtMs        when the frame was decoded, on the broker's clock
 * @param connection          closes when the client's connection does; parked work listens to it
 * @param releaseRequestBytes a handler that keeps slices of the request's bytes (Produce: its records) calls it once
 *                            it no longer reads them (the records are appended), so that they go back to the network
 *                            layer's pool (queued.max.request.bytes) before the response, which acks=all may delay.
 *                            Called or not, they go back with the response. Idempotent, any thread
 * @param listenerName        the name of the listener the request came through (PLAINTEXT, SSL, ...), which decides
 *                            the broker endpoints a client is told; null for the one brokers register (tests, internal
 *                            callers)
 * @param principal           who sent it: on a SASL listener the authenticated user ({@code User:alice}), kept for
 *                            the authorizer to come; otherwise {@link KafkaPrincipal#ANONYMOUS}, as Kafka's
 *                            PLAINTEXT listeners
 * @param securityProtocol    the connection's security protocol (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL); null when
 *                            not known (tests, internal callers), which is taken as PLAINTEXT where it matters
 *                            (delegation token requests)
 */
public record RequestContext(RequestHeader header, InetSocketAddress clientAddress, String connectionId,
                             long receivedAtMs, ConnectionLifetime connection, Runnable releaseRequestBytes,
                             String listenerName, KafkaPrincipal principal, SecurityProtocol securityProtocol) {

    /** A request of a connection whose security protocol is not known (tests, internal callers): null. */
    public RequestContext(RequestHeader header, InetSocketAddress clientAddress, String connectionId,
                          long receivedAtMs, ConnectionLifetime connection, Runnable releaseRequestBytes,
                          String listenerName, KafkaPrincipal principal) {
        this(header, clientAddress, connectionId, receivedAtMs, connection, releaseRequestBytes, listenerName,
                principal, null);
    }

    /** A request from an anonymous client. */
    public RequestContext(RequestHeader header, InetSocketAddress clientAddress, String connectionId,
                          long receivedAtMs, ConnectionLifetime connection, Runnable releaseRequestBytes,
                          String listenerName) {
        this(header, clientAddress, connectionId, receivedAtMs, connection, releaseRequestBytes, listenerName,
                KafkaPrincipal.ANONYMOUS);
    }

    /** A request on the registered listener. */
    public RequestContext(RequestHeader header, InetSocketAddress clientAddress, String connectionId,
                          long receivedAtMs, ConnectionLifetime connection, Runnable releaseRequestBytes) {
        this(header, clientAddress, connectionId, receivedAtMs, connection, releaseRequestBytes, null);
    }

    /** A request on a connection that never closes and whose bytes need no release (tests, internal callers). */
    public RequestContext(RequestHeader header, InetSocketAddress clientAddress, String connectionId,
                          long receivedAtMs) {
        this(header, clientAddress, connectionId, receivedAtMs, ConnectionLifetime.neverCloses(), () -> { });
    }

    public String clientId() {
        return header.clientId();
    }

    public short apiVersion() {
        return header.apiVersion();
    }
}
