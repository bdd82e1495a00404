package io.cairn.protocol;

import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ObjectSerializationCache;

/**
 * The size a message takes on the wire at a version, for code outside the protocol layer that must count bytes
 * (client quotas) without framing anything itself.
 */
public final class WireSize {

    private WireSize() {
    }

    /** The bytes {@code message}'s body takes at {@code version}, without the header or the length prefix. */
    public static int of(ApiMessage message, short version) {
        return message.size(new ObjectSerializationCache(), version);
    }
}
