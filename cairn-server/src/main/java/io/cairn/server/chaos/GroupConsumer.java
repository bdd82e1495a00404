package io.cairn.server.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The workload's consumer group: one member that reads the topic and commits after every poll, and checks what
 * the group promises across faults: its committed offsets only grow, and whenever it is (re)assigned a partition
 * it resumes exactly where it last committed. A commit whose answer was lost may or may not have been made, so
 * resuming anywhere between the last certain commit and that one is correct. By the end it must have read every
 * acknowledged record at least once.
 *
 * <p>The poll loop runs on its own thread; the results are read after {@link #close}.
 */
final class GroupConsumer implements AutoCloseable {

    private final Map<String, Object> clientConfig;
    private final String topic;
    private final String groupId;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;
    private final Set<Ledger.Name> seen = new HashSet<>();
    /** The last commit known made, and the last one tried (made or not), per partition. */
    private final Map<Integer, Long> certainCommit = new HashMap<>();
    private final Map<Integer, Long> triedCommit = new HashMap<>();
    private final List<String> violations = new ArrayList<>();
    private final Map<Integer, Long> position = new HashMap<>();
    private volatile KafkaConsumer<String, String> consumer;
    private int resumes;
    private int restarts;

    GroupConsumer(Map<String, Object> clientConfig, String topic, String groupId) {
        this.clientConfig = clientConfig;
        this.topic = topic;
        this.groupId = groupId;
        this.thread = new Thread(this::consume, "chaos-group-consumer");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    private void consume() {
        while (running.get()) {
            try (KafkaConsumer<String, String> c = new KafkaConsumer<>(config())) {
                consumer = c;
                c.subscribe(List.of(topic), new Resumes(c));
                while (running.get()) {
                    ConsumerRecords<String, String> records = c.poll(Duration.ofMillis(200));
                    Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
                    synchronized (this) {
                        for (ConsumerRecord<String, String> record : records) {
                            seen.add(Ledger.Name.parse(record.value()));
                            commit.put(new TopicPartition(topic, record.partition()),
                                    new OffsetAndMetadata(record.offset() + 1));
                            position.put(record.partition(), record.offset() + 1);
                        }
                        commit.forEach((tp, offset) -> triedCommit.put(tp.partition(), offset.offset()));
                    }
                    // The position also moves past transaction markers, which no record shows.
                    for (TopicPartition tp : c.assignment()) {
                        long at = c.position(tp, Duration.ofSeconds(5));
                        synchronized (this) {
                            position.put(tp.partition(), at);
                        }
                    }
                    if (!commit.isEmpty()) {
                        commit(c, commit);
                    }
                }
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) {
                synchronized (this) {
                    restarts++;
                }
            }
        }
    }

    private void commit(KafkaConsumer<String, String> c, Map<TopicPartition, OffsetAndMetadata> commit) {
        try {
            c.commitSync(commit, Duration.ofSeconds(10));
        } catch (WakeupException e) {
            throw e;
        } catch (RuntimeException e) {
            return; // not known whether it was made: triedCommit bounds where the group may resume
        }
        synchronized (this) {
            commit.forEach((tp, offset) -> {
                Long before = certainCommit.get(tp.partition());
                if (before != null && offset.offset() < before) {
                    violations.add("partition " + tp.partition() + ": commit went back from " + before + " to "
                            + offset.offset());
                }
                certainCommit.put(tp.partition(), offset.offset());
            });
        }
    }

    /** Checks where the group resumes each partition it is given. */
    private final class Resumes implements ConsumerRebalanceListener {
        private final KafkaConsumer<String, String> c;

        Resumes(KafkaConsumer<String, String> c) {
            this.c = c;
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            for (TopicPartition tp : partitions) {
                long at = c.position(tp, Duration.ofSeconds(30));
                synchronized (GroupConsumer.this) {
                    resumes++;
                    Long certain = certainCommit.get(tp.partition());
                    Long tried = triedCommit.get(tp.partition());
                    if (certain != null && at < certain) {
                        violations.add("partition " + tp.partition() + ": resumed at offset " + at
                                + ", behind its commit " + certain);
                    } else if (tried != null && at > tried) {
                        violations.add("partition " + tp.partition() + ": resumed at offset " + at
                                + ", after its last commit " + tried + " (records skipped)");
                    }
                    position.put(tp.partition(), at);
                }
            }
        }
    }

    private Map<String, Object> config() {
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "cairn-chaos-group");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        return config;
    }

    /** Whether the group has read up to these end offsets on every partition. */
    synchronized boolean reached(Map<Integer, Long> endOffsets) {
        return endOffsets.entrySet().stream().allMatch(e -> e.getValue() == 0
                || position.getOrDefault(e.getKey(), 0L) >= e.getValue());
    }

    synchronized Set<Ledger.Name> seen() {
        // A HashSet, not Set.copyOf: the immutable set's linear probing degrades to quadratic on the
        // near-consecutive hash codes of a million names (minutes of CPU at the end of a long campaign).
        return new HashSet<>(seen);
    }

    synchronized List<String> violations() {
        return List.copyOf(violations);
    }

    synchronized int resumes() {
        return resumes;
    }

    synchronized int restarts() {
        return restarts;
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        KafkaConsumer<String, String> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        thread.join(60_000);
    }
}
