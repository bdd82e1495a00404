package io.cairn.metadata.record;

import java.util.Arrays;
import java.util.Objects;

/**
 * Sets a user's SCRAM credential for one mechanism (AlterUserScramCredentials, or the bootstrap credentials of a new
 * cluster), as Kafka's record of the same name: never the password, only what the server side of SCRAM needs
 * (RFC 5802's salt, StoredKey, ServerKey and iteration count). A record of an unknown mechanism or an empty name is
 * a no-op.
 *
 * @param mechanism the SASL mechanism name, SCRAM-SHA-256 or SCRAM-SHA-512
 */
public record UserScramCredentialRecord(String name, String mechanism, byte[] salt, byte[] storedKey,
                                        byte[] serverKey, int iterations) implements MetadataRecord {

    public UserScramCredentialRecord {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(mechanism, "mechanism");
        Objects.requireNonNull(salt, "salt");
        Objects.requireNonNull(storedKey, "storedKey");
        Objects.requireNonNull(serverKey, "serverKey");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UserScramCredentialRecord other && name.equals(other.name)
                && mechanism.equals(other.mechanism) && Arrays.equals(salt, other.salt)
                && Arrays.equals(storedKey, other.storedKey) && Arrays.equals(serverKey, other.serverKey)
                && iterations == other.iterations;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, mechanism, Arrays.hashCode(salt), Arrays.hashCode(storedKey),
                Arrays.hashCode(serverKey), iterations);
    }

    /** The keys stay out of logs. */
    @Override
    public String toString() {
        return "UserScramCredentialRecord(name=" + name + ", mechanism=" + mechanism + ", iterations=" + iterations
                + ")";
    }
}
