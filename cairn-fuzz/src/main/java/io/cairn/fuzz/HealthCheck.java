package io.cairn.fuzz;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A normal client beside the fuzzer: each check produces one record (acks=all) to the health topic and reads
 * it back with a consumer. Not thread-safe: one thread runs the checks.
 */
final class HealthCheck implements AutoCloseable {

    static final String TOPIC = "cairn-fuzz-health";

    /** One check: whether the record went and came back, how long it took, and why not. */
    record Result(boolean ok, long millis, String error) {
    }

    private final KafkaProducer<String, String> producer;
    private final KafkaConsumer<String, String> consumer;
    private final TopicPartition partition = new TopicPartition(TOPIC, 0);

    HealthCheck(String bootstrap) {
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
        consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class));
        consumer.assign(List.of(partition));
    }

    Result check() {
        long start = System.nanoTime();
        String value = UUID.randomUUID().toString();
        try {
            RecordMetadata sent = producer.send(new ProducerRecord<>(TOPIC, 0, "health", value))
                    .get(20, TimeUnit.SECONDS);
            consumer.seek(partition, sent.offset());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.offset() == sent.offset()) {
                        return record.value().equals(value) ? ok(start)
                                : new Result(false, elapsed(start), "offset " + sent.offset() + " holds another value");
                    }
                }
            }
            return new Result(false, elapsed(start), "record at offset " + sent.offset() + " not read back in 15 s");
        } catch (Exception e) {
            return new Result(false, elapsed(start), e.toString());
        }
    }

    private static Result ok(long start) {
        return new Result(true, elapsed(start), null);
    }

    private static long elapsed(long start) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
        consumer.close(Duration.ofSeconds(5));
    }
}
