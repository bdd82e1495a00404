package io.cairn.metadata;

import java.util.Optional;

/**
 * A registered broker. Immutable.
 *
 * @param epoch  the broker epoch given at this registration
 * @param fenced a fenced broker leads nothing and is in no ISR
 */
public record BrokerImage(int id, String host, int port, Optional<String> rack, long epoch, boolean fenced) {
}
