package io.cairn.server.chaos;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The workload's writers: idempotent acks=all producers, each in its own thread, each sending its records
 * ({@code p<i>-<seq>}, sequence numbers counting up) round-robin over the partitions with at most
 * {@value #IN_FLIGHT} unacknowledged at a time and at most {@code ratePerProducer} a second, and telling the {@link Ledger} and {@link Availability} of every
 * acknowledgement. A send that fails is counted and not retried by the workload (the producer has retried it up
 * to delivery.timeout.ms already); a producer that fails fatally is replaced, and its error kept for the report.
 */
final class Producers implements AutoCloseable {

    private static final int IN_FLIGHT = 50;

    private final Map<String, Object> clientConfig;
    private final String topic;
    private final int partitions;
    private final Ledger ledger;
    private final Availability availability;
    private final LongSupplier clockMs;
    private final int ratePerProducer;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong failedSends = new AtomicLong();
    private final List<String> producerErrors = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();

    Producers(Map<String, Object> clientConfig, String topic, int partitions, Ledger ledger,
              Availability availability, LongSupplier clockMs, int ratePerProducer) {
        this.clientConfig = clientConfig;
        this.topic = topic;
        this.partitions = partitions;
        this.ledger = ledger;
        this.availability = availability;
        this.clockMs = clockMs;
        this.ratePerProducer = ratePerProducer;
    }

    void start(int count) {
        for (int i = 0; i < count; i++) {
            int index = i;
            Thread thread = new Thread(() -> write(index), "chaos-producer-" + i);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    long failedSends() {
        return failedSends.get();
    }

    synchronized List<String> producerErrors() {
        return List.copyOf(producerErrors);
    }

    private void write(int index) {
        Semaphore inFlight = new Semaphore(IN_FLIGHT);
        long sequence = 0;
        long startMs = clockMs.getAsLong();
        while (running.get()) {
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(config(index))) {
                while (running.get()) {
                    long dueMs = startMs + sequence * 1000 / ratePerProducer;
                    long aheadMs = dueMs - clockMs.getAsLong();
                    if (aheadMs > 0) {
                        Thread.sleep(aheadMs); // pacing: the workload must not starve the cluster it checks
                    }
                    inFlight.acquire();
                    Ledger.Name name = new Ledger.Name(index, sequence);
                    int partition = (int) (sequence % partitions);
                    sequence++;
                    long sentMs = clockMs.getAsLong();
                    producer.send(new ProducerRecord<>(topic, partition, null, name.toString()), (metadata, error) -> {
                        inFlight.release();
                        if (error == null) {
                            ledger.acknowledged(metadata.partition(), name);
                            availability.acknowledged(metadata.partition(), sentMs, clockMs.getAsLong());
                        } else {
                            failedSends.incrementAndGet();
                        }
                    });
                }
                producer.flush();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                synchronized (this) {
                    producerErrors.add("producer " + index + ": " + e);
                }
                inFlight.drainPermits();
                inFlight.release(IN_FLIGHT);
            }
        }
    }

    private Map<String, Object> config(int index) {
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "cairn-chaos-producer-" + index);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        return config;
    }

    /** Stops sending and waits for every record in flight to be acknowledged or failed. */
    @Override
    public void close() throws InterruptedException {
        running.set(false);
        for (Thread thread : threads) {
            thread.join();
        }
    }
}
