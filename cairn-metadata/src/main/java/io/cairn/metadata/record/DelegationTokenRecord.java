package io.cairn.metadata.record;

import java.util.List;
import java.util.Objects;

/**
 * Creates or updates a delegation token (KIP-48), as Kafka's record of the same name: who owns it, who asked for
 * it, who may renew it, and its times. Never its HMAC, which every node derives from {@code
 * delegation.token.secret.key} and the token id (docs/adr/0034). A renewal or a later expiry time rewrites the whole
 * record. A record with an empty token id is a no-op.
 *
 * @param owner           the principal the token authenticates as, {@code User:alice}
 * @param requester       the principal that created it
 * @param renewers        principals besides the owner that may renew or expire it
 * @param issueTimestamp  when it was created, ms since the epoch
 * @param maxTimestamp    the latest expiry any renewal can give it
 * @param expiryTimestamp when it stops authenticating unless renewed
 */
public record DelegationTokenRecord(String tokenId, String owner, String requester, List<String> renewers,
                                    long issueTimestamp, long maxTimestamp, long expiryTimestamp)
        implements MetadataRecord {

    public DelegationTokenRecord {
        Objects.requireNonNull(tokenId, "tokenId");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(requester, "requester");
        renewers = renewers == null ? List.of() : List.copyOf(renewers);
    }

    /** This token with another expiry time (a renewal, or an expiry set by ExpireDelegationToken). */
    public DelegationTokenRecord withExpiry(long expiry) {
        return new DelegationTokenRecord(tokenId, owner, requester, renewers, issueTimestamp, maxTimestamp, expiry);
    }

    /** Kafka's TokenInformation.ownerOrRenewer: the owner, the requester or a renewer. */
    public boolean ownerOrRenewer(String principal) {
        return owner.equals(principal) || requester.equals(principal) || renewers.contains(principal);
    }
}
