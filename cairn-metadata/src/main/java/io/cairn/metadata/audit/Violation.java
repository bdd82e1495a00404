package io.cairn.metadata.audit;

/**
 * One invariant found broken. Immutable.
 *
 * @param subject  what breaks it, stable while the violation lasts (a partition "name-index", a broker "broker 3",
 *                 a node "node 2"): a violation is new when no violation of the same invariant and subject was
 *                 seen at the check before
 * @param evidence what the image (or the node) holds that breaks it, for the log line
 */
public record Violation(Invariant invariant, String subject, String evidence) {

    /** The identity of the violation across checks: invariant and subject, without the evidence. */
    public String key() {
        return invariant.tag() + " " + subject;
    }

    @Override
    public String toString() {
        return invariant.tag() + " broken by " + subject + ": " + evidence;
    }
}
