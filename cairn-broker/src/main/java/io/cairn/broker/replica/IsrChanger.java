package io.cairn.broker.replica;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;

/**
 * How a partition leader asks the controller to change its ISR (AlterPartition). The future completes when
 * the controller has answered; the new ISR takes effect only when the committed metadata says so.
 */
public interface IsrChanger {

    IsrChanger NONE = (topicId, tp, leaderEpoch, partitionEpoch, newIsr) ->
            CompletableFuture.failedFuture(new UnsupportedOperationException("no controller to change the ISR"));

    CompletableFuture<Void> proposeIsr(Uuid topicId, TopicPartition topicPartition, int leaderEpoch, int partitionEpoch,
                                       List<Integer> newIsr);
}
