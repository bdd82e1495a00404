package io.cairn.broker.handlers;

import java.util.concurrent.CompletableFuture;

import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.SaslAuthenticateRequest;
import org.apache.kafka.common.requests.SaslHandshakeRequest;

/**
 * SaslHandshake and SaslAuthenticate as requests: on a SASL listener the network layer's authenticator takes them
 * while a client authenticates (or re-authenticates); one that reaches a handler arrives on a listener without SASL
 * or after authentication, and gets Kafka's ILLEGAL_SASL_STATE. Being registered, both are advertised by ApiVersions
 * on every listener, as Kafka's brokers do.
 *
 * <p>Thread-safe (stateless).
 */
public final class SaslHandlers {

    private SaslHandlers() {
    }

    public static ApiHandler<SaslHandshakeRequest> handshake() {
        return new Handshake();
    }

    public static ApiHandler<SaslAuthenticateRequest> authenticate() {
        return new Authenticate();
    }

    private static final class Handshake implements ApiHandler<SaslHandshakeRequest> {
        @Override
        public ApiKeys apiKey() {
            return ApiKeys.SASL_HANDSHAKE;
        }

        @Override
        public CompletableFuture<ApiMessage> handle(RequestContext context, SaslHandshakeRequest request) {
            return CompletableFuture.completedFuture(new SaslHandshakeResponseData()
                    .setErrorCode(Errors.ILLEGAL_SASL_STATE.code()));
        }
    }

    private static final class Authenticate implements ApiHandler<SaslAuthenticateRequest> {
        @Override
        public ApiKeys apiKey() {
            return ApiKeys.SASL_AUTHENTICATE;
        }

        @Override
        public CompletableFuture<ApiMessage> handle(RequestContext context, SaslAuthenticateRequest request) {
            return CompletableFuture.completedFuture(new SaslAuthenticateResponseData()
                    .setErrorCode(Errors.ILLEGAL_SASL_STATE.code())
                    .setErrorMessage("SaslAuthenticate request received after successful authentication"));
        }
    }
}
