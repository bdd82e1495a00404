package io.cairn.broker.security;

import java.util.Optional;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.CallbackHandler;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.UnsupportedCallbackException;

import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.kafka.common.security.scram.ScramCredentialCallback;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.apache.kafka.common.security.token.delegation.internals.DelegationTokenCredentialCallback;

/**
 * Answers kafka-clients' {@code ScramSaslServer} with the credential of the user it names, from the committed
 * metadata image (AlterUserScramCredentials); Kafka's {@code ScramServerCallbackHandler} reads the same credentials
 * from its credential cache. A login with a delegation token ({@code tokenauth=true}, docs/adr/0034) is answered
 * from {@link Tokens}: the token's owner, expiry and credential; an unknown or expired token has no owner, and
 * kafka-clients' server fails the exchange as Kafka's ("Token Authentication failed: Invalid tokenId").
 *
 * <p>Thread-safe when the lookup is; one instance serves one exchange.
 */
public final class ScramCallbackHandler implements CallbackHandler {

    /** The stored credential of a user for a mechanism. Thread-safe. */
    @FunctionalInterface
    public interface Credentials {
        Optional<ScramCredential> lookup(String user, ScramMechanism mechanism);
    }

    /** The delegation tokens a login may use. Thread-safe. */
    @FunctionalInterface
    public interface Tokens {
        /** No tokens (delegation.token.secret.key unset). */
        Tokens NONE = (tokenId, mechanism) -> Optional.empty();

        /** The live token {@code tokenId}, with its credential for {@code mechanism}. */
        Optional<TokenCredential> lookup(String tokenId, ScramMechanism mechanism);
    }

    /**
     * A live delegation token as a login sees it.
     *
     * @param owner           the principal the session gets, {@code User:alice}
     * @param expiryTimestamp when the token expires, ms since the epoch: the session's end
     */
    public record TokenCredential(String owner, long expiryTimestamp, ScramCredential credential) {
    }

    private final ScramMechanism mechanism;
    private final Credentials credentials;
    private final Tokens tokens;

    public ScramCallbackHandler(ScramMechanism mechanism, Credentials credentials) {
        this(mechanism, credentials, Tokens.NONE);
    }

    public ScramCallbackHandler(ScramMechanism mechanism, Credentials credentials, Tokens tokens) {
        this.mechanism = mechanism;
        this.credentials = credentials;
        this.tokens = tokens;
    }

    @Override
    public void handle(Callback[] callbacks) throws UnsupportedCallbackException {
        String user = null;
        for (Callback callback : callbacks) {
            if (callback instanceof NameCallback name) {
                user = name.getDefaultName();
            } else if (callback instanceof DelegationTokenCredentialCallback token) {
                // kafka-clients takes the owner as the authorization id; the principal builder makes it User:<id>
                Optional<TokenCredential> found = user == null ? Optional.empty() : tokens.lookup(user, mechanism);
                found.ifPresent(t -> {
                    token.scramCredential(t.credential());
                    token.tokenOwner(ownerName(t.owner()));
                    token.tokenExpiryTimestamp(t.expiryTimestamp());
                });
            } else if (callback instanceof ScramCredentialCallback credential) {
                credential.scramCredential(user == null ? null : credentials.lookup(user, mechanism).orElse(null));
            } else {
                throw new UnsupportedCallbackException(callback);
            }
        }
    }

    /** The name of a {@code type:name} principal (Kafka's token cache keeps the owner's name only). */
    private static String ownerName(String principal) {
        int colon = principal.indexOf(':');
        return colon < 0 ? principal : principal.substring(colon + 1);
    }
}
