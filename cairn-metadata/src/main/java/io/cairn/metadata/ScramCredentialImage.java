package io.cairn.metadata;

import java.util.Arrays;
import java.util.Objects;

/**
 * A user's stored SCRAM credential for one mechanism: what the server side of the exchange checks a client's proof
 * against. The arrays are never handed out mutable: {@link #salt()} and the keys return copies.
 *
 * <p>Thread-safe (immutable).
 */
public final class ScramCredentialImage {

    private final byte[] salt;
    private final byte[] storedKey;
    private final byte[] serverKey;
    private final int iterations;

    public ScramCredentialImage(byte[] salt, byte[] storedKey, byte[] serverKey, int iterations) {
        this.salt = salt.clone();
        this.storedKey = storedKey.clone();
        this.serverKey = serverKey.clone();
        this.iterations = iterations;
    }

    public byte[] salt() {
        return salt.clone();
    }

    public byte[] storedKey() {
        return storedKey.clone();
    }

    public byte[] serverKey() {
        return serverKey.clone();
    }

    public int iterations() {
        return iterations;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScramCredentialImage other && Arrays.equals(salt, other.salt)
                && Arrays.equals(storedKey, other.storedKey) && Arrays.equals(serverKey, other.serverKey)
                && iterations == other.iterations;
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(salt), Arrays.hashCode(storedKey), Arrays.hashCode(serverKey), iterations);
    }

    @Override
    public String toString() {
        return "ScramCredentialImage(iterations=" + iterations + ")";
    }
}
