package io.cairn.server;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * An in-process Cairn node on 127.0.0.1 with a free port and its own data directory, for integration
 * tests with real kafka-clients.
 */
public final class TestNode implements AutoCloseable {

    private final Path dataDir;
    private final Map<String, Object> overrides;
    private CairnNode node;

    private TestNode(Path dataDir, Map<String, Object> overrides) {
        this.dataDir = dataDir;
        this.overrides = overrides;
    }

    public static TestNode start(Path dataDir) throws Exception {
        return start(dataDir, Map.of());
    }

    public static TestNode start(Path dataDir, Map<String, Object> overrides) throws Exception {
        TestNode testNode = new TestNode(dataDir, overrides);
        testNode.startNode();
        return testNode;
    }

    private void startNode() throws Exception {
        Map<String, Object> properties = new HashMap<>();
        properties.put(CairnConfig.LISTENERS, "PLAINTEXT://127.0.0.1:0");
        properties.put(CairnConfig.LOG_DIRS, dataDir.toString());
        properties.putAll(overrides);
        node = new CairnNode(new CairnConfig(properties));
        node.start();
        node.awaitRegistered(java.time.Duration.ofSeconds(30));
    }

    /** Stops the node cleanly and starts it again on the same data (on a new port). */
    public void restart() throws Exception {
        restart(() -> { });
    }

    /** Work on the data directory while the node is stopped. */
    public interface WhileStopped {
        void run() throws Exception;
    }

    /** As {@link #restart()}, doing {@code whileStopped} (e.g. damaging a file) between the stop and the start. */
    public void restart(WhileStopped whileStopped) throws Exception {
        node.close();
        whileStopped.run();
        startNode();
    }

    public CairnNode node() {
        return node;
    }

    public String bootstrapServers() {
        return node.bootstrapServers();
    }

    public Admin admin() {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return Admin.create(props);
    }

    public KafkaProducer<String, String> producer(Map<String, Object> extra) {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.putAll(extra);
        return new KafkaProducer<>(props);
    }

    public KafkaConsumer<String, String> consumer(Map<String, Object> extra) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.putAll(extra);
        return new KafkaConsumer<>(props);
    }

    @Override
    public void close() {
        if (node != null) {
            node.close();
        }
    }
}
