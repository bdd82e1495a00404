package io.cairn.storage;

import java.nio.BufferUnderflowException;
import java.util.Iterator;

import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;

/**
 * The record batches of bytes a client or another node sent, where a lie in the framing is a
 * {@link CorruptRecordException}. kafka-clients' batch iterator trusts a batch's length field: one near 2^31
 * overflows into a negative buffer limit ({@link IllegalArgumentException}) and a header cut short fails on its
 * first read ({@link IndexOutOfBoundsException}), errors that would otherwise reach the client as
 * UNKNOWN_SERVER_ERROR with an ERROR line of the node's.
 */
public final class RecordBatches {

    private RecordBatches() {
    }

    /** The batches of {@code records}, iterated as {@link MemoryRecords#batches()} with framing errors as corrupt. */
    public static Iterable<MutableRecordBatch> of(MemoryRecords records) {
        return () -> new Iterator<>() {
            private final Iterator<MutableRecordBatch> batches = records.batches().iterator();

            @Override
            public boolean hasNext() {
                try {
                    return batches.hasNext();
                } catch (IllegalArgumentException | IndexOutOfBoundsException | BufferUnderflowException e) {
                    throw corrupt(e);
                }
            }

            @Override
            public MutableRecordBatch next() {
                try {
                    return batches.next();
                } catch (IllegalArgumentException | IndexOutOfBoundsException | BufferUnderflowException e) {
                    throw corrupt(e);
                }
            }
        };
    }

    private static CorruptRecordException corrupt(RuntimeException e) {
        return new CorruptRecordException("Malformed record batch framing: " + e.getMessage());
    }
}
