package io.cairn.broker.handlers;

import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.errors.InvalidRequestException;

/** A request's isolation level byte, refused as INVALID_REQUEST unless it is 0 or 1. Stateless: thread-safe. */
final class IsolationLevels {

    private IsolationLevels() {
    }

    static IsolationLevel of(byte id) {
        if (id != IsolationLevel.READ_UNCOMMITTED.id() && id != IsolationLevel.READ_COMMITTED.id()) {
            throw new InvalidRequestException("Unknown isolation level " + id);
        }
        return IsolationLevel.forId(id);
    }
}
