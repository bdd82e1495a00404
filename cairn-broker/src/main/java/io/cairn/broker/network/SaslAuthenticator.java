package io.cairn.broker.network;

import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.security.sasl.SaslException;
import javax.security.sasl.SaslServer;

import io.cairn.protocol.KafkaRequest;
import io.cairn.protocol.RequestDecoder;
import io.netty.buffer.ByteBuf;
import org.apache.kafka.common.errors.IllegalSaslStateException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.network.ByteBufferSend;
import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.SendBuilder;
import org.apache.kafka.common.requests.SaslAuthenticateRequest;
import org.apache.kafka.common.requests.SaslHandshakeRequest;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.authenticator.SaslInternalConfigs;
import org.apache.kafka.common.security.scram.internals.ScramFormatter;
import org.apache.kafka.common.security.scram.internals.ScramMessages;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of SASL on one connection of a SASL_PLAINTEXT or SASL_SSL listener, with the states and answers of
 * Kafka's {@code SaslServerAuthenticator}:
 * <ol>
 *   <li>until the client has authenticated, only ApiVersions (served as on any listener), SaslHandshake (v0, v1)
 *       and then SaslAuthenticate (v0-v2) are read; any other request, or one out of turn, closes the connection;
 *   <li>SaslHandshake names a mechanism of the listener's {@code sasl.enabled.mechanisms}, else
 *       UNSUPPORTED_SASL_MECHANISM (with the enabled ones) and the connection closes; after a v0 handshake the tokens
 *       come as bare size-prefixed frames, after v1 inside SaslAuthenticate requests;
 *   <li>a failed exchange is answered with SASL_AUTHENTICATION_FAILED and Kafka's message, logged once at INFO
 *       (never with a secret), and the connection closes;
 *   <li>with {@code connections.max.reauth.ms} (KIP-368) the session ends that long after authentication: the client
 *       re-authenticates on the same connection with a new SaslHandshake (same mechanism and principal, at most once a
 *       second), and a request other than that after the end of the session closes the connection.
 * </ol>
 * Frames before authentication may not exceed {@code sasl.server.max.receive.size} ({@link #maxReceiveBytes}). A
 * refusal that is answered is sent {@code connection.failed.authentication.delay.ms} late ({@link #failureDelayMs}),
 * as Kafka delays it.
 *
 * <p>The exchange runs on the event loop: PLAIN compares a password, SCRAM computes a few HMACs, both from memory.
 * One step may wait, without blocking it: the first message of a SCRAM login naming a user the node's image does not
 * know while the node has not caught up with the metadata log ({@link ScramLoginWait}) is answered {@link
 * Verdict.Wait}, and the connection hands the same frame back when the wait is over; it is then decided on the
 * caught-up image, exactly as any other.
 *
 * <p>Confined to the channel's event loop.
 */
final class SaslAuthenticator {

    private static final Logger log = LoggerFactory.getLogger(SaslAuthenticator.class);
    /** Kafka's bound on how often a connection may re-authenticate. */
    private static final long MIN_REAUTH_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private enum State { HANDSHAKE_OR_VERSIONS, HANDSHAKE, AUTHENTICATE, REAUTH_BAD_MECHANISM, COMPLETE }

    /** What the connection does with a frame. */
    sealed interface Verdict {
        /** Serve the request as on any listener (ApiVersions before authentication, everything after). */
        record Serve() implements Verdict {
        }

        /** Send this answer (none: nothing to send), then close the connection if told to. */
        record Answer(Send response, boolean thenClose) implements Verdict {
        }

        /** Close the connection without an answer. */
        record Close() implements Verdict {
        }

        /**
         * Read nothing more until {@code until} completes, then hand this same frame back to {@link #onFrame},
         * which decides it at once (a login waiting for the node to catch up).
         */
        record Wait(CompletionStage<?> until) implements Verdict {
        }
    }

    private static final Verdict SERVE = new Verdict.Serve();
    private static final Verdict CLOSE = new Verdict.Close();

    private final SaslListener listener;
    private final Time time;
    private final String logPrefix;
    private final String listenerName;
    private final SocketAddress peer;
    /** The principal of a completed exchange: the listener's principal builder (principal.builder.class). */
    private final Function<SaslServer, KafkaPrincipal> principalOf;
    private State state = State.HANDSHAKE_OR_VERSIONS;
    /** SaslHandshake v1+: tokens travel in SaslAuthenticate requests; v0: bare. */
    private boolean kafkaHeaders;
    private String mechanism;
    private SaslServer server;
    private KafkaPrincipal principal = KafkaPrincipal.ANONYMOUS;
    /** When the session ends (System.nanoTime scale), null for never. */
    private Long sessionEndNanos;
    private boolean reauthenticating;
    private long lastReauthStartNanos;
    private String badMechanismMessage;
    /** The exchange has not evaluated a token yet. */
    private boolean firstToken;
    /** The exchange's first token has waited for the node to catch up: it is decided when handed back. */
    private boolean waited;

    /** With Kafka's default principal builder: the SASL authorization id as a user. */
    SaslAuthenticator(SaslListener listener, Time time, String logPrefix, String listenerName, SocketAddress peer) {
        this(listener, time, logPrefix, listenerName, peer,
                server -> ConnectionPrincipals.defaults(listenerName).sasl(server, Optional.empty(), peer));
    }

    /**
     * @param principalOf the principal of a completed exchange; a {@link SaslAuthenticationException} it throws
     *                    fails the authentication
     */
    SaslAuthenticator(SaslListener listener, Time time, String logPrefix, String listenerName, SocketAddress peer,
                      Function<SaslServer, KafkaPrincipal> principalOf) {
        this.principalOf = principalOf;
        this.listener = listener;
        this.time = time;
        this.logPrefix = logPrefix;
        this.listenerName = listenerName;
        this.peer = peer;
    }

    /** The authenticated user, ANONYMOUS until the first authentication completes. */
    KafkaPrincipal principal() {
        return principal;
    }

    /** The largest frame to read now: {@code sasl.server.max.receive.size} until authenticated, else no bound. */
    int maxReceiveBytes() {
        return state == State.COMPLETE ? Integer.MAX_VALUE : listener.maxReceiveBytes();
    }

    /** How long after a failed authentication its answer is sent and the connection closed. */
    long failureDelayMs() {
        return listener.failureDelayMs();
    }

    /** Whether the connection is authenticated (and not re-authenticating). */
    boolean complete() {
        return state == State.COMPLETE;
    }

    /** Decides about one request frame (positioned at the api key, left as it is). */
    Verdict onFrame(ByteBuf frame) {
        try {
            return switch (state) {
                case COMPLETE -> authenticated(frame);
                case HANDSHAKE_OR_VERSIONS, HANDSHAKE -> handshake(frame);
                case AUTHENTICATE -> kafkaHeaders ? authenticate(frame) : token(frame);
                case REAUTH_BAD_MECHANISM -> fail(badMechanismMessage);
            };
        } catch (InvalidRequestException e) {
            log.info("{}Closing connection from {} on listener {}: {}", logPrefix, peer, listenerName,
                    e.getMessage());
            return CLOSE;
        }
    }

    private Verdict authenticated(ByteBuf frame) {
        long now = time.nanoseconds();
        if (apiKeyId(frame) == ApiKeys.SASL_HANDSHAKE.id && sessionEndNanos != null
                && (lastReauthStartNanos == 0 || now - lastReauthStartNanos >= MIN_REAUTH_INTERVAL_NANOS)) {
            lastReauthStartNanos = now;
            reauthenticating = true;
            state = State.HANDSHAKE;
            log.debug("{}Re-authenticating {} ({}) on listener {}", logPrefix, principal, peer, listenerName);
            return handshake(frame);
        }
        if (sessionEndNanos != null && now - sessionEndNanos > 0) {
            log.debug("{}Closing connection from {} on listener {}: its session ended, and {} did not re-authenticate",
                    logPrefix, peer, listenerName, principal);
            return CLOSE;
        }
        return SERVE;
    }

    /** Before the handshake: ApiVersions (once, first) or SaslHandshake. */
    private Verdict handshake(ByteBuf frame) {
        short keyId = apiKeyId(frame);
        if (keyId == ApiKeys.API_VERSIONS.id && state == State.HANDSHAKE_OR_VERSIONS) {
            if (frame.readableBytes() >= 4 && ApiKeys.API_VERSIONS.isVersionSupported(
                    frame.getShort(frame.readerIndex() + 2))) {
                state = State.HANDSHAKE; // a version it does not know is answered, and the client tries another
            }
            return SERVE;
        }
        if (keyId != ApiKeys.SASL_HANDSHAKE.id) {
            throw new InvalidRequestException(ApiKeys.hasId(keyId)
                    ? "Unexpected Kafka request of type " + ApiKeys.forId(keyId) + " during SASL handshake."
                    : "Invalid request, potential reasons: kafka client configured with the wrong security protocol, "
                    + "it does not support KIP-43 or it is not a kafka client.");
        }
        KafkaRequest request = decode(frame);
        String requested = ((SaslHandshakeRequest) request.body()).data().mechanism();
        kafkaHeaders = request.apiVersion() >= 1;
        SaslHandshakeResponseData data = new SaslHandshakeResponseData().setMechanisms(listener.mechanisms());
        if (!listener.mechanisms().contains(requested)) {
            failed("Unsupported SASL mechanism " + requested);
            return new Verdict.Answer(respond(request,
                    data.setErrorCode(Errors.UNSUPPORTED_SASL_MECHANISM.code())), true);
        }
        if (reauthenticating && !requested.equals(mechanism)) {
            // Kafka answers the handshake and refuses the first token, so that the failure is counted as one
            badMechanismMessage = String.format("SASL mechanism '%s' requested by client is not supported for "
                    + "re-authentication of mechanism '%s'", requested, mechanism);
            state = State.REAUTH_BAD_MECHANISM;
        } else {
            try {
                dispose();
                server = listener.servers().create(requested);
            } catch (SaslException | RuntimeException e) {
                log.warn("{}Cannot create the SASL server of mechanism {} on listener {}", logPrefix, requested,
                        listenerName, e);
                return CLOSE;
            }
            mechanism = requested;
            state = State.AUTHENTICATE;
            firstToken = true;
            waited = false;
        }
        return new Verdict.Answer(respond(request, data.setErrorCode(Errors.NONE.code())), false);
    }

    /** After a v1 handshake: SaslAuthenticate requests carry the tokens. */
    private Verdict authenticate(ByteBuf frame) {
        KafkaRequest request = decode(frame);
        if (!(request.body() instanceof SaslAuthenticateRequest authenticate)) {
            IllegalSaslStateException e = new IllegalSaslStateException("Unexpected Kafka request of type "
                    + request.header().apiKey() + " during SASL authentication.");
            failed(e.getMessage());
            try {
                return new Verdict.Answer(respond(request, request.body().getErrorResponse(0, e).data()), true);
            } catch (RuntimeException unanswerable) {
                return CLOSE; // kafka-clients cannot build this request's error answer (a malformed one)
            }
        }
        Verdict wait = waitForCatchUp(authenticate.data().authBytes());
        if (wait != null) {
            return wait;
        }
        SaslAuthenticateResponseData data = new SaslAuthenticateResponseData();
        try {
            byte[] token = evaluate(authenticate.data().authBytes());
            data.setErrorCode(Errors.NONE.code()).setAuthBytes(token == null ? new byte[0] : token);
            if (server.isComplete()) {
                long lifetimeMs = completed();
                if (request.apiVersion() >= 1) {
                    data.setSessionLifetimeMs(lifetimeMs);
                }
            }
            return new Verdict.Answer(respond(request, data), false);
        } catch (SaslAuthenticationException | SaslException e) {
            String message = e instanceof SaslAuthenticationException ? e.getMessage()
                    // not the SaslException's own text: it may tell whether the user exists
                    : "Authentication failed during " + (reauthenticating ? "re-authentication" : "authentication")
                    + " due to invalid credentials with SASL mechanism " + mechanism;
            log.debug("{}SASL exchange with {} failed", logPrefix, peer, e);
            failed(message);
            return new Verdict.Answer(respond(request, data.setErrorCode(Errors.SASL_AUTHENTICATION_FAILED.code())
                    .setErrorMessage(message)), true);
        }
    }

    /** After a v0 handshake: the frame is a bare token, answered with a bare token. */
    private Verdict token(ByteBuf frame) {
        byte[] clientToken = new byte[frame.readableBytes()];
        frame.getBytes(frame.readerIndex(), clientToken);
        Verdict wait = waitForCatchUp(clientToken);
        if (wait != null) {
            return wait;
        }
        try {
            byte[] token = evaluate(clientToken);
            if (server.isComplete()) {
                completed();
            }
            return new Verdict.Answer(token == null ? null : ByteBufferSend.sizePrefixed(ByteBuffer.wrap(token)),
                    false);
        } catch (SaslAuthenticationException | SaslException e) {
            return fail(e instanceof SaslAuthenticationException ? e.getMessage()
                    : "Authentication failed due to invalid credentials with SASL mechanism " + mechanism);
        }
    }

    /**
     * One step of the exchange; principal changes on re-authentication are refused. Any failure of a mechanism on
     * bad input (a runtime exception) counts as a failed authentication, never as the node's.
     */
    private byte[] evaluate(byte[] clientToken) throws SaslException {
        byte[] token;
        firstToken = false;
        try {
            token = server.evaluateResponse(clientToken);
        } catch (SaslAuthenticationException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SaslException("Malformed " + mechanism + " token", e);
        } catch (StackOverflowError e) {
            // kafka-clients parses SCRAM messages with regular expressions that recurse once per character: a user
            // name of some 100,000 characters overflows the stack. The parse holds no lock and the stack is unwound
            // by now, so this is one more malformed token.
            throw new SaslException("Malformed " + mechanism + " token of " + clientToken.length + " bytes");
        }
        if (server.isComplete() && reauthenticating) {
            KafkaPrincipal now = userOf(server);
            if (!now.equals(principal)) {
                throw new SaslAuthenticationException(String.format(
                        "Cannot change principals during re-authentication from %s.%s: %s.%s",
                        principal.getPrincipalType(), principal.getName(), now.getPrincipalType(), now.getName()));
            }
        }
        return token;
    }

    /**
     * A Wait when this is the first message of a SCRAM exchange and {@link ScramLoginWait} holds its user back;
     * null to decide it now (also when it is not a well-formed first message: the mechanism refuses it as always).
     */
    private Verdict waitForCatchUp(byte[] clientToken) {
        if (!firstToken || waited || !mechanism.startsWith("SCRAM-")) {
            return null;
        }
        String user;
        try {
            user = ScramFormatter.username(new ScramMessages.ClientFirstMessage(clientToken).saslName());
        } catch (SaslException | RuntimeException | StackOverflowError malformed) {
            return null;
        }
        Optional<CompletionStage<?>> until = listener.loginWait().until(mechanism, user);
        if (until.isEmpty()) {
            return null;
        }
        waited = true;
        log.debug("{}A {} login from {} on listener {} waits for this node to catch up with the cluster metadata",
                logPrefix, mechanism, peer, listenerName);
        return new Verdict.Wait(until.get());
    }

    /** The exchange succeeded: the connection serves requests; returns the session's lifetime (0: no end). */
    private long completed() {
        principal = userOf(server);
        long lifetimeMs = listener.maxReauthMs(mechanism);
        // a delegation token's session ends when the token expires, as Kafka's (KIP-368)
        Object credentialExpiry = server.getNegotiatedProperty(
                SaslInternalConfigs.CREDENTIAL_LIFETIME_MS_SASL_NEGOTIATED_PROPERTY_KEY);
        if (credentialExpiry instanceof Long expiryMs) {
            long untilExpiry = Math.max(1, expiryMs - time.milliseconds());
            lifetimeMs = lifetimeMs > 0 ? Math.min(lifetimeMs, untilExpiry) : untilExpiry;
        }
        sessionEndNanos = lifetimeMs > 0 ? time.nanoseconds() + TimeUnit.MILLISECONDS.toNanos(lifetimeMs) : null;
        state = State.COMPLETE;
        reauthenticating = false;
        log.debug("{}Authenticated {} with {} from {} on listener {} (session {} ms)", logPrefix, principal,
                mechanism, peer, listenerName, lifetimeMs);
        return lifetimeMs;
    }

    private KafkaPrincipal userOf(SaslServer server) {
        return principalOf.apply(server);
    }

    private Verdict fail(String message) {
        failed(message);
        return CLOSE;
    }

    /** Logs a failed authentication once, as Kafka's selector: who, and the message the client is told. */
    private void failed(String message) {
        log.info("{}Failed authentication with {} on listener {} ({})", logPrefix, peer, listenerName, message);
        dispose();
    }

    /** Ends the mechanism's exchange (the connection closed, or a new one begins). */
    void dispose() {
        if (server != null) {
            try {
                server.dispose();
            } catch (SaslException e) {
                log.debug("{}Disposing of the SASL server failed", logPrefix, e);
            }
            server = null;
        }
    }

    private static short apiKeyId(ByteBuf frame) {
        if (frame.readableBytes() < 2) {
            throw new InvalidRequestException("Request of " + frame.readableBytes() + " bytes is too short for a "
                    + "header");
        }
        return frame.getShort(frame.readerIndex());
    }

    /** Parses a SASL request: small (bounded by maxReceiveBytes), so a heap copy. */
    private static KafkaRequest decode(ByteBuf frame) {
        ByteBuffer bytes = ByteBuffer.allocate(frame.readableBytes());
        frame.getBytes(frame.readerIndex(), bytes);
        bytes.flip();
        RequestDecoder.Decoded decoded = RequestDecoder.decode(bytes);
        if (!(decoded instanceof RequestDecoder.Decoded.Request request)) {
            throw new InvalidRequestException("Unexpected ApiVersions request during SASL authentication");
        }
        return request.request();
    }

    private static Send respond(KafkaRequest request, ApiMessage data) {
        return SendBuilder.buildResponseSend(request.header().toResponseHeader(), data, request.apiVersion());
    }
}
