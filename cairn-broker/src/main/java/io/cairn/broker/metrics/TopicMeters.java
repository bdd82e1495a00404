package io.cairn.broker.metrics;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.cairn.broker.replica.TopicTraffic;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Exposes {@link TopicTraffic}'s counts as counters tagged with the topic, registered on a topic's first traffic
 * and removed when the node stops hosting it. The hot path never touches Micrometer: it adds to the topic's
 * adders, which the counters read at scrape time.
 *
 * <p>Thread-safe.
 */
final class TopicMeters implements TopicTraffic.Listener {

    private final MeterRegistry registry;
    private final Map<String, List<Meter>> meters = new ConcurrentHashMap<>();

    TopicMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void added(String topic, TopicTraffic.Counts counts) {
        meters.put(topic, List.of(
                FunctionCounter.builder("cairn.topic.bytes.in", counts, TopicTraffic.Counts::bytesIn).tag("topic", topic)
                        .description("Bytes of record batches producers appended to the topic on this node (leader)")
                        .register(registry),
                FunctionCounter.builder("cairn.topic.messages.in", counts, TopicTraffic.Counts::messagesIn)
                        .tag("topic", topic)
                        .description("Records producers appended to the topic on this node (leader)")
                        .register(registry),
                FunctionCounter.builder("cairn.topic.bytes.out", counts, TopicTraffic.Counts::bytesOut)
                        .tag("topic", topic)
                        .description("Record bytes of the topic sent to consumers by this node")
                        .register(registry)));
    }

    @Override
    public void removed(String topic) {
        List<Meter> removed = meters.remove(topic);
        if (removed != null) {
            removed.forEach(registry::remove);
        }
    }
}
