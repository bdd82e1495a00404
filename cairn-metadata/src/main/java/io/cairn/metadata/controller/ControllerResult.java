package io.cairn.metadata.controller;

import java.util.List;

import io.cairn.metadata.record.MetadataRecord;

/**
 * What a decider returns: the records to commit (all in one batch, atomically) and the response to give
 * once they are applied. No records means nothing to write (a validation-only or failed request).
 *
 * <p>Thread-safe (immutable).
 */
public record ControllerResult<T>(List<MetadataRecord> records, T response) {
    public ControllerResult {
        records = List.copyOf(records);
    }

    public static <T> ControllerResult<T> of(List<MetadataRecord> records, T response) {
        return new ControllerResult<>(records, response);
    }
}
