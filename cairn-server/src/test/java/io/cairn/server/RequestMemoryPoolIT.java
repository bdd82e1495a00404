package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * queued.max.request.bytes, as Kafka: the bytes of requests all connections hold are bounded; a connection whose
 * next request does not fit stops being read until memory comes back, and then goes on by itself.
 */
class RequestMemoryPoolIT {

    private static final int POOL_BYTES = 256 * 1024;

    @TempDir
    static Path dataDir;
    static TestNode node;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(dataDir, Map.of(
                CairnConfig.SOCKET_REQUEST_MAX_BYTES, POOL_BYTES,
                CairnConfig.QUEUED_MAX_REQUEST_BYTES, (long) POOL_BYTES));
        try (Admin admin = node.admin()) {
            admin.createTopics(List.of(new NewTopic("pooled", 4, (short) 1))).all().get();
        }
    }

    @AfterAll
    static void stop() throws Exception {
        node.close();
    }

    @Test
    void aRequestThatDoesNotFitWaitsUnreadUntilTheMemoryHeldIsReleased() throws Exception {
        try (Socket hog = new Socket("127.0.0.1", node.node().port());
             Socket other = new Socket("127.0.0.1", node.node().port())) {
            // given a connection that announced a request as large as the pool and sent only its start
            DataOutputStream hogOut = new DataOutputStream(hog.getOutputStream());
            hogOut.writeInt(POOL_BYTES);
            hogOut.write(new byte[10]);
            hogOut.flush();
            Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> node.node().requestMemoryPool().usedBytes() == POOL_BYTES);

            // when another connection sends a small request
            send(other, apiVersionsFrame());

            // then it is not read while the pool is spent...
            other.setSoTimeout(1_000);
            DataInputStream in = new DataInputStream(other.getInputStream());
            assertThatThrownBy(in::readInt).isInstanceOf(SocketTimeoutException.class);
            // ...and is answered once the connection holding the memory goes
            hog.close();
            other.setSoTimeout(10_000);
            int size = in.readInt();
            assertThat(size).isPositive();
            in.readFully(new byte[size]);
            Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> node.node().requestMemoryPool().usedBytes() == 0);
        }
    }

    /**
     * Not a fix's test: a guard that connections muted for memory are woken, with no request lost or stuck, when
     * four producers want about six times the pool at once.
     */
    @Test
    void producersWantingMoreThanThePoolAllGetThrough() throws Exception {
        List<KafkaProducer<String, String>> producers = new ArrayList<>();
        List<Future<RecordMetadata>> sends = new ArrayList<>();
        long refusalsBefore = node.node().requestMemoryPool().refusals();
        String value = "v".repeat(1_000);
        try {
            for (int p = 0; p < 4; p++) {
                producers.add(node.producer(Map.of(ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024,
                        ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 200 * 1024,
                        ProducerConfig.ACKS_CONFIG, "all")));
            }
            for (int i = 0; i < 3_000; i++) {
                for (KafkaProducer<String, String> producer : producers) {
                    sends.add(producer.send(new ProducerRecord<>("pooled", Integer.toString(i), value)));
                }
            }
            for (Future<RecordMetadata> send : sends) {
                send.get(60, TimeUnit.SECONDS);
            }
        } finally {
            producers.forEach(KafkaProducer::close);
        }
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> node.node().requestMemoryPool().usedBytes() == 0);
        long refusals = node.node().requestMemoryPool().refusals() - refusalsBefore;
        System.out.println("[figure] RequestMemoryPoolIT: 4 producers, 12,000 records of 1 KB over a " + POOL_BYTES
                + "-byte pool: " + refusals + " reads stopped for memory, all acknowledged");
        assertThat(refusals).as("the pool did run dry: connections were stopped and woken").isPositive();
    }

    private static void send(Socket socket, ByteBuffer frame) throws Exception {
        socket.getOutputStream().write(frame.array(), 0, frame.limit());
        socket.getOutputStream().flush();
    }

    private static ByteBuffer apiVersionsFrame() {
        ApiVersionsRequest request = new ApiVersionsRequest(new ApiVersionsRequestData()
                .setClientSoftwareName("pool-test").setClientSoftwareVersion("1"), (short) 3);
        ByteBuffer body = request.serializeWithHeader(new RequestHeader(ApiKeys.API_VERSIONS, (short) 3, "pool-test", 1));
        ByteBuffer frame = ByteBuffer.allocate(4 + body.remaining());
        frame.putInt(body.remaining()).put(body).flip();
        return frame;
    }
}
