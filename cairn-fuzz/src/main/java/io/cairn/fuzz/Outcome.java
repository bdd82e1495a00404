package io.cairn.fuzz;

/** What the node did with one frame. */
enum Outcome {
    ANSWERED("answered", false),
    CLOSED("connection closed", false),
    NO_ANSWER_ACKS0("no answer (acks=0), connection kept", false),
    WAITING_FOR_REST("node waits for the rest of the frame (size prefix beyond the bytes)", false),
    LONG_WAIT("no answer yet, within the wait the request allows (over the cap: abandoned)", false),
    HUNG("HUNG: no answer and no close within the bound", true),
    BAD_SIZE_KEPT("BAD SIZE KEPT: negative or oversized size prefix, connection not closed", true),
    WRONG_ANSWER("WRONG ANSWER: unreadable response or wrong correlation id", true),
    CONNECT_FAILED("CONNECT FAILED", true);

    final String description;
    final boolean failure;

    Outcome(String description, boolean failure) {
        this.description = description;
        this.failure = failure;
    }
}
