package io.cairn.broker.network;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Whether the first message of a SCRAM login is decided now or after a wait. A node that restarts replays the
 * metadata log before it serves: until it has caught up its image may lack the credential of a user created while
 * it was down (or before the part replayed so far), and a refused login is fatal to a Java client, which never retries
 * an authentication failure. So a login of a user the image does not know waits, bounded, for the node to catch up,
 * and is then decided on the caught-up image; a known user, or any login once the node has caught up, is decided at
 * once.
 *
 * <p>Implementations are thread-safe: every event loop asks.
 */
@FunctionalInterface
public interface ScramLoginWait {

    /** Every login is decided at once. */
    ScramLoginWait NEVER = (mechanism, user) -> Optional.empty();

    /**
     * @param mechanism the SCRAM mechanism (SCRAM-SHA-256, SCRAM-SHA-512)
     * @param user      the user the client names (a token id for a delegation token login)
     * @return empty to decide now, else what completes (on any thread) when the login may be decided: the node has
     *         caught up, or the wait's bound has passed
     */
    Optional<CompletionStage<?>> until(String mechanism, String user);
}
