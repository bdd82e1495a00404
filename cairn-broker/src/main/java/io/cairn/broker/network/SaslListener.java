package io.cairn.broker.network;

import java.util.List;
import java.util.Map;
import javax.security.sasl.SaslException;
import javax.security.sasl.SaslServer;

/**
 * How the clients of one SASL_PLAINTEXT or SASL_SSL listener authenticate, with Kafka's settings.
 *
 * @param mechanisms          {@code sasl.enabled.mechanisms} of the listener, in the order SaslHandshake lists them
 * @param servers             makes the server side of one authentication exchange
 * @param maxReauthMs         {@code connections.max.reauth.ms} by mechanism (KIP-368): a session lasts this long and
 *                            the client must re-authenticate before it ends; 0 or absent for sessions without end
 * @param maxReceiveBytes     {@code sasl.server.max.receive.size}: the largest frame read before authentication
 *                            completes; a larger one closes the connection
 * @param failureDelayMs      {@code connection.failed.authentication.delay.ms} (KIP-306): a failed authentication is
 *                            answered, and its connection closed, this much later, which slows password guessing
 * @param loginWait           whether a SCRAM login waits for the node to catch up before it is decided
 *
 * <p>Immutable; thread-safe when {@code servers} is.
 */
public record SaslListener(List<String> mechanisms, ServerFactory servers, Map<String, Long> maxReauthMs,
                           int maxReceiveBytes, long failureDelayMs, ScramLoginWait loginWait) {

    /** Kafka's default {@code sasl.server.max.receive.size}. */
    public static final int DEFAULT_MAX_RECEIVE_BYTES = 524288;
    /** Kafka's default {@code connection.failed.authentication.delay.ms}. */
    public static final long DEFAULT_FAILURE_DELAY_MS = 100;

    public SaslListener {
        mechanisms = List.copyOf(mechanisms);
        maxReauthMs = Map.copyOf(maxReauthMs);
    }

    /** Whose logins are all decided at once. */
    public SaslListener(List<String> mechanisms, ServerFactory servers, Map<String, Long> maxReauthMs,
                        int maxReceiveBytes, long failureDelayMs) {
        this(mechanisms, servers, maxReauthMs, maxReceiveBytes, failureDelayMs, ScramLoginWait.NEVER);
    }

    /** Makes a {@link SaslServer} for one mechanism of {@link #mechanisms}. Thread-safe. */
    @FunctionalInterface
    public interface ServerFactory {
        SaslServer create(String mechanism) throws SaslException;
    }

    /** The session lifetime of a mechanism, 0 for none. */
    long maxReauthMs(String mechanism) {
        return Math.max(0, maxReauthMs.getOrDefault(mechanism, 0L));
    }
}
