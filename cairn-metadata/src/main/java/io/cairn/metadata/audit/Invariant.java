package io.cairn.metadata.audit;

/**
 * The leadership invariants a node checks live (docs/README.md, "Live invariant audit"). Each has the tag its
 * violations carry in the {@code cairn_invariant_violations{invariant=...}} metric.
 */
public enum Invariant {
    /** A partition with a leader has that leader in its ISR. */
    LEADER_IN_ISR("leader_in_isr"),
    /** A partition's leader is a registered, unfenced broker. */
    LEADER_LIVE("leader_live"),
    /** A partition's leader and partition epochs, and a broker's registration epoch, never decrease. */
    EPOCHS_GROW("epochs_grow"),
    /** The node acts as leader of a partition exactly when, and at the leader epoch at which, its image says so. */
    LOCAL_LEADER_MATCHES_IMAGE("local_leader_matches_image"),
    /** The node's image is not behind the committed metadata offset by more than a bound. */
    IMAGE_CAUGHT_UP("image_caught_up"),
    /**
     * Every replica of a partition the node leads is in the ISR or kept out for a reason the leader states: it
     * is fenced, shut down or unregistered, it does not fetch, it is behind the high watermark, or an ISR change
     * is in flight or was refused. A caught-up follower left out with none of these is a stuck ISR expansion.
     */
    REPLICAS_IN_ISR_OR_LAGGING("replicas_in_isr_or_lagging"),
    /** No broker holds two registrations: no two broker ids share one host:port. */
    SINGLE_REGISTRATION("single_registration");

    private final String tag;

    Invariant(String tag) {
        this.tag = tag;
    }

    /** The metric tag and log name, snake_case. */
    public String tag() {
        return tag;
    }
}
