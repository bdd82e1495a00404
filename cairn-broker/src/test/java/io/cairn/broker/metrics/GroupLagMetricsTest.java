package io.cairn.broker.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Consumer-group lag: the high watermark less the committed offset, for partitions this node hosts. */
class GroupLagMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final Map<TopicPartition, Long> highWatermarks = new HashMap<>();
    private final AtomicReference<List<Map<String, Map<TopicPartition, Long>>>> committed = new AtomicReference<>();
    private final GroupLagMetrics metrics = new GroupLagMetrics(registry,
            () -> CompletableFuture.completedFuture(committed.get()),
            tp -> highWatermarks.containsKey(tp) ? OptionalLong.of(highWatermarks.get(tp)) : OptionalLong.empty());

    @Test
    void lagIsTheHighWatermarkLessTheCommittedOffsetReadAtScrapeTime() {
        // given: group g committed 40 on t-0 (high watermark 100) and 7 on t-1, which this node does not host
        TopicPartition t0 = new TopicPartition("t", 0);
        highWatermarks.put(t0, 100L);
        committed.set(List.of(Map.of("g", Map.of(t0, 40L, new TopicPartition("t", 1), 7L))));

        // when
        metrics.refresh().join();

        // then
        assertThat(lag("g", "t", "0")).isEqualTo(60);
        assertThat(registry.find("cairn.consumer.group.lag").tag("partition", "1").gauge()).isNull();

        // when: the high watermark moves; no refresh
        highWatermarks.put(t0, 130L);

        // then
        assertThat(lag("g", "t", "0")).isEqualTo(90);
    }

    @Test
    void aGroupThatIsGoneLosesItsRowsAtTheNextRefresh() {
        // given
        TopicPartition t0 = new TopicPartition("t", 0);
        highWatermarks.put(t0, 10L);
        committed.set(List.of(Map.of("g", Map.of(t0, 10L)), Map.of("h", Map.of(t0, 3L))));
        metrics.refresh().join();
        assertThat(lag("g", "t", "0")).isZero();
        assertThat(lag("h", "t", "0")).isEqualTo(7);

        // when: group g was deleted (or its shard moved to another node)
        committed.set(List.of(Map.of("h", Map.of(t0, 3L))));
        metrics.refresh().join();

        // then
        assertThat(registry.find("cairn.consumer.group.lag").tag("group", "g").gauge()).isNull();
        assertThat(lag("h", "t", "0")).isEqualTo(7);
    }

    @Test
    void aCommitPastTheHighWatermarkIsNoLag() {
        assertThat(GroupLagMetrics.lag(10, 12)).isZero();
        assertThat(GroupLagMetrics.lag(12, 10)).isEqualTo(2);
    }

    private double lag(String group, String topic, String partition) {
        Gauge gauge = registry.find("cairn.consumer.group.lag").tag("group", group).tag("topic", topic)
                .tag("partition", partition).gauge();
        assertThat(gauge).isNotNull();
        return gauge.value();
    }
}
