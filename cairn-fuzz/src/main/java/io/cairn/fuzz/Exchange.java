package io.cairn.fuzz;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Sends one frame on a connection and decides what the node did with it ({@link Outcome}). Stateless apart
 * from its bounds: thread-safe.
 */
final class Exchange {

    /** A frame's outcome, whether the connection can take another frame, and what was wrong if anything. */
    record Result(Outcome outcome, boolean usable, String detail) {
    }

    /** An ApiVersions v0 request sent after a frame that expects no answer: its answer proves the node moved on. */
    private static final int PROBE_CORRELATION_ID = Integer.MIN_VALUE + 7;
    private static final byte[] PROBE = ByteBuffer.allocate(14).putInt(10).putShort((short) 18).putShort((short) 0)
            .putInt(PROBE_CORRELATION_ID).putShort((short) -1).array();
    /** Waits longer than this a request may ask for (a Fetch's max wait, ...) are not waited out. */
    private static final long LONG_WAIT_CAP_MS = 30_000;

    private final long hangMs;

    /** @param hangMs how long a node may take, beyond what the request itself allows, to answer or close */
    Exchange(long hangMs) {
        this.hangMs = hangMs;
    }

    Result exchange(Connection connection, FuzzFrame frame) {
        try {
            connection.send(frame.wire());
        } catch (IOException closed) {
            return new Result(Outcome.CLOSED, false, null);
        }
        try {
            return switch (frame.framing()) {
                case BAD_SIZE -> connection.awaitClose(deadline(hangMs))
                        ? new Result(Outcome.CLOSED, false, null) : new Result(Outcome.BAD_SIZE_KEPT, false, null);
                case SHORT_BODY -> connection.awaitClose(deadline(50))
                        ? new Result(Outcome.CLOSED, false, null) : new Result(Outcome.WAITING_FOR_REST, false, null);
                case LONG_BODY -> connection.awaitClose(deadline(100))
                        ? new Result(Outcome.CLOSED, false, null) : new Result(Outcome.WAITING_FOR_REST, false, null);
                case WHOLE -> whole(connection, frame);
            };
        } catch (Connection.Closed closed) {
            return new Result(Outcome.CLOSED, false, null);
        } catch (IOException broken) {
            return new Result(Outcome.WRONG_ANSWER, false, broken.getMessage());
        }
    }

    private Result whole(Connection connection, FuzzFrame frame) throws IOException {
        Optional<FrameInspector.Inspection> inspection = FrameInspector.inspect(frame.body());
        if (inspection.map(FrameInspector.Inspection::expectsNoAnswer).orElse(frame.api() == 0)) {
            // acks=0, or a produce the schemas cannot read but the node may (then it may have acks=0 too)
            return noAnswerExpected(connection, inspection.map(FrameInspector.Inspection::allowedWaitMs).orElse(0L));
        }
        long allowed = inspection.map(FrameInspector.Inspection::allowedWaitMs).orElse(0L);
        boolean capped = allowed > LONG_WAIT_CAP_MS;
        byte[] response = connection.read(deadline(hangMs + (capped ? 0 : allowed)));
        if (response == null) {
            return capped ? new Result(Outcome.LONG_WAIT, false, null)
                    : new Result(Outcome.HUNG, false, "waited " + (hangMs + allowed) + " ms");
        }
        if (inspection.isEmpty()) {
            // the node read it as something (it may be more lenient than kafka-clients' schemas): an answer
            return new Result(Outcome.ANSWERED, true, null);
        }
        Optional<String> wrong = FrameInspector.checkResponse(inspection.get(), response);
        return wrong.map(why -> new Result(Outcome.WRONG_ANSWER, false, why))
                .orElse(new Result(Outcome.ANSWERED, true, null));
    }

    /** Produce that may have acks=0: a probe behind it must be answered (an answer to the produce may come first). */
    private Result noAnswerExpected(Connection connection, long allowedWaitMs) throws IOException {
        connection.send(PROBE);
        long deadline = deadline(hangMs + Math.min(allowedWaitMs, LONG_WAIT_CAP_MS));
        boolean answered = false;
        for (int i = 0; i < 2; i++) {
            byte[] response = connection.read(deadline);
            if (response == null) {
                return new Result(Outcome.HUNG, false, "acks=0 produce, then the probe: no answer");
            }
            if (ByteBuffer.wrap(response).getInt() == PROBE_CORRELATION_ID) {
                return new Result(answered ? Outcome.ANSWERED : Outcome.NO_ANSWER_ACKS0, true, null);
            }
            answered = true;
        }
        return new Result(Outcome.WRONG_ANSWER, false, "more than one answer to an acks=0 produce");
    }

    private static long deadline(long ms) {
        return System.nanoTime() + ms * 1_000_000;
    }
}
