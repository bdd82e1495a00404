package io.cairn.metadata.record;

import java.util.Objects;

/** Deletes a user's SCRAM credential for one mechanism; a no-op when it has none. */
public record RemoveUserScramCredentialRecord(String name, String mechanism) implements MetadataRecord {

    public RemoveUserScramCredentialRecord {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(mechanism, "mechanism");
    }
}
