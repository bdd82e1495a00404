package io.cairn.bench;

/** Sizes and durations of the workloads; {@link #quick()} is the smoke-test variant. */
record Settings(
        int partitions,
        double produceSeconds,
        double produceWarmupSeconds,
        int e2eRate,
        double e2eSeconds,
        double e2eWarmupSeconds,
        int topicCount,
        int topicPartitions,
        double idleSeconds,
        double startTimeoutSeconds,
        double consumeTimeoutSeconds,
        double topicTimeoutSeconds) {

    static Settings full() {
        return new Settings(6, 10, 2, 5_000, 15, 2, 200, 3, 5, 90, 60, 120);
    }

    static Settings quick() {
        return new Settings(6, 5, 1, 2_000, 6, 1, 200, 3, 3, 90, 30, 60);
    }
}
