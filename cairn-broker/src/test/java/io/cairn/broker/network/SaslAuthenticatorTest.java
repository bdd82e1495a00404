package io.cairn.broker.network;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.NameCallback;

import io.cairn.broker.security.ScramCallbackHandler;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.network.TransferableChannel;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.plain.PlainAuthenticateCallback;
import org.apache.kafka.common.security.plain.internals.PlainSaslServer;
import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.kafka.common.security.scram.ScramExtensionsCallback;
import org.apache.kafka.common.security.scram.internals.ScramFormatter;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.apache.kafka.common.security.scram.internals.ScramSaslClient;
import org.apache.kafka.common.security.scram.internals.ScramSaslServer;
import org.apache.kafka.common.utils.MockTime;
import org.junit.jupiter.api.Test;

/** The authenticator's state machine, frame by frame, on a manual clock; the ITs run it under real clients. */
class SaslAuthenticatorTest {

    private static final Map<String, String> USERS = Map.of("alice", "alice-secret", "bob", "bob-secret");

    private final MockTime time = new MockTime(0, 1_000_000L, 1_000_000_000_000L);
    private final SaslAuthenticator authenticator = new SaslAuthenticator(new SaslListener(
            List.of("PLAIN", "SCRAM-SHA-256"), mechanism -> new PlainSaslServer(SaslAuthenticatorTest::users),
            Map.of("PLAIN", 10_000L), 1000, 0), time, "", "SASL_PLAINTEXT", new InetSocketAddress("127.0.0.1", 1));
    private int correlationId;

    @Test
    void aV0HandshakeIsFollowedByBareTokens() throws Exception {
        // given
        assertThat(handshake("PLAIN", (short) 0).errorCode()).isZero();

        // when
        SaslAuthenticator.Verdict verdict = authenticator.onFrame(Unpooled.wrappedBuffer(plain("alice",
                "alice-secret")));

        // then: PLAIN's empty answer, size-prefixed as Kafka sends a bare token
        assertThat(bytes(((SaslAuthenticator.Verdict.Answer) verdict).response())).containsExactly(0, 0, 0, 0);
        assertThat(authenticator.complete()).isTrue();
        assertThat(authenticator.principal()).isEqualTo(new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "alice"));
        assertThat(authenticator.maxReceiveBytes()).isEqualTo(Integer.MAX_VALUE);
        assertThat(authenticator.onFrame(frame(ApiKeys.METADATA, new MetadataRequestData(), (short) 12)))
                .isInstanceOf(SaslAuthenticator.Verdict.Serve.class);
    }

    @Test
    void aWrongBareTokenClosesWithoutAnAnswer() {
        handshake("PLAIN", (short) 0);
        assertThat(authenticator.onFrame(Unpooled.wrappedBuffer(plain("alice", "wrong"))))
                .isInstanceOf(SaslAuthenticator.Verdict.Close.class);
    }

    @Test
    void apiVersionsOfAnUnknownVersionMayBeRetriedBeforeTheHandshake() {
        // given: an ApiVersions newer than known (the network layer answers UNSUPPORTED_VERSION)
        ByteBuf future = Unpooled.buffer().writeShort(ApiKeys.API_VERSIONS.id).writeShort(Short.MAX_VALUE)
                .writeInt(1);

        // when / then
        assertThat(authenticator.onFrame(future)).isInstanceOf(SaslAuthenticator.Verdict.Serve.class);
        assertThat(authenticator.onFrame(frame(ApiKeys.API_VERSIONS, new ApiVersionsRequestData(), (short) 3)))
                .isInstanceOf(SaslAuthenticator.Verdict.Serve.class);
        assertThat(authenticator.onFrame(frame(ApiKeys.API_VERSIONS, new ApiVersionsRequestData(), (short) 3)))
                .isInstanceOf(SaslAuthenticator.Verdict.Close.class);
    }

    @Test
    void theSessionEndsAfterConnectionsMaxReauthMsUnlessRenewed() {
        // given
        login("alice", "alice-secret");

        // when / then: served until the session ends, then closed
        assertServedUntilThenClosed(authenticator, 10_000);
    }

    @Test
    void reauthenticationRenewsTheSessionButNeverChangesThePrincipal() {
        // given
        login("alice", "alice-secret");
        time.sleep(9_000);

        // when: re-authenticated as alice, the session starts again
        login("alice", "alice-secret");
        time.sleep(9_000);

        // then
        assertThat(authenticator.onFrame(frame(ApiKeys.METADATA, new MetadataRequestData(), (short) 12)))
                .isInstanceOf(SaslAuthenticator.Verdict.Serve.class);

        // when: re-authenticating as bob
        time.sleep(1_000);
        handshake("PLAIN", (short) 1);
        SaslAuthenticator.Verdict verdict = authenticator.onFrame(frame(ApiKeys.SASL_AUTHENTICATE,
                new SaslAuthenticateRequestData().setAuthBytes(plain("bob", "bob-secret")), (short) 2));

        // then
        SaslAuthenticateResponseData refused = (SaslAuthenticateResponseData) answer(verdict,
                ApiKeys.SASL_AUTHENTICATE, (short) 2);
        assertThat(refused.errorCode()).isEqualTo(Errors.SASL_AUTHENTICATION_FAILED.code());
        assertThat(refused.errorMessage()).isEqualTo(
                "Cannot change principals during re-authentication from User.alice: User.bob");
        assertThat(((SaslAuthenticator.Verdict.Answer) verdict).thenClose()).isTrue();
    }

    @Test
    void reauthenticationWithAnotherMechanismFailsAtItsFirstToken() {
        // given
        login("alice", "alice-secret");

        // when
        SaslHandshakeResponseData handshake = handshake("SCRAM-SHA-256", (short) 1);

        // then: Kafka accepts the handshake, then refuses the exchange
        assertThat(handshake.errorCode()).isZero();
        assertThat(authenticator.onFrame(frame(ApiKeys.SASL_AUTHENTICATE,
                new SaslAuthenticateRequestData().setAuthBytes(new byte[1]), (short) 2)))
                .isInstanceOf(SaslAuthenticator.Verdict.Close.class);
    }

    @Test
    void aSecondReauthenticationWithinASecondIsAnOrdinaryRequest() {
        // given
        login("alice", "alice-secret");
        login("alice", "alice-secret");

        // when / then: the handler answers it (ILLEGAL_SASL_STATE), as Kafka's KafkaApis does
        time.sleep(999);
        assertThat(authenticator.onFrame(frame(ApiKeys.SASL_HANDSHAKE,
                new SaslHandshakeRequestData().setMechanism("PLAIN"), (short) 1)))
                .isInstanceOf(SaslAuthenticator.Verdict.Serve.class);
    }

    @Test
    void saslAuthenticateBeforeAHandshakeCloses() {
        assertThat(authenticator.onFrame(frame(ApiKeys.SASL_AUTHENTICATE,
                new SaslAuthenticateRequestData().setAuthBytes(plain("alice", "alice-secret")), (short) 2)))
                .isInstanceOf(SaslAuthenticator.Verdict.Close.class);
        assertThat(authenticator.maxReceiveBytes()).isEqualTo(1000);
    }

    @Test
    void aScramLoginOfAnUnknownUserWaitsForCatchUpAndIsThenDecidedOnTheCaughtUpImage() throws Exception {
        // given: the node has not caught up, and its image does not know carol yet
        SaslAuthenticator scram = scramAuthenticator();
        ScramSaslClient client = scramClient("carol", "carol-secret");
        assertThat(scramHandshake(scram).errorCode()).isZero();
        ByteBuf first = frame(ApiKeys.SASL_AUTHENTICATE, new SaslAuthenticateRequestData()
                .setAuthBytes(client.evaluateChallenge(new byte[0])), (short) 2);

        // when
        SaslAuthenticator.Verdict verdict = scram.onFrame(first);

        // then: it waits, undecided
        assertThat(verdict).isInstanceOf(SaslAuthenticator.Verdict.Wait.class);
        assertThat(scram.complete()).isFalse();

        // when: the node catches up, its image now holding carol's credential, and the frame is handed back
        scramUsers.put("carol", new ScramFormatter(ScramMechanism.SCRAM_SHA_256).generateCredential("carol-secret",
                4096));
        caughtUp.complete(true);
        SaslAuthenticateResponseData serverFirst = (SaslAuthenticateResponseData) answer(scram.onFrame(first),
                ApiKeys.SASL_AUTHENTICATE, (short) 2);

        // then: the exchange goes on and carol is logged in
        assertThat(serverFirst.errorCode()).isZero();
        SaslAuthenticateResponseData serverFinal = (SaslAuthenticateResponseData) answer(scram.onFrame(frame(
                ApiKeys.SASL_AUTHENTICATE, new SaslAuthenticateRequestData()
                        .setAuthBytes(client.evaluateChallenge(serverFirst.authBytes())), (short) 2)),
                ApiKeys.SASL_AUTHENTICATE, (short) 2);
        assertThat(serverFinal.errorCode()).isZero();
        client.evaluateChallenge(serverFinal.authBytes());
        assertThat(client.isComplete()).isTrue();
        assertThat(scram.complete()).isTrue();
        assertThat(scram.principal()).isEqualTo(new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "carol"));
    }

    @Test
    void aUserStillUnknownAfterTheWaitIsRefusedAsAlways() throws Exception {
        // given
        SaslAuthenticator scram = scramAuthenticator();
        assertThat(scramHandshake(scram).errorCode()).isZero();
        ByteBuf first = frame(ApiKeys.SASL_AUTHENTICATE, new SaslAuthenticateRequestData()
                .setAuthBytes(scramClient("mallory", "guess").evaluateChallenge(new byte[0])), (short) 2);
        assertThat(scram.onFrame(first)).isInstanceOf(SaslAuthenticator.Verdict.Wait.class);

        // when: caught up, and still no such user
        caughtUp.complete(true);
        SaslAuthenticator.Verdict verdict = scram.onFrame(first);

        // then: Kafka's answer to an unknown user, and the connection closes
        assertThat(((SaslAuthenticator.Verdict.Answer) verdict).thenClose()).isTrue();
        SaslAuthenticateResponseData response = (SaslAuthenticateResponseData) answer(verdict,
                ApiKeys.SASL_AUTHENTICATE, (short) 2);
        assertThat(response.errorCode()).isEqualTo(Errors.SASL_AUTHENTICATION_FAILED.code());
        assertThat(response.errorMessage()).isEqualTo("Authentication failed during authentication due to invalid "
                + "credentials with SASL mechanism SCRAM-SHA-256");
    }

    @Test
    void aKnownUserOrALoginAfterCatchUpIsDecidedAtOnce() throws Exception {
        // given: not caught up, but carol is known
        scramUsers.put("carol", new ScramFormatter(ScramMechanism.SCRAM_SHA_256).generateCredential("carol-secret",
                4096));
        SaslAuthenticator scram = scramAuthenticator();
        scramHandshake(scram);
        assertThat(scram.onFrame(frame(ApiKeys.SASL_AUTHENTICATE, new SaslAuthenticateRequestData()
                .setAuthBytes(scramClient("carol", "carol-secret").evaluateChallenge(new byte[0])), (short) 2)))
                .isInstanceOf(SaslAuthenticator.Verdict.Answer.class);

        // and: caught up, an unknown user is refused at once
        caughtUp.complete(true);
        SaslAuthenticator late = scramAuthenticator();
        scramHandshake(late);
        SaslAuthenticator.Verdict verdict = late.onFrame(frame(ApiKeys.SASL_AUTHENTICATE,
                new SaslAuthenticateRequestData().setAuthBytes(scramClient("mallory", "guess")
                        .evaluateChallenge(new byte[0])), (short) 2));
        assertThat(((SaslAuthenticator.Verdict.Answer) verdict).thenClose()).isTrue();
    }

    @Test
    void aDelegationTokensSessionEndsWhenTheTokenExpiresBeforeConnectionsMaxReauthMs() throws Exception {
        // given: a token of dave's that expires in 4 s, on a listener whose sessions last 10 s
        ScramMechanism mechanism = ScramMechanism.SCRAM_SHA_256;
        ScramCredential credential = new ScramFormatter(mechanism).generateCredential("token-hmac", 4096);
        long expiry = time.milliseconds() + 4_000;
        SaslAuthenticator scram = new SaslAuthenticator(new SaslListener(List.of("SCRAM-SHA-256"), name -> {
            try {
                return new ScramSaslServer(mechanism, Map.of(), new ScramCallbackHandler(mechanism,
                        (user, m) -> Optional.empty(), (tokenId, m) -> tokenId.equals("token-1")
                        ? Optional.of(new ScramCallbackHandler.TokenCredential("User:dave", expiry, credential))
                        : Optional.empty()));
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }, Map.of("SCRAM-SHA-256", 10_000L), 1000, 0), time, "", "SASL_PLAINTEXT",
                new InetSocketAddress("127.0.0.1", 1));
        ScramSaslClient client = scramClient("token-1", "token-hmac", Map.of("tokenauth", "true"));

        // when: it logs in with the token
        assertThat(scramHandshake(scram).errorCode()).isZero();
        SaslAuthenticateResponseData serverFirst = (SaslAuthenticateResponseData) answer(scram.onFrame(frame(
                ApiKeys.SASL_AUTHENTICATE, new SaslAuthenticateRequestData()
                        .setAuthBytes(client.evaluateChallenge(new byte[0])), (short) 2)),
                ApiKeys.SASL_AUTHENTICATE, (short) 2);
        SaslAuthenticateResponseData serverFinal = (SaslAuthenticateResponseData) answer(scram.onFrame(frame(
                ApiKeys.SASL_AUTHENTICATE, new SaslAuthenticateRequestData()
                        .setAuthBytes(client.evaluateChallenge(serverFirst.authBytes())), (short) 2)),
                ApiKeys.SASL_AUTHENTICATE, (short) 2);

        // then: logged in as the owner, for a session that ends with the token (KIP-368), not 10 s later
        assertThat(serverFinal.errorCode()).isZero();
        assertThat(serverFinal.sessionLifetimeMs()).isEqualTo(4_000);
        assertThat(scram.principal()).isEqualTo(new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "dave"));
        assertThat(scram.principal().tokenAuthenticated()).isTrue();
        assertServedUntilThenClosed(scram, 4_000);
    }

    /** The session's connection is served a request {@code lifetimeMs} from now, and closed 1 ms later. */
    private void assertServedUntilThenClosed(SaslAuthenticator session, long lifetimeMs) {
        time.sleep(lifetimeMs);
        assertThat(session.onFrame(frame(ApiKeys.METADATA, new MetadataRequestData(), (short) 12)))
                .isInstanceOf(SaslAuthenticator.Verdict.Serve.class);
        time.sleep(1);
        assertThat(session.onFrame(frame(ApiKeys.METADATA, new MetadataRequestData(), (short) 12)))
                .isInstanceOf(SaslAuthenticator.Verdict.Close.class);
    }

    private final Map<String, ScramCredential> scramUsers = new ConcurrentHashMap<>();
    private final CompletableFuture<Boolean> caughtUp = new CompletableFuture<>();

    /** A SCRAM-SHA-256 listener whose image knows scramUsers, and whose node has caught up once caughtUp is done. */
    private SaslAuthenticator scramAuthenticator() {
        ScramMechanism mechanism = ScramMechanism.SCRAM_SHA_256;
        return new SaslAuthenticator(new SaslListener(List.of("SCRAM-SHA-256"), name -> {
            try {
                return new ScramSaslServer(mechanism, Map.of(), new ScramCallbackHandler(mechanism,
                        (user, m) -> Optional.ofNullable(scramUsers.get(user))));
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }, Map.of(), 1000, 0, (name, user) -> caughtUp.isDone() || scramUsers.containsKey(user) ? Optional.empty()
                : Optional.of(caughtUp)), time, "", "SASL_PLAINTEXT", new InetSocketAddress("127.0.0.1", 1));
    }

    private SaslHandshakeResponseData scramHandshake(SaslAuthenticator scram) {
        return (SaslHandshakeResponseData) answer(scram.onFrame(frame(ApiKeys.SASL_HANDSHAKE,
                new SaslHandshakeRequestData().setMechanism("SCRAM-SHA-256"), (short) 1)), ApiKeys.SASL_HANDSHAKE,
                (short) 1);
    }

    private static ScramSaslClient scramClient(String user, String password) throws Exception {
        return scramClient(user, password, Map.of());
    }

    private static ScramSaslClient scramClient(String user, String password, Map<String, String> extensions)
            throws Exception {
        return new ScramSaslClient(ScramMechanism.SCRAM_SHA_256, callbacks -> {
            for (Callback callback : callbacks) {
                if (callback instanceof NameCallback name) {
                    name.setName(user);
                } else if (callback instanceof javax.security.auth.callback.PasswordCallback password1) {
                    password1.setPassword(password.toCharArray());
                } else if (callback instanceof ScramExtensionsCallback extensionsCallback) {
                    extensionsCallback.extensions(extensions);
                }
            }
        });
    }

    private void login(String user, String password) {
        assertThat(handshake("PLAIN", (short) 1).errorCode()).isZero();
        SaslAuthenticateResponseData response = (SaslAuthenticateResponseData) answer(authenticator.onFrame(frame(
                ApiKeys.SASL_AUTHENTICATE, new SaslAuthenticateRequestData().setAuthBytes(plain(user, password)),
                (short) 2)), ApiKeys.SASL_AUTHENTICATE, (short) 2);
        assertThat(response.errorCode()).isZero();
        assertThat(response.sessionLifetimeMs()).isEqualTo(10_000);
    }

    private SaslHandshakeResponseData handshake(String mechanism, short version) {
        return (SaslHandshakeResponseData) answer(authenticator.onFrame(frame(ApiKeys.SASL_HANDSHAKE,
                new SaslHandshakeRequestData().setMechanism(mechanism), version)), ApiKeys.SASL_HANDSHAKE, version);
    }

    private ByteBuf frame(ApiKeys key, ApiMessage data, short version) {
        ByteBuffer body = MessageUtil.toByteBufferAccessor(data, version).buffer();
        AbstractRequest request = AbstractRequest.parseRequest(key, version, new ByteBufferAccessor(body)).request;
        return Unpooled.wrappedBuffer(request.serializeWithHeader(new RequestHeader(key, version, "test",
                ++correlationId)));
    }

    private ApiMessage answer(SaslAuthenticator.Verdict verdict, ApiKeys key, short version) {
        byte[] bytes = bytes(((SaslAuthenticator.Verdict.Answer) verdict).response());
        return AbstractResponse.parseResponse(ByteBuffer.wrap(bytes, 4, bytes.length - 4),
                new RequestHeader(key, version, "test", correlationId)).data();
    }

    private static byte[] plain(String user, String password) {
        return ("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8);
    }

    private static void users(Callback[] callbacks) {
        String user = null;
        for (Callback callback : callbacks) {
            if (callback instanceof NameCallback name) {
                user = name.getDefaultName();
            } else if (callback instanceof PlainAuthenticateCallback plain) {
                plain.authenticated(new String(plain.password()).equals(USERS.get(user)));
            }
        }
    }

    /** What a Send writes, its size prefix included. */
    private static byte[] bytes(Send send) {
        ByteBuffer buffer = ByteBuffer.allocate((int) send.size());
        try {
            while (!send.completed()) {
                send.writeTo(new TransferableChannel() {
                    @Override
                    public boolean hasPendingWrites() {
                        return false;
                    }

                    @Override
                    public long transferFrom(FileChannel file, long position, long count) throws IOException {
                        return file.read(buffer, position);
                    }

                    @Override
                    public long write(ByteBuffer[] sources, int offset, int length) {
                        long written = 0;
                        for (int i = offset; i < offset + length; i++) {
                            written += write(sources[i]);
                        }
                        return written;
                    }

                    @Override
                    public long write(ByteBuffer[] sources) {
                        return write(sources, 0, sources.length);
                    }

                    @Override
                    public int write(ByteBuffer source) {
                        int n = source.remaining();
                        buffer.put(source);
                        return n;
                    }

                    @Override
                    public boolean isOpen() {
                        return true;
                    }

                    @Override
                    public void close() {
                    }
                });
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return buffer.array();
    }
}
