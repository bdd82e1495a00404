package io.cairn.fuzz;

import java.util.List;

import org.apache.kafka.common.Uuid;

/**
 * The names that generated requests aim at, so that most of them reach a handler's real work instead of
 * stopping at "unknown topic": the fuzz topics (with their ids), group and transactional ids.
 *
 * @param topics          topics that exist on the node (the fuzzer's own; never the health check's)
 * @param topicIds        their ids, in the same order
 * @param groups          consumer group ids to use
 * @param transactionalIds transactional ids to use
 */
public record FuzzTargets(List<String> topics, List<Uuid> topicIds, List<String> groups,
                          List<String> transactionalIds) {

    public FuzzTargets {
        topics = List.copyOf(topics);
        topicIds = List.copyOf(topicIds);
        groups = List.copyOf(groups);
        transactionalIds = List.copyOf(transactionalIds);
    }

    /** The fuzz topics the driver creates, and ids for groups and transactions nobody else uses. */
    static FuzzTargets withTopics(List<String> topics, List<Uuid> topicIds) {
        return new FuzzTargets(topics, topicIds, List.of("fuzz-group-0", "fuzz-group-1"),
                List.of("fuzz-txn-0", "fuzz-txn-1"));
    }
}
