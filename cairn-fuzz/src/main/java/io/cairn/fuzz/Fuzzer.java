package io.cairn.fuzz;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import net.jqwik.api.sessions.JqwikSession;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ByteBufferAccessor;

/**
 * A fuzzing campaign against one node: creates the fuzz and health topics, asks the node what it advertises,
 * then sends frames from {@link FrameGenerator} on {@code connections} parallel connections (each closed
 * after a random number of frames, or when the node closes it), while a {@link HealthCheck} runs every few
 * seconds; the result is a {@link FuzzReport}.
 *
 * <p>Threads: one generates frames (jqwik generators are bound to the thread of their session), one checks
 * health, the others send. {@link #run} blocks until the campaign ends.
 */
public final class Fuzzer {

    static final List<String> FUZZ_TOPICS = List.of("fuzz-0", "fuzz-1");

    /**
     * @param frames          frames to send (0: no limit, until {@code duration})
     * @param duration        the campaign's length if no frame limit is reached first (null: none)
     * @param connections     connections in parallel
     * @param hangMs          how long the node may take, beyond what a request allows, to answer or close
     * @param maxRequestBytes the node's {@code socket.request.max.bytes}
     * @param healthInterval  time between health checks
     */
    public record Options(String bootstrap, long seed, long frames, Duration duration, int connections, long hangMs,
                          int maxRequestBytes, Duration healthInterval) {

        public static Options of(String bootstrap, long seed, long frames) {
            return new Options(bootstrap, seed, frames, null, 4, 10_000, 100 * 1024 * 1024, Duration.ofSeconds(5));
        }
    }

    private final Options options;
    private final NodeWatch watch;
    private final FuzzStats stats = new FuzzStats();
    private final AtomicBoolean stop = new AtomicBoolean();

    public Fuzzer(Options options, NodeWatch watch) {
        this.options = options;
        this.watch = watch;
    }

    public FuzzReport run() throws Exception {
        long start = System.nanoTime();
        InetSocketAddress address = address(options.bootstrap());
        FuzzTargets targets = prepareTopics();
        Map<Short, short[]> advertised = advertisedVersions(address);
        BlockingQueue<FuzzFrame> queue = new ArrayBlockingQueue<>(1024);
        AtomicBoolean generated = new AtomicBoolean();
        Thread source = new Thread(() -> generate(advertised, targets, queue, generated), "cairn-fuzz-frames");
        source.setDaemon(true);
        source.start();
        List<HealthCheck.Result> health = new ArrayList<>();
        Thread healthThread = new Thread(() -> checkHealth(health), "cairn-fuzz-health");
        healthThread.setDaemon(true);
        healthThread.start();
        Exchange exchange = new Exchange(options.hangMs());
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < options.connections(); i++) {
            Random random = new Random(options.seed() + i);
            Thread worker = new Thread(() -> send(address, exchange, queue, generated, random), "cairn-fuzz-" + i);
            worker.setDaemon(true);
            worker.start();
            workers.add(worker);
        }
        long deadline = options.duration() == null ? Long.MAX_VALUE : start + options.duration().toNanos();
        for (Thread worker : workers) {
            long left = deadline - System.nanoTime();
            if (left > 0) {
                TimeUnit.NANOSECONDS.timedJoin(worker, left);
            }
            if (System.nanoTime() >= deadline) {
                stop.set(true);
            }
        }
        stop.set(true);
        for (Thread worker : workers) {
            worker.join(options.hangMs() + 60_000);
        }
        source.interrupt();
        healthThread.interrupt();
        healthThread.join(60_000);
        long elapsed = System.nanoTime() - start;
        HealthCheck.Result last;
        try (HealthCheck check = new HealthCheck(options.bootstrap())) {
            last = check.check();
        }
        watch.sample();
        synchronized (health) {
            return new FuzzReport(options, Duration.ofNanos(elapsed), stats, List.copyOf(health), last,
                    watch.problems(), watch.summary());
        }
    }

    private void generate(Map<Short, short[]> advertised, FuzzTargets targets, BlockingQueue<FuzzFrame> queue,
                          AtomicBoolean generated) {
        JqwikSession.start();
        try {
            FrameGenerator generator = new FrameGenerator(options.seed(), advertised, targets,
                    options.maxRequestBytes());
            for (long i = 0; (options.frames() <= 0 || i < options.frames()) && !stop.get(); i++) {
                FuzzFrame frame;
                try {
                    frame = generator.frame(i);
                } catch (RuntimeException bug) {
                    stats.failure("the generator failed on frame " + i + " (a fuzzer bug): " + bug);
                    continue;
                }
                queue.put(frame);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            generated.set(true);
            JqwikSession.finish();
        }
    }

    private void send(InetSocketAddress address, Exchange exchange, BlockingQueue<FuzzFrame> queue,
                      AtomicBoolean generated, Random random) {
        while (!stop.get()) {
            FuzzFrame first = next(queue, generated);
            if (first == null) {
                return;
            }
            Connection connection;
            try {
                connection = new Connection(address, 10_000);
                stats.connection();
            } catch (IOException e) {
                stats.record(first, Outcome.CONNECT_FAILED, e.toString());
                sleep(100);
                continue;
            }
            try (connection) {
                int budget = 1 + random.nextInt(64);
                FuzzFrame frame = first;
                for (int sent = 0; frame != null; sent++) {
                    Exchange.Result result = exchange.exchange(connection, frame);
                    stats.record(frame, result.outcome(), result.detail());
                    if (!result.usable() || sent + 1 >= budget || stop.get()) {
                        break;
                    }
                    frame = next(queue, generated);
                }
            }
        }
    }

    private FuzzFrame next(BlockingQueue<FuzzFrame> queue, AtomicBoolean generated) {
        try {
            while (!stop.get()) {
                FuzzFrame frame = queue.poll(100, TimeUnit.MILLISECONDS);
                if (frame != null) {
                    return frame;
                }
                if (generated.get() && queue.isEmpty()) {
                    return null;
                }
            }
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private void checkHealth(List<HealthCheck.Result> results) {
        try (HealthCheck check = new HealthCheck(options.bootstrap())) {
            while (!stop.get()) {
                HealthCheck.Result result = check.check();
                synchronized (results) {
                    results.add(result);
                }
                watch.sample();
                Thread.sleep(options.healthInterval().toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Creates the fuzz topics (2 partitions) and the health topic (1) unless they exist; the fuzz targets. */
    private FuzzTargets prepareTopics() throws InterruptedException, ExecutionException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrap()))) {
            List<NewTopic> topics = new ArrayList<>();
            FUZZ_TOPICS.forEach(t -> topics.add(new NewTopic(t, 2, (short) 1)));
            topics.add(new NewTopic(HealthCheck.TOPIC, 1, (short) 1));
            admin.createTopics(topics).values().forEach((name, future) -> {
                try {
                    future.get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create " + name, e.getCause());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Map<String, TopicDescription> described = admin.describeTopics(FUZZ_TOPICS).allTopicNames().get();
            List<Uuid> ids = FUZZ_TOPICS.stream().map(t -> described.get(t).topicId()).toList();
            return FuzzTargets.withTopics(FUZZ_TOPICS, ids);
        }
    }

    /** API key to {min, max} version, from the node's ApiVersions answer. */
    static Map<Short, short[]> advertisedVersions(InetSocketAddress address) throws IOException {
        try (Connection connection = new Connection(address, 10_000)) {
            // ApiVersions v0: header v1 (api key, version, correlation id, null client id)
            connection.send(ByteBuffer.allocate(14).putInt(10).putShort((short) 18).putShort((short) 0).putInt(1)
                    .putShort((short) -1).array());
            byte[] response = connection.read(System.nanoTime() + TimeUnit.SECONDS.toNanos(30));
            if (response == null) {
                throw new IOException("no ApiVersions answer from " + address);
            }
            ByteBuffer buffer = ByteBuffer.wrap(response);
            buffer.getInt();
            ApiVersionsResponseData data = new ApiVersionsResponseData(new ByteBufferAccessor(buffer), (short) 0);
            Map<Short, short[]> versions = new HashMap<>();
            data.apiKeys().forEach(k -> versions.put(k.apiKey(), new short[] {k.minVersion(), k.maxVersion()}));
            return versions;
        }
    }

    static InetSocketAddress address(String bootstrap) {
        String first = bootstrap.split(",")[0].trim();
        int colon = first.lastIndexOf(':');
        return new InetSocketAddress(first.substring(0, colon), Integer.parseInt(first.substring(colon + 1)));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
