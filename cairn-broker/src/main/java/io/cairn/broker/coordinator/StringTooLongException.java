package io.cairn.broker.coordinator;

import org.apache.kafka.common.errors.UnknownServerException;

/**
 * A string that a coordinator's record format cannot hold: its length is an int16, so at most 32,767 UTF-8 bytes.
 * A client's string is at most that long on the wire, but an id the coordinator builds from it (a member id is the
 * client id plus a UUID) or one that is not valid UTF-8 (each bad byte becomes a 3-byte replacement character) can
 * grow past it. The write is refused, never cut: a cut id would be another id. The client gets UNKNOWN_SERVER_ERROR,
 * as from Kafka, whose record classes refuse such a string when they serialize it.
 *
 * <p>Immutable.
 */
public final class StringTooLongException extends UnknownServerException {

    private static final long serialVersionUID = 1L;

    public StringTooLongException(String message) {
        super(message);
    }
}
