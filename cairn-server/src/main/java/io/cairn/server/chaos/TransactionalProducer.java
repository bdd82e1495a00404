package io.cairn.server.chaos;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The workload's transactional writer ({@code --transactions}): one producer with a transactional id writing
 * transactions of {@value #RECORDS_PER_TRANSACTION} records round-robin over the partitions, every
 * {@value #ABORT_EVERY}th aborted on purpose. A transaction's records count as acknowledged when its commit
 * returns, and as aborted when its abort returns; one whose outcome is unknown (its commit or abort failed) is
 * neither, and the producer is replaced, as an application would after such an error.
 */
final class TransactionalProducer implements AutoCloseable {

    private static final int RECORDS_PER_TRANSACTION = 10;
    private static final int ABORT_EVERY = 5;

    private final Map<String, Object> clientConfig;
    private final String topic;
    private final int partitions;
    private final int index;
    private final Ledger ledger;
    private final Availability availability;
    private final LongSupplier clockMs;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong committed = new AtomicLong();
    private final AtomicLong aborted = new AtomicLong();
    private final AtomicLong unknown = new AtomicLong();
    /** Producers created after the first, each replacing one whose transaction's outcome became unknown. */
    private final AtomicLong replaced = new AtomicLong();
    private volatile String lastError;
    private final Thread thread;

    TransactionalProducer(Map<String, Object> clientConfig, String topic, int partitions, int index, Ledger ledger,
                          Availability availability, LongSupplier clockMs) {
        this.clientConfig = clientConfig;
        this.topic = topic;
        this.partitions = partitions;
        this.index = index;
        this.ledger = ledger;
        this.availability = availability;
        this.clockMs = clockMs;
        this.thread = new Thread(this::write, "chaos-transactional-producer");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Transactions committed, aborted on purpose, and of unknown outcome. */
    String summary() {
        return committed.get() + " transactions committed, " + aborted.get() + " aborted on purpose, "
                + unknown.get() + " of unknown outcome" + (lastError == null ? "" : " (last: " + lastError + ")")
                + ", producer replaced " + replaced.get() + " times";
    }

    private void write() {
        long sequence = 0;
        long transaction = 0;
        boolean first = true;
        while (running.get()) {
            if (!first) {
                replaced.incrementAndGet();
            }
            first = false;
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(config())) {
                producer.initTransactions();
                while (running.get()) {
                    transaction++;
                    long sentMs = clockMs.getAsLong();
                    producer.beginTransaction();
                    List<Ledger.Name> names = new ArrayList<>();
                    for (int i = 0; i < RECORDS_PER_TRANSACTION; i++) {
                        Ledger.Name name = new Ledger.Name(index, sequence++);
                        names.add(name);
                        producer.send(new ProducerRecord<>(topic, partitionOf(name), null, name.toString()));
                    }
                    boolean abort = transaction % ABORT_EVERY == 0;
                    if (!finish(producer, abort, names, sentMs)) {
                        break; // outcome unknown: a new producer (its init fences this one's leftovers)
                    }
                }
            } catch (RuntimeException e) {
                // fenced, or failed before its transaction ended (a KafkaException, or the IllegalStateException of
                // a producer in a state it should not be in): a new producer, never the end of the workload
                unknown.incrementAndGet();
                lastError = e.toString();
            }
        }
    }

    /** Commits or aborts; returns false when the outcome is unknown. */
    private boolean finish(KafkaProducer<String, String> producer, boolean abort, List<Ledger.Name> names,
                           long sentMs) {
        try {
            if (abort) {
                producer.abortTransaction();
                names.forEach(n -> ledger.aborted(partitionOf(n), n));
                aborted.incrementAndGet();
            } else {
                producer.commitTransaction();
                long now = clockMs.getAsLong();
                for (Ledger.Name n : names) {
                    ledger.acknowledged(partitionOf(n), n);
                    availability.acknowledged(partitionOf(n), sentMs, now);
                }
                committed.incrementAndGet();
            }
            return true;
        } catch (KafkaException e) {
            unknown.incrementAndGet();
            lastError = (abort ? "abort: " : "commit: ") + e;
            return false;
        }
    }

    private int partitionOf(Ledger.Name name) {
        return (int) (name.sequence() % partitions);
    }

    private Map<String, Object> config() {
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "cairn-chaos-transactional-" + index);
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "cairn-chaos-" + topic);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        return config;
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        thread.join();
    }
}
