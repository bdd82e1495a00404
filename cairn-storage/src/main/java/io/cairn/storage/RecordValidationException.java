package io.cairn.storage;

import java.util.List;

import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.protocol.Errors;

/**
 * Some records of a produced batch failed a record-level check (a keyless record in a compacted log, a timestamp
 * out of bounds): the batch is refused whole, and the produce response names the failed records (KIP-467
 * {@code record_errors}) so the client fails exactly those and reports the others as collateral, as against
 * Kafka. Batch-level problems (format, size, CRC, structure) are thrown as the plain Kafka exception instead.
 *
 * <p>Immutable.
 */
public final class RecordValidationException extends RuntimeException {

    /**
     * One failed record.
     *
     * @param batchIndex the record's position in its batch, from 0
     * @param message    why it failed
     */
    public record RecordError(int batchIndex, String message) {
    }

    private final ApiException invalid;
    private final List<RecordError> recordErrors;

    /**
     * @param invalid      what the partition answers: its error code and message
     * @param recordErrors the failed records, at least one
     */
    public RecordValidationException(ApiException invalid, List<RecordError> recordErrors) {
        super(invalid.getMessage(), invalid, false, false);
        this.invalid = invalid;
        this.recordErrors = List.copyOf(recordErrors);
    }

    /** The partition's error: INVALID_RECORD, or INVALID_TIMESTAMP when a timestamp is among the failures. */
    public Errors error() {
        return Errors.forException(invalid);
    }

    /** The Kafka exception the error stands for (also the cause). */
    public ApiException invalidException() {
        return invalid;
    }

    public List<RecordError> recordErrors() {
        return recordErrors;
    }
}
