package io.cairn.metadata;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.cairn.metadata.record.DelegationTokenRecord;

/**
 * The secret side of delegation tokens (KIP-48, docs/adr/0034): a token's HMAC, its password, is HmacSHA512 of its
 * id keyed with {@code delegation.token.secret.key}, as Kafka derives it, so a client holding a token made by Kafka's
 * formula and the same key logs in to any node. The HMAC is never stored: every node derives it from its own key.
 *
 * <p>Thread-safe (immutable).
 */
public final class DelegationTokens {

    private static final String ALGORITHM = "HmacSHA512";

    private final SecretKeySpec key;

    /** @param secretKey {@code delegation.token.secret.key}, not empty */
    public DelegationTokens(String secretKey) {
        if (secretKey == null || secretKey.isEmpty()) {
            throw new IllegalArgumentException("an empty delegation token secret key");
        }
        this.key = new SecretKeySpec(secretKey.getBytes(StandardCharsets.UTF_8), ALGORITHM);
    }

    /** The HMAC (the password) of the token with id {@code tokenId}. */
    public byte[] hmac(String tokenId) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac.doFinal(tokenId.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(ALGORITHM + " is not available", e);
        }
    }

    /**
     * The token of {@code image} whose HMAC is {@code hmac}, if any: one HMAC per token, compared in constant time
     * (a node holds few tokens; Kafka's cache keeps an index by HMAC instead).
     */
    public Optional<DelegationTokenRecord> byHmac(MetadataImage image, byte[] hmac) {
        if (hmac == null) {
            return Optional.empty();
        }
        for (DelegationTokenRecord token : image.delegationTokens().values()) {
            if (MessageDigest.isEqual(hmac(token.tokenId()), hmac)) {
                return Optional.of(token);
            }
        }
        return Optional.empty();
    }
}
