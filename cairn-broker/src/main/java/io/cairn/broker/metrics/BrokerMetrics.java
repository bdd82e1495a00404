package io.cairn.broker.metrics;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.cairn.broker.replica.ReplicaManager;
import io.cairn.broker.replica.TopicTraffic;
import io.cairn.protocol.RequestObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * The broker's meters: requests, their latency and queue time per API, partitions hosted, led, under-replicated
 * and under min.insync.replicas, ISR shrinks and expands, client traffic per topic, log sizes, JVM. Exposed in
 * Prometheus format by the server; docs/metrics.md maps them to Kafka's JMX names.
 *
 * <p>Thread-safe.
 */
public final class BrokerMetrics implements RequestObserver {

    private final MeterRegistry registry;
    private final Map<ApiKeys, Timer> latency = new EnumMap<>(ApiKeys.class);
    private final Map<ApiKeys, Counter> failures = new EnumMap<>(ApiKeys.class);
    private final Map<ApiKeys, Timer> queueTime = new EnumMap<>(ApiKeys.class);

    public BrokerMetrics(MeterRegistry registry, ReplicaManager replicas) {
        this.registry = registry;
        for (ApiKeys key : ApiKeys.values()) {
            latency.put(key, Timer.builder("cairn.requests")
                    .description("Requests served, with their latency from arrival to encoded response")
                    .tag("api", key.name)
                    .publishPercentiles(0.5, 0.99)
                    .register(registry));
            failures.put(key, Counter.builder("cairn.request.failures")
                    .description("Requests answered with a request-level error")
                    .tag("api", key.name)
                    .register(registry));
            queueTime.put(key, Timer.builder("cairn.request.queue")
                    .description("Time a request waited from arrival until its handler started")
                    .tag("api", key.name)
                    .register(registry));
        }
        Gauge.builder("cairn.partitions", replicas, r -> r.partitions().size())
                .description("Partitions hosted on this node").register(registry);
        Gauge.builder("cairn.partitions.leader", replicas, r -> r.partitions().stream()
                        .filter(p -> p.role() instanceof io.cairn.broker.replica.ReplicaRole.Leader).count())
                .description("Partitions this node leads").register(registry);
        Gauge.builder("cairn.log.size.bytes", replicas, r -> r.partitions().stream()
                        .mapToLong(p -> p.log().sizeInBytes()).sum())
                .description("Bytes in all partition logs on this node").baseUnit("bytes").register(registry);
        Gauge.builder("cairn.partitions.under.replicated", replicas,
                        r -> PartitionHealth.underReplicated(r.partitions()))
                .description("Partitions this node leads whose ISR is smaller than their replica set")
                .register(registry);
        Gauge.builder("cairn.partitions.under.min.isr", replicas, r -> PartitionHealth.underMinIsr(r.partitions()))
                .description("Partitions this node leads whose ISR is smaller than min.insync.replicas "
                        + "(acks=all produces to them fail)")
                .register(registry);
        FunctionCounter.builder("cairn.isr.shrinks", replicas, ReplicaManager::isrShrinks)
                .description("Committed ISR shrinks of partitions this node leads").register(registry);
        FunctionCounter.builder("cairn.isr.expands", replicas, ReplicaManager::isrExpands)
                .description("Committed ISR expansions of partitions this node leads").register(registry);
        FunctionCounter.builder("cairn.replication.bytes.in", replicas.traffic(), TopicTraffic::replicationBytesIn)
                .description("Record bytes this node fetched from leaders and appended as follower").register(registry);
        FunctionCounter.builder("cairn.replication.bytes.out", replicas.traffic(), TopicTraffic::replicationBytesOut)
                .description("Record bytes this node sent to followers").register(registry);
        replicas.traffic().setListener(new TopicMeters(registry));
        // Kafka's NumDelayedOperations of its Fetch and Produce purgatories
        Gauge.builder("cairn.delayed.operations", replicas, r -> r.fetchWaiters().pending()).tag("operation", "fetch")
                .description("Fetches parked until data arrives or max.wait.ms passes (long polls, follower fetches)")
                .register(registry);
        Gauge.builder("cairn.delayed.operations", replicas, r -> r.produceWaiters().pending())
                .tag("operation", "produce")
                .description("acks=all produces (and transaction markers) parked until replicated or timed out")
                .register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    @Override
    public void onHandlerStart(ApiKeys apiKey, long queueNanos) {
        queueTime.get(apiKey).record(queueNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void onResponse(ApiKeys apiKey, long latencyNanos, boolean failed) {
        latency.get(apiKey).record(latencyNanos, TimeUnit.NANOSECONDS);
        if (failed) {
            failures.get(apiKey).increment();
        }
    }
}
