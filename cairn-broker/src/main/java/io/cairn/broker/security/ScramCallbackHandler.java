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
 * from its credential cache. Delegation tokens do not exist in Cairn: a token authentication finds no owner and
 * fails as Kafka's with an unknown token.
 *
 * <p>Thread-safe when the lookup is; one instance serves one exchange.
 */
public final class ScramCallbackHandler implements CallbackHandler {

    /** The stored credential of a user for a mechanism. Thread-safe. */
    @FunctionalInterface
    public interface Credentials {
        Optional<ScramCredential> lookup(String user, ScramMechanism mechanism);
    }

    private final ScramMechanism mechanism;
    private final Credentials credentials;

    public ScramCallbackHandler(ScramMechanism mechanism, Credentials credentials) {
        this.mechanism = mechanism;
        this.credentials = credentials;
    }

    @Override
    public void handle(Callback[] callbacks) throws UnsupportedCallbackException {
        String user = null;
        for (Callback callback : callbacks) {
            if (callback instanceof NameCallback name) {
                user = name.getDefaultName();
            } else if (callback instanceof DelegationTokenCredentialCallback) {
                // no tokens: the owner stays null and the exchange fails
            } else if (callback instanceof ScramCredentialCallback credential) {
                credential.scramCredential(user == null ? null : credentials.lookup(user, mechanism).orElse(null));
            } else {
                throw new UnsupportedCallbackException(callback);
            }
        }
    }
}
