package io.cairn.broker.group;

/** The states of a classic group, with the names Kafka's tools print and filter on. */
public enum GroupState {
    /** No members; offsets may remain. */
    EMPTY("Empty"),
    /** Waiting for members to (re)join. */
    PREPARING_REBALANCE("PreparingRebalance"),
    /** Members joined; waiting for the leader's assignment. */
    COMPLETING_REBALANCE("CompletingRebalance"),
    /** Assignment delivered; members heartbeat. */
    STABLE("Stable"),
    /** Deleted or unloaded; no operation may use it. */
    DEAD("Dead");

    private final String kafkaName;

    GroupState(String kafkaName) {
        this.kafkaName = kafkaName;
    }

    public String kafkaName() {
        return kafkaName;
    }

    public static GroupState parse(String name) {
        for (GroupState state : values()) {
            if (state.kafkaName.equalsIgnoreCase(name)) {
                return state;
            }
        }
        return null;
    }
}
