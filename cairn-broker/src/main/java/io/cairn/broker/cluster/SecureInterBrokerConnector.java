package io.cairn.broker.cluster;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.CallbackHandler;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.PasswordCallback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.sasl.Sasl;
import javax.security.sasl.SaslClient;
import javax.security.sasl.SaslException;

import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.SaslAuthenticateRequest;
import org.apache.kafka.common.requests.SaslAuthenticateResponse;
import org.apache.kafka.common.requests.SaslHandshakeRequest;
import org.apache.kafka.common.requests.SaslHandshakeResponse;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.apache.kafka.common.security.scram.internals.ScramSaslClient;

/**
 * Connects to an SSL, SASL_PLAINTEXT or SASL_SSL inter-broker listener as a Kafka client does: the TLS handshake
 * (an {@link SSLSocket} from the context and parameters Kafka's {@code SslFactory} makes of the listener's
 * {@code ssl.*} settings, so trust, protocols, ciphers and host name checks are Kafka's), then SaslHandshake and
 * SaslAuthenticate with kafka-clients' message classes, the exchange driven by the JDK's PLAIN client or
 * kafka-clients' {@link ScramSaslClient}. The principal the other node's listener sees is {@code User:<username>}.
 *
 * <p>Before Kafka's clients authenticate they ask ApiVersions; a Cairn listener needs no such step and nodes all run
 * one build, so this client starts with SaslHandshake (version 1: tokens framed in SaslAuthenticate). A session
 * lifetime the listener sets ({@code connections.max.reauth.ms}) is not renewed: the listener closes the connection
 * at its end and the channel connects again.
 *
 * <p>Immutable and thread-safe; each {@link #connect} blocks its caller.
 */
public final class SecureInterBrokerConnector implements InterBrokerConnector {

    /** An answer during authentication larger than this is not one (the listener bounds its side likewise). */
    private static final int MAX_HANDSHAKE_RESPONSE_BYTES = 512 * 1024;

    /**
     * TLS on the listener.
     *
     * @param context    trusts the other nodes' certificates and holds this node's key (for ssl.client.auth)
     * @param parameters protocols, ciphers and endpoint identification for a connection to an address
     */
    public record Tls(SSLContext context, Function<InetSocketAddress, SSLParameters> parameters) {
    }

    /**
     * SASL on the listener: the mechanism ({@code sasl.mechanism.inter.broker.protocol}) and this node's login.
     */
    public record Login(String mechanism, String username, String password) {

        @Override
        public String toString() {
            return "Login[" + mechanism + ", " + username + "]"; // never the password
        }
    }

    private final String clientId;
    private final Tls tls;
    private final Login login;

    /**
     * @param clientId the client id of the authentication requests
     * @param tls      null on a SASL_PLAINTEXT listener
     * @param login    null on an SSL listener
     */
    public SecureInterBrokerConnector(String clientId, Tls tls, Login login) {
        if (tls == null && login == null) {
            throw new IllegalArgumentException("neither TLS nor SASL: use InterBrokerConnector.PLAINTEXT");
        }
        if (login != null) {
            requireSupported(login.mechanism());
        }
        this.clientId = clientId;
        this.tls = tls;
        this.login = login;
    }

    /** Whether this client can log in with {@code mechanism}: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512. */
    public static boolean supports(String mechanism) {
        return "PLAIN".equals(mechanism) || ScramMechanism.forMechanismName(mechanism) != null;
    }

    private static void requireSupported(String mechanism) {
        if (!supports(mechanism)) {
            throw new IllegalArgumentException("SASL mechanism " + mechanism + " is not one this client speaks");
        }
    }

    /**
     * {@inheritDoc} The TCP connection may take {@code timeoutMs}, and the TLS handshake with the SASL exchange
     * together another {@code timeoutMs}: a peer that accepts TCP but does not answer (a paused process: its kernel
     * still accepts) holds the caller at most that long, as an unreachable one holds it in the TCP connect.
     */
    @Override
    public Socket connect(InetSocketAddress address, int timeoutMs) throws IOException {
        Socket socket = InterBrokerConnector.tcp(address, timeoutMs);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        try {
            if (tls != null) {
                socket = handshake(socket, address, deadline);
            }
            if (login != null) {
                authenticate(socket, address, deadline);
            }
            socket.setSoTimeout(0);
            return socket;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** Bounds the next blocking read by what is left until {@code deadline}. */
    private static void timeLeft(Socket socket, InetSocketAddress address, long deadline) throws IOException {
        long leftMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (leftMs <= 0) {
            throw new SocketTimeoutException("no TLS handshake or SASL authentication with " + address + " in time");
        }
        socket.setSoTimeout((int) leftMs);
    }

    private SSLSocket handshake(Socket tcp, InetSocketAddress address, long deadline) throws IOException {
        SSLSocket socket = (SSLSocket) tls.context().getSocketFactory().createSocket(tcp, address.getHostString(),
                address.getPort(), true);
        socket.setUseClientMode(true);
        socket.setSSLParameters(tls.parameters().apply(address));
        timeLeft(socket, address, deadline);
        socket.startHandshake();
        return socket;
    }

    private void authenticate(Socket socket, InetSocketAddress address, long deadline) throws IOException {
        SaslHandshakeResponse handshake = (SaslHandshakeResponse) exchange(socket, address, deadline, 1,
                new SaslHandshakeRequest.Builder(new SaslHandshakeRequestData().setMechanism(login.mechanism())));
        Errors handshakeError = Errors.forCode(handshake.data().errorCode());
        if (handshakeError != Errors.NONE) {
            throw new SaslException("the inter-broker listener of " + address + " refused SASL mechanism "
                    + login.mechanism() + " (" + handshakeError.name() + "; it enables "
                    + handshake.data().mechanisms() + ")");
        }
        SaslClient client = client(address);
        try {
            byte[] token = client.evaluateChallenge(new byte[0]);
            for (int step = 2; ; step++) {
                SaslAuthenticateResponse answer = (SaslAuthenticateResponse) exchange(socket, address, deadline, step,
                        new SaslAuthenticateRequest.Builder(new SaslAuthenticateRequestData()
                                .setAuthBytes(token == null ? new byte[0] : token)));
                Errors error = Errors.forCode(answer.data().errorCode());
                if (error != Errors.NONE) {
                    throw new SaslException("authentication as " + login.username() + " with " + login.mechanism()
                            + " to " + address + " failed: " + error.name() + " ("
                            + answer.data().errorMessage() + ")");
                }
                if (client.isComplete()) {
                    return;
                }
                token = client.evaluateChallenge(answer.data().authBytes());
                if (client.isComplete() && (token == null || token.length == 0)) {
                    return; // SCRAM: the server's final message checked
                }
            }
        } finally {
            client.dispose();
        }
    }

    private SaslClient client(InetSocketAddress address) throws SaslException {
        CallbackHandler credentials = callbacks -> {
            for (Callback callback : callbacks) {
                if (callback instanceof NameCallback name) {
                    name.setName(login.username());
                } else if (callback instanceof PasswordCallback password) {
                    password.setPassword(login.password().toCharArray());
                } else {
                    throw new UnsupportedCallbackException(callback);
                }
            }
        };
        ScramMechanism scram = ScramMechanism.forMechanismName(login.mechanism());
        if (scram != null) {
            try {
                return new ScramSaslClient(scram, credentials);
            } catch (NoSuchAlgorithmException e) {
                throw new SaslException("No " + scram.hashAlgorithm() + " in this JVM", e);
            }
        }
        SaslClient plain = Sasl.createSaslClient(new String[] {login.mechanism()}, null, "kafka",
                address.getHostString(), Map.of(), credentials);
        if (plain == null) {
            throw new SaslException("this JVM has no SASL client for " + login.mechanism());
        }
        return plain;
    }

    /** Sends one request and reads its answer, on a connection nothing else uses yet. */
    private AbstractResponse exchange(Socket socket, InetSocketAddress address, long deadline, int correlationId,
                                      AbstractRequest.Builder<?> builder) throws IOException {
        OutputStream out = socket.getOutputStream();
        DataInputStream in = new DataInputStream(socket.getInputStream());
        short version = builder.latestAllowedVersion();
        AbstractRequest request = builder.build(version);
        RequestHeader header = new RequestHeader(builder.apiKey(), version, clientId, correlationId);
        ByteBuffer payload = request.serializeWithHeader(header);
        byte[] frame = new byte[4 + payload.remaining()];
        ByteBuffer.wrap(frame).putInt(payload.remaining()).put(payload);
        out.write(frame);
        out.flush();
        timeLeft(socket, address, deadline);
        int size = in.readInt();
        if (size < 0 || size > MAX_HANDSHAKE_RESPONSE_BYTES) {
            throw new SaslException("an answer of " + size + " bytes to " + builder.apiKey() + ": not a Kafka listener "
                    + "speaking SASL");
        }
        byte[] response = new byte[size];
        in.readFully(response);
        try {
            return AbstractResponse.parseResponse(ByteBuffer.wrap(response), header);
        } catch (RuntimeException e) {
            throw new SaslException("cannot read the answer to " + builder.apiKey() + ": " + e.getMessage(), e);
        }
    }
}
