package io.cairn.protocol;

import java.net.InetSocketAddress;

import org.apache.kafka.common.requests.RequestHeader;

/**
 * What a handler may know about the request beyond its body: who sent it and when it arrived.
 * Immutable; carries no network types, so handlers never touch the connection.
 *
 * @param receivedAtMs when the frame was decoded, on the broker's clock
 */
public record RequestContext(RequestHeader header, InetSocketAddress clientAddress, String connectionId,
                             long receivedAtMs) {

    public String clientId() {
        return header.clientId();
    }

    public short apiVersion() {
        return header.apiVersion();
    }
}
