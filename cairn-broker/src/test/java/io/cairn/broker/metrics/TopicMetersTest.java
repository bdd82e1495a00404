package io.cairn.broker.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.broker.replica.TopicTraffic;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** Per-topic traffic counters appear with a topic's first traffic and go when the topic is no longer hosted. */
class TopicMetersTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final TopicTraffic traffic = new TopicTraffic();

    @Test
    void countsBytesAndRecordsPerTopicAndForgetsARemovedTopic() {
        // given
        traffic.bytesIn("early", 10, 1); // counted before the metrics are bound
        traffic.setListener(new TopicMeters(registry));

        // when
        traffic.bytesIn("t", 100, 3);
        traffic.bytesIn("t", 50, 2);
        traffic.bytesOut("t", 70);
        traffic.bytesOut("t", 0);

        // then
        assertThat(count("cairn.topic.bytes.in", "t")).isEqualTo(150);
        assertThat(count("cairn.topic.messages.in", "t")).isEqualTo(5);
        assertThat(count("cairn.topic.bytes.out", "t")).isEqualTo(70);
        assertThat(count("cairn.topic.bytes.in", "early")).isEqualTo(10);

        // when
        traffic.remove("t");

        // then
        assertThat(registry.find("cairn.topic.bytes.in").tag("topic", "t").functionCounter()).isNull();
        assertThat(registry.find("cairn.topic.bytes.out").tag("topic", "t").functionCounter()).isNull();
        assertThat(traffic.get("t")).isNull();
        assertThat(count("cairn.topic.bytes.in", "early")).isEqualTo(10);
    }

    private double count(String name, String topic) {
        var counter = registry.find(name).tag("topic", topic).functionCounter();
        assertThat(counter).as(name + "{topic=" + topic + "}").isNotNull();
        return counter.count();
    }
}
