package io.cairn.metadata.record;

import java.util.Objects;

/** Deletes a delegation token: expired, or expired at once by ExpireDelegationToken; a no-op when it is gone. */
public record RemoveDelegationTokenRecord(String tokenId) implements MetadataRecord {

    public RemoveDelegationTokenRecord {
        Objects.requireNonNull(tokenId, "tokenId");
    }
}
