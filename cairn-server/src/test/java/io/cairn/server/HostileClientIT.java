package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that pipelines requests and never reads its responses is muted: the node stops reading from it
 * once its unsent responses pass the write buffer's high-water mark, so it costs the node one buffer of
 * responses, not a heap of them, and a normal client is served meanwhile. Before the node watched its
 * channels' writability, it read every request and queued every response (1 GiB for 100,000 Metadata
 * requests in the report that found it).
 */
class HostileClientIT {

    /** Far more than the socket buffers of both ends hold (about 20 KB each: ~2 GB in all). */
    private static final int REQUESTS = 100_000;

    @TempDir
    static Path dataDir;
    static TestNode node;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(dataDir);
        try (Admin admin = node.admin()) {
            admin.createTopics(List.of(new NewTopic("normal", 1, (short) 1))).all().get();
        }
    }

    @AfterAll
    static void stop() throws Exception {
        node.close();
    }

    @Test
    void aClientThatNeverReadsIsMutedAndOthersAreServed() throws Exception {
        ByteBuffer frame = metadataFrame();
        try (SocketChannel hostile = SocketChannel.open(new InetSocketAddress("127.0.0.1", port()))) {
            hostile.configureBlocking(false);
            int sent = 0;
            long lastProgress = System.nanoTime();
            long deadline = lastProgress + TimeUnit.SECONDS.toNanos(60);
            ByteBuffer pending = frame.duplicate();
            // Write until the node stops taking requests for 3 s (muted), or everything went, or a minute passed.
            while (sent < REQUESTS && System.nanoTime() < deadline
                    && System.nanoTime() - lastProgress < TimeUnit.SECONDS.toNanos(3)) {
                if (hostile.write(pending) > 0) {
                    lastProgress = System.nanoTime();
                }
                if (!pending.hasRemaining()) {
                    sent++;
                    pending = frame.duplicate();
                } else {
                    Thread.onSpinWait();
                }
            }
            assertThat(sent).as("requests the node took from a client that reads nothing").isLessThan(5_000);

            // The node is still itself for everyone else while the hostile connection stays open.
            try (KafkaProducer<String, String> producer = node.producer(Map.of());
                 KafkaConsumer<String, String> consumer = node.consumer(Map.of())) {
                List<Long> latenciesMs = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    long start = System.nanoTime();
                    producer.send(new ProducerRecord<>("normal", "k", "v" + i)).get(10, TimeUnit.SECONDS);
                    latenciesMs.add((System.nanoTime() - start) / 1_000_000);
                }
                System.out.println("[figure] HostileClientIT: " + sent + " requests taken from the non-reading "
                        + "client; normal acks=all produce max " + latenciesMs.stream().max(Long::compare).orElseThrow()
                        + " ms over 50 sends while it stays connected");
                TopicPartition partition = new TopicPartition("normal", 0);
                consumer.assign(List.of(partition));
                consumer.seekToBeginning(List.of(partition));
                int read = 0;
                long readDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (read < 50 && System.nanoTime() < readDeadline) {
                    ConsumerRecords<String, String> records = consumer.poll(java.time.Duration.ofMillis(200));
                    read += records.count();
                }
                assertThat(read).isEqualTo(50);
            }
        }
    }

    private static int port() {
        String bootstrap = node.bootstrapServers();
        return Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
    }

    private static ByteBuffer metadataFrame() {
        List<String> topics = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            topics.add("no-such-topic-" + "x".repeat(80) + "-" + i);
        }
        MetadataRequest request = new MetadataRequest.Builder(topics, false).build((short) 12);
        ByteBuffer body = request.serializeWithHeader(new RequestHeader(ApiKeys.METADATA, (short) 12, "hostile", 1));
        ByteBuffer frame = ByteBuffer.allocate(4 + body.remaining());
        frame.putInt(body.remaining()).put(body).flip();
        return frame;
    }
}
