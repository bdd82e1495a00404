package io.cairn.broker.security;

import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import io.cairn.metadata.DelegationTokens;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.record.DelegationTokenRecord;
import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.kafka.common.security.scram.internals.ScramFormatter;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.apache.kafka.common.utils.Time;

/**
 * What a SCRAM login with a delegation token ({@code tokenauth=true}, username the token id, password the HMAC in
 * base64) is checked against: the token of the committed image, if it has not expired, with a SCRAM credential of
 * its HMAC. As Kafka's token cache, each node makes that credential itself (a random salt, the mechanism's minimum
 * iterations) from the HMAC it derives from its own {@code delegation.token.secret.key}; it is made at the token's
 * first login on this node and kept while the token exists.
 *
 * <p>Thread-safe.
 */
public final class DelegationTokenCredentials implements ScramCallbackHandler.Tokens {

    private final Supplier<MetadataImage> image;
    private final DelegationTokens tokens;
    private final Time time;
    /** By mechanism name and token id; the HMAC is in the key so that a token id never meets a stale credential. */
    private final Map<String, ScramCredential> credentials = new ConcurrentHashMap<>();

    public DelegationTokenCredentials(Supplier<MetadataImage> image, DelegationTokens tokens, Time time) {
        this.image = image;
        this.tokens = tokens;
        this.time = time;
    }

    @Override
    public Optional<ScramCallbackHandler.TokenCredential> lookup(String tokenId, ScramMechanism mechanism) {
        MetadataImage current = image.get();
        DelegationTokenRecord token = current.delegationTokens().get(tokenId);
        long now = time.milliseconds();
        if (token == null || token.maxTimestamp() < now || token.expiryTimestamp() < now) {
            return Optional.empty();
        }
        if (credentials.size() > 2 * current.delegationTokens().size() + 16) {
            credentials.keySet().removeIf(key -> !current.delegationTokens().containsKey(
                    key.substring(key.indexOf(' ') + 1)));
        }
        ScramCredential credential = credentials.computeIfAbsent(mechanism.mechanismName() + " " + tokenId,
                key -> credential(tokenId, mechanism));
        return Optional.of(new ScramCallbackHandler.TokenCredential(token.owner(), token.expiryTimestamp(),
                credential));
    }

    private ScramCredential credential(String tokenId, ScramMechanism mechanism) {
        try {
            return new ScramFormatter(mechanism).generateCredential(
                    Base64.getEncoder().encodeToString(tokens.hmac(tokenId)), mechanism.minIterations());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("No " + mechanism.hashAlgorithm() + " in this JVM", e);
        }
    }
}
