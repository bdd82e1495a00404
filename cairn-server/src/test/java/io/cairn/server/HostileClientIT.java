package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.management.UnixOperatingSystemMXBean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slow and hostile clients, each beside a normal client that keeps producing and consuming:
 * <ul>
 *   <li>A client that pipelines requests and never reads its responses is muted: the node stops reading from it
 *       once its unsent responses pass the write buffer's high-water mark, so it costs the node one buffer of
 *       responses, not a heap of them. Before the node watched its channels' writability, it read every request
 *       and queued every response (1 GiB for 100,000 Metadata requests in the report that found it).</li>
 *   <li>A client that leaves takes its parked long polls with it, instead of leaving them to their max.wait.ms.</li>
 *   <li>Clients that send a byte a second are kept, as Kafka keeps them (a byte is activity; Kafka has no
 *       request read timeout), and cost the node little; one that stops halfway through a request is closed at
 *       connections.max.idle.ms, as Kafka closes it.</li>
 *   <li>A thousand connections opened at once are all served.</li>
 * </ul>
 * The normal client's latency and the node's heap (used heap after a GC, in this JVM: node and clients) are
 * bounded generously: these are not benchmarks; the figures measured are printed with {@code [figure]}.
 */
class HostileClientIT {

    /** The normal client's worst acks=all produce, and send-to-consume, latency allowed beside a hostile one. */
    private static final long MAX_LATENCY_MS = 5_000;
    /** What a hostile crowd may add to the used heap (after a GC) while it is connected. */
    private static final long MAX_HEAP_GROWTH_BYTES = 64L << 20;

    /** Far more than the socket buffers of both ends hold (about 20 KB each: ~2 GB in all). */
    private static final int REQUESTS = 100_000;

    @TempDir
    static Path dataDir;
    static TestNode node;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(dataDir);
        try (Admin admin = node.admin()) {
            admin.createTopics(List.of(new NewTopic("normal", 1, (short) 1), new NewTopic("idle", 1, (short) 1),
                    new NewTopic("beside-a-crowd", 1, (short) 1))).all().get();
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

    @Test
    void aClientThatLeavesTakesItsLongPollsWithIt() throws Exception {
        // given a client with 50 long polls of ten minutes parked on a partition nobody writes to
        var fetches = node.node().replicas().fetchWaiters();
        int before = fetches.pending();
        try (Socket leaver = new Socket("127.0.0.1", port())) {
            for (int i = 0; i < 50; i++) {
                ByteBuffer frame = RawClient.frame(longPoll("idle", (int) TimeUnit.MINUTES.toMillis(10)), "leaver", i);
                leaver.getOutputStream().write(frame.array(), 0, frame.limit());
            }
            leaver.getOutputStream().flush();
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> fetches.pending() >= before + 50);

            // when it disconnects
        }

        // then they leave the purgatory at once, not in ten minutes
        long start = System.nanoTime();
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> fetches.pending() <= before);
        System.out.println("[figure] HostileClientIT: 50 parked long polls of a client that left were gone "
                + (System.nanoTime() - start) / 1_000_000 + " ms after it closed its connection");
    }

    @Test
    void aThousandConnectionsAtOnceAreServedBesideANormalClient() throws Exception {
        int connections = 1_000;
        long spare = maxFileDescriptors() - openFileDescriptors();
        // Both ends of every connection are in this JVM: two descriptors each.
        Assumptions.assumeTrue(spare > 2L * connections + 500, "Skipped: " + (2 * connections + 500)
                + " spare file descriptors are needed for " + connections + " connections and their node in one "
                + "process, " + spare + " are left (raise `ulimit -n`)");
        long heapBefore = usedHeapAfterGc();
        List<Socket> crowd = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService connecting = Executors.newFixedThreadPool(8);
        try (NormalTraffic traffic = new NormalTraffic(node, "beside-a-crowd")) {
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> traffic.sent() >= 10);

            // when a thousand clients connect at once, each asking for the API versions
            ByteBuffer frame = RawClient.frame(new ApiVersionsRequest.Builder().build((short) 3), "crowd", 1);
            long start = System.nanoTime();
            List<Future<?>> connected = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                connected.add(connecting.submit(() -> {
                    Socket socket = new Socket("127.0.0.1", port());
                    crowd.add(socket);
                    socket.setSoTimeout(30_000);
                    socket.getOutputStream().write(frame.array(), 0, frame.limit());
                    return null;
                }));
            }
            for (Future<?> future : connected) {
                future.get(60, TimeUnit.SECONDS);
            }

            // then every one is answered, and the normal client is served meanwhile
            for (Socket socket : crowd) {
                DataInputStream in = new DataInputStream(socket.getInputStream());
                in.readFully(new byte[in.readInt()]);
            }
            long allAnsweredMs = (System.nanoTime() - start) / 1_000_000;
            long sentMeanwhile = traffic.sent();
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> traffic.sent() >= sentMeanwhile + 50);
            long heapWithCrowd = usedHeapAfterGc();
            NormalTraffic.Figures figures = traffic.stop();
            System.out.println("[figure] HostileClientIT: " + connections + " connections opened at once, all "
                    + "answered in " + allAnsweredMs + " ms; used heap after GC " + mib(heapBefore) + " -> "
                    + mib(heapWithCrowd) + " MiB with them open; normal client: " + figures);
            assertNormal(figures);
            assertThat(heapWithCrowd - heapBefore).isLessThan(MAX_HEAP_GROWTH_BYTES);
        } finally {
            connecting.shutdownNow();
            for (Socket socket : crowd) {
                socket.close();
            }
        }
    }

    @Test
    void clientsSendingAByteASecondAreKeptAndCostLittleWhileOneThatStopsIsClosedWhenIdle(@TempDir Path slowDir)
            throws Exception {
        int slowClients = 200;
        try (TestNode slowNode = TestNode.start(slowDir, Map.of(CairnConfig.CONNECTIONS_MAX_IDLE_MS, 3_000L))) {
            try (Admin admin = slowNode.admin()) {
                admin.createTopics(List.of(new NewTopic("beside-slow-clients", 1, (short) 1))).all().get();
            }
            int slowPort = slowNode.node().port();
            byte[] request = RawClient.frame(metadataRequest(), "slowloris", 1).array();
            long heapBefore = usedHeapAfterGc();
            List<Socket> slow = new ArrayList<>();
            ScheduledExecutorService trickling = Executors.newSingleThreadScheduledExecutor();
            AtomicInteger bytesSent = new AtomicInteger();
            AtomicInteger writeFailures = new AtomicInteger();
            try (NormalTraffic traffic = new NormalTraffic(slowNode, "beside-slow-clients");
                 Socket stalled = new Socket("127.0.0.1", slowPort)) {
                // given 200 clients that send their request a byte a second, and one that stops halfway
                for (int i = 0; i < slowClients; i++) {
                    slow.add(new Socket("127.0.0.1", slowPort));
                }
                stalled.getOutputStream().write(request, 0, request.length / 2);
                stalled.setSoTimeout(30_000);
                trickling.scheduleAtFixedRate(() -> {
                    int next = bytesSent.get() / slowClients;
                    for (Socket socket : slow) {
                        try {
                            socket.getOutputStream().write(request[next]);
                            bytesSent.incrementAndGet();
                        } catch (IOException e) {
                            writeFailures.incrementAndGet();
                        }
                    }
                }, 0, 1, TimeUnit.SECONDS);

                // when more than connections.max.idle.ms passes
                long start = System.nanoTime();
                assertThat(stalled.getInputStream().read()).as("closed by the node").isEqualTo(-1);
                long stalledClosedMs = (System.nanoTime() - start) / 1_000_000;
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> bytesSent.get() >= 8 * slowClients);

                // then the stalled client is closed, the slow ones are not, and they cost little
                assertThat(writeFailures).hasValue(0);
                for (Socket socket : slow) {
                    socket.setSoTimeout(1);
                    assertThatThrownBy(() -> socket.getInputStream().read()).as("still open, nothing to read")
                            .isInstanceOf(java.net.SocketTimeoutException.class);
                }
                long heapWithSlow = usedHeapAfterGc();
                NormalTraffic.Figures figures = traffic.stop();
                System.out.println("[figure] HostileClientIT: " + slowClients + " clients sending a byte a second ("
                        + bytesSent.get() + " bytes over 8+ s) kept open; one that stopped halfway closed "
                        + stalledClosedMs + " ms after its last byte with connections.max.idle.ms=3000; used heap "
                        + "after GC " + mib(heapBefore) + " -> " + mib(heapWithSlow) + " MiB; normal client: "
                        + figures);
                assertNormal(figures);
                assertThat(heapWithSlow - heapBefore).isLessThan(MAX_HEAP_GROWTH_BYTES);
            } finally {
                trickling.shutdownNow();
                for (Socket socket : slow) {
                    socket.close();
                }
            }
        }
    }

    private static void assertNormal(NormalTraffic.Figures figures) {
        assertThat(figures.failure()).isNull();
        assertThat(figures.sent()).isPositive();
        assertThat(figures.consumed()).isEqualTo(figures.sent());
        assertThat(figures.maxAckMs()).isLessThan(MAX_LATENCY_MS);
        assertThat(figures.maxEndToEndMs()).isLessThan(MAX_LATENCY_MS);
    }

    private static FetchRequest longPoll(String topic, int maxWaitMs) {
        FetchRequestData data = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(maxWaitMs).setMinBytes(1)
                .setMaxBytes(1 << 20).setSessionId(0).setSessionEpoch(-1);
        data.topics().add(new FetchRequestData.FetchTopic().setTopic(topic).setPartitions(List.of(
                new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0).setPartitionMaxBytes(1 << 20)
                        .setCurrentLeaderEpoch(-1))));
        return new FetchRequest(data, (short) 12);
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long mib(long bytes) {
        return bytes >> 20;
    }

    private static long maxFileDescriptors() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix
                ? unix.getMaxFileDescriptorCount() : Long.MAX_VALUE;
    }

    private static long openFileDescriptors() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix
                ? unix.getOpenFileDescriptorCount() : 0;
    }

    private static int port() {
        String bootstrap = node.bootstrapServers();
        return Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
    }

    private static MetadataRequest metadataRequest() {
        List<String> topics = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            topics.add("no-such-topic-" + "x".repeat(80) + "-" + i);
        }
        return new MetadataRequest.Builder(topics, false).build((short) 12);
    }

    private static ByteBuffer metadataFrame() {
        MetadataRequest request = metadataRequest();
        ByteBuffer body = request.serializeWithHeader(new RequestHeader(ApiKeys.METADATA, (short) 12, "hostile", 1));
        ByteBuffer frame = ByteBuffer.allocate(4 + body.remaining());
        frame.putInt(body.remaining()).put(body).flip();
        return frame;
    }
}
