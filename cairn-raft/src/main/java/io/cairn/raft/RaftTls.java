package io.cairn.raft;

import javax.net.ssl.KeyManager;
import javax.net.ssl.TrustManager;

/**
 * Mutual TLS on the metadata Raft port (docs/adr/0025): every member presents {@code keyManager}'s certificate and
 * accepts only peers whose certificate {@code trustManager} trusts, in both directions, so a process without a
 * trusted certificate can neither join the quorum nor read the metadata log. The certificate must name the host of
 * the member's address in {@code controller.quorum.voters} (the client side checks it).
 *
 * @param keyManager   this node's key and certificate
 * @param trustManager the certificates (or authority) of the other members
 */
public record RaftTls(KeyManager keyManager, TrustManager trustManager) {
}
