package io.cairn.server;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * A well-behaved client beside a hostile one: a producer (acks=all) sends a record every 20 ms and waits for each,
 * a consumer reads them; both record their worst latency (send to acknowledgement, send to consumption). Each runs
 * on its own thread until {@link #close}. Thread-safe.
 */
final class NormalTraffic implements AutoCloseable {

    private final KafkaProducer<String, String> producer;
    private final KafkaConsumer<String, String> consumer;
    private final Thread producing;
    private final Thread consuming;
    private volatile boolean running = true;
    /** Set once the producer has stopped: the consumer then reads what is left, until this deadline. */
    private volatile long consumeUntilNanos = Long.MAX_VALUE;
    private volatile boolean producerDone;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong consumed = new AtomicLong();
    private final AtomicLong maxAckMs = new AtomicLong();
    private final AtomicLong maxEndToEndMs = new AtomicLong();
    private volatile Throwable failure;

    /** Starts producing to and consuming from partition 0 of {@code topic}, which must exist and be empty to it. */
    NormalTraffic(TestNode node, String topic) {
        producer = node.producer(Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 0));
        consumer = node.consumer(Map.of());
        TopicPartition partition = new TopicPartition(topic, 0);
        consumer.assign(List.of(partition));
        consumer.seekToEnd(List.of(partition));
        consumer.position(partition); // fixed before the first record goes
        producing = new Thread(() -> produce(topic), "normal-producer");
        consuming = new Thread(this::consume, "normal-consumer");
        producing.start();
        consuming.start();
    }

    private void produce(String topic) {
        try {
            while (running) {
                long start = System.nanoTime();
                producer.send(new ProducerRecord<>(topic, 0, "k", Long.toString(System.currentTimeMillis())))
                        .get(30, TimeUnit.SECONDS);
                maxAckMs.accumulateAndGet((System.nanoTime() - start) / 1_000_000, Math::max);
                sent.incrementAndGet();
                Thread.sleep(20); // the pace of the traffic, not a synchronisation
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable e) {
            failure = e;
        }
    }

    private void consume() {
        try {
            while (!producerDone || (consumed.get() < sent.get() && System.nanoTime() < consumeUntilNanos)) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100))) {
                    maxEndToEndMs.accumulateAndGet(System.currentTimeMillis() - Long.parseLong(record.value()),
                            Math::max);
                    consumed.incrementAndGet();
                }
            }
        } catch (Throwable e) {
            failure = e;
        }
    }

    long sent() {
        return sent.get();
    }

    /** Stops producing, lets the consumer catch up (at most 30 s), and returns the figures. */
    Figures stop() throws InterruptedException {
        running = false;
        producing.join(TimeUnit.SECONDS.toMillis(40));
        consumeUntilNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        producerDone = true;
        consuming.join(TimeUnit.SECONDS.toMillis(35));
        return new Figures(sent.get(), consumed.get(), maxAckMs.get(), maxEndToEndMs.get(), failure);
    }

    @Override
    public void close() throws InterruptedException {
        if (running) {
            stop();
        }
        producer.close(Duration.ofSeconds(5));
        consumer.close(Duration.ofSeconds(5));
    }

    record Figures(long sent, long consumed, long maxAckMs, long maxEndToEndMs, Throwable failure) {
        @Override
        public String toString() {
            return sent + " records sent and " + consumed + " consumed, max acks=all produce " + maxAckMs
                    + " ms, max end-to-end " + maxEndToEndMs + " ms";
        }
    }
}
