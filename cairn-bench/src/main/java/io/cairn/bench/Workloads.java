package io.cairn.bench;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The workloads, run in order against one broker process or, with {@code --cluster}, a 3-node cluster
 * (a {@link Target}). On a cluster, metric and failure names carry a prefix ({@code cluster_}), topics
 * are created with the target's replication factor (and min.insync.replicas=2), throughput is measured
 * once every replica is in sync, and "visible" means visible in every node's own Metadata. Every wait
 * has a deadline, so a broker that fails or hangs costs at most the timeouts, and the failure is
 * recorded rather than thrown.
 */
final class Workloads {

    private static final double MB = 1_000_000.0;

    private final Target target;
    private final String prefix;
    private final Settings s;
    private final Map<String, Double> metrics;
    private final Map<String, String> errors;
    private final Map<String, Long> produced = new HashMap<>(); // topic -> records acked
    private final Map<String, Integer> recordSize = new HashMap<>(); // topic -> value size
    private long producedBytes; // all producer workloads, warm-up included
    private long consumedBytes; // values read by the consumer workloads
    private double consumeCpuSeconds; // the broker's CPU while they read
    private final java.util.function.Consumer<String> log;
    private final List<String> only;

    /**
     * @param prefix put before every metric and failure name ("" for one broker, "cluster_" for 3 nodes)
     * @param only   workload names (without the prefix) to run, by prefix match; empty for all
     */
    Workloads(Target target, String prefix, Settings settings, Map<String, Double> metrics, Map<String, String> errors,
              java.util.function.Consumer<String> log, List<String> only) {
        this.only = only;
        this.target = target;
        this.prefix = prefix;
        this.s = settings;
        this.metrics = metrics;
        this.errors = errors;
        this.log = log;
    }

    interface Step {
        void run() throws Exception;
    }

    private boolean cluster() {
        return target.replicationFactor() > 1;
    }

    /** A metric or failure name: the prefix and the workload's own name. */
    String key(String name) {
        return prefix + name;
    }

    /**
     * Runs one workload; a failure is recorded under its name and the session goes on. On a cluster,
     * nothing runs after a failed start (the nodes may be up yet never form a cluster: every workload
     * would wait for its deadline).
     */
    void step(String name, Step step) {
        if (!name.equals("start") && !only.isEmpty() && only.stream().noneMatch(name::startsWith)) {
            return;
        }
        if (cluster() && !name.equals("start") && errors.containsKey(key("start"))) {
            return;
        }
        if (!target.alive()) {
            errors.put(key(name), "skipped: broker process not running");
            return;
        }
        log.accept("  " + key(name));
        try {
            if (!name.equals("start") && !name.equals("idle")) {
                writeBackDirtyPages();
            }
            step.run();
        } catch (Throwable e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            String msg = cause.getClass().getSimpleName() + ": " + cause.getMessage();
            // a client exception often wraps what the broker answered (a transactional producer's abortable error
            // wraps the produce error): name the causes too
            for (Throwable c = cause.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
                msg += " (caused by " + c.getClass().getSimpleName() + ": " + c.getMessage() + ")";
            }
            if (!target.alive()) {
                msg += " (broker exited; log tail: " + target.logTail(5).replace('\n', ' ') + ")";
            }
            errors.put(key(name), msg);
            log.accept("    FAILED: " + msg);
        }
    }

    /**
     * Writes the page cache's dirty pages to disk before a workload, so that the kernel's write-back of one
     * workload's data (gigabytes after the producers) does not run during the next one. Without it the
     * consumers of the system whose producers wrote the most paid for the write-back, and a producer workload
     * that failed (the machine idle for its timeout) left the other system's next workload a quieter disk.
     */
    private void writeBackDirtyPages() throws Exception {
        Process sync = new ProcessBuilder("sync").redirectErrorStream(true).start();
        if (!sync.waitFor(120, TimeUnit.SECONDS)) {
            sync.destroyForcibly();
            throw new IllegalStateException("sync did not finish within 120 s");
        }
    }

    /** Every workload, the start-up one first (one broker). */
    void runAll() {
        step("start", this::startToFirstProduce);
        runAfterStart();
    }

    /**
     * Every workload but start-up, which the caller ran as {@code step("start", ...)} (a cluster measures
     * its own): idle memory, producers, consumers, end-to-end latency, topic creation, memory under load, then the
     * transactional producer, read_committed consumer and transactional end-to-end latency.
     */
    void runAfterStart() {
        if (!errors.containsKey(key("start"))) {
            step("idle", this::idleMemory);
        }
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "rss-sampler");
            t.setDaemon(true);
            return t;
        });
        AtomicReference<Double> peak = new AtomicReference<>(Double.NaN);
        sampler.scheduleAtFixedRate(() -> {
            double rss = target.rssMiB();
            if (!Double.isNaN(rss)) {
                peak.accumulateAndGet(rss, (a, b) -> Double.isNaN(a) ? b : Math.max(a, b));
            }
        }, 0, 250, TimeUnit.MILLISECONDS);
        try {
            double cpu0 = target.cpuSeconds();
            for (int size : new int[] {100, 1024}) {
                for (String acks : new String[] {"1", "all"}) {
                    String name = "produce_" + sizeLabel(size) + "_acks" + acks;
                    step(name, () -> produce(name, topicFor(size, acks), size, acks));
                }
            }
            double cpu = target.cpuSeconds() - cpu0;
            if (produced.size() == 4) {
                metrics.put(key("produce_cpu_s_per_GB"), cpu / (producedBytes / 1e9));
            }
            for (int size : new int[] {100, 1024}) {
                String name = "consume_" + sizeLabel(size);
                step(name, () -> consume(name, topicFor(size, "1")));
            }
            if (consumedBytes > 0) {
                metrics.put(key("consume_cpu_s_per_GB"), consumeCpuSeconds / (consumedBytes / 1e9));
            }
            step("e2e", this::endToEndLatency);
            step("topics", this::topicCreation);
        } finally {
            sampler.shutdownNow();
        }
        if (cluster() && errors.containsKey(key("start"))) {
            return;
        }
        metrics.put(key("rss_load_peak_mib"), peak.get());
        double rssAfter = target.rssMiB();
        metrics.put(key("rss_after_load_mib"), rssAfter);
        // After the memory metrics, so that those (and every workload above) stay comparable with the runs
        // before these existed.
        step("txn_produce", this::transactionalProduce);
        step("txn_consume", this::readCommittedConsume);
        step("txn_e2e", this::transactionalEndToEndLatency);
    }

    static String sizeLabel(int size) {
        return size >= 1024 ? (size / 1024) + "KiB" : size + "B";
    }

    private static String topicFor(int size, String acks) {
        return "bench-" + sizeLabel(size) + "-acks" + acks;
    }

    // ---- clients ----

    private Properties common() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, target.bootstrap());
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, "20");
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "200");
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "cairn-bench");
        p.putAll(target.clientProperties());
        return p;
    }

    private Admin admin() {
        Properties p = common();
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "20000");
        return Admin.create(p);
    }

    private KafkaProducer<byte[], byte[]> producer(String acks, int lingerMs) {
        Properties p = common();
        p.put(ProducerConfig.ACKS_CONFIG, acks);
        // acks=1 cannot be idempotent; acks=all keeps the client default (idempotent), as real clients do.
        if (!"all".equals(acks)) {
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        }
        p.put(ProducerConfig.LINGER_MS_CONFIG, Integer.toString(lingerMs));
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, "65536");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        // request.timeout.ms (30 s) and delivery.timeout.ms (120 s) keep the client defaults: they
        // bound flush(); shorter ones made Kafka expire batches during page-cache write-back stalls.
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000");
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /**
     * A transactional producer (so idempotent, acks=all) with the producer workloads' batching; initTransactions
     * (which, on the first one, makes the broker create its transaction state log) and commits are bounded by
     * max.block.ms.
     */
    private KafkaProducer<byte[], byte[]> transactionalProducer(String transactionalId, int lingerMs) {
        Properties p = common();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        p.put(ProducerConfig.LINGER_MS_CONFIG, Integer.toString(lingerMs));
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, "65536");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "60000");
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        return consumer(false);
    }

    /** @param readCommitted isolation.level=read_committed (else the client default, read_uncommitted) */
    private KafkaConsumer<byte[], byte[]> consumer(boolean readCommitted) {
        Properties p = common();
        if (readCommitted) {
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        }
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "20000");
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static long deadline(double seconds) {
        return System.nanoTime() + (long) (seconds * 1e9);
    }

    private void checkDeadline(long deadline, String what) {
        target.checkAlive();
        if (System.nanoTime() - deadline > 0) {
            throw new IllegalStateException("timed out: " + what);
        }
    }

    /**
     * Creates topics and waits until every partition has a leader (describeTopics sees it; on a cluster,
     * every node's Metadata) and, on a cluster, until every replica is in sync: what a producer
     * workload needs before it is timed.
     */
    void createTopics(Admin admin, List<String> names, int partitions, double timeoutSeconds) throws Exception {
        long deadline = deadline(timeoutSeconds);
        List<NodeMetadata> nodes = nodeMetadata();
        try {
            createTopicsTimed(admin, nodes, names, partitions, timeoutSeconds);
        } finally {
            nodes.forEach(NodeMetadata::close);
        }
        if (cluster()) {
            while (!fullIsr(admin, names, target.replicationFactor())) {
                checkDeadline(deadline, "not every replica in sync: " + names);
                Thread.sleep(50);
            }
        }
    }

    /** On a cluster, one Metadata connection per node (empty for one broker). */
    private List<NodeMetadata> nodeMetadata() {
        List<NodeMetadata> nodes = new ArrayList<>();
        if (cluster()) {
            for (String b : target.nodeBootstraps()) {
                nodes.add(new NodeMetadata(b, 10_000));
            }
        }
        return nodes;
    }

    /**
     * Creates topics (the target's replication factor; min.insync.replicas=2 when replicated) and waits
     * until they are visible with a leader for every partition: through Admin on one broker, in each of
     * {@code nodes}' own Metadata on a cluster. Returns the nanoTime when the CreateTopics response arrived.
     */
    private long createTopicsTimed(Admin admin, List<NodeMetadata> nodes, List<String> names, int partitions,
                                   double timeoutSeconds) throws Exception {
        long deadline = deadline(timeoutSeconds);
        int rf = target.replicationFactor();
        List<NewTopic> topics = new ArrayList<>();
        for (String n : names) {
            NewTopic t = new NewTopic(n, partitions, (short) rf);
            topics.add(rf > 1 ? t.configs(Map.of("min.insync.replicas", "2")) : t);
        }
        try {
            admin.createTopics(topics).all().get((long) (timeoutSeconds * 1000), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
        long responded = System.nanoTime();
        if (nodes.isEmpty()) {
            while (!allVisible(admin, names, partitions)) {
                checkDeadline(deadline, "topics not visible with leaders: " + names.size() + " topics");
                Thread.sleep(20);
            }
        } else {
            for (int i = 0; i < nodes.size(); i++) { // a node stays visible once it is: ask each until it is
                while (!visibleOn(nodes.get(i), names, partitions)) {
                    checkDeadline(deadline, "topics not visible with leaders on node " + (i + 1) + " ("
                            + target.nodeBootstraps().get(i) + "): " + names.size() + " topics");
                    Thread.sleep(20);
                }
            }
        }
        return responded;
    }

    private static boolean visibleOn(NodeMetadata node, List<String> names, int partitions) {
        try {
            return node.allHaveLeaders(names, partitions);
        } catch (Exception e) {
            return false;
        }
    }

    /** Every partition of the topics has a leader and {@code replicas} in-sync replicas. */
    private static boolean fullIsr(Admin admin, List<String> names, int replicas) {
        try {
            Map<String, TopicDescription> d = admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS);
            for (TopicDescription td : d.values()) {
                for (TopicPartitionInfo p : td.partitions()) {
                    if (p.leader() == null || p.leader().id() < 0 || p.isr().size() < replicas) {
                        return false;
                    }
                }
            }
            return d.size() == names.size();
        } catch (Exception e) {
            return false;
        }
    }

    private static boolean allVisible(Admin admin, List<String> names, int partitions) {
        try {
            Map<String, TopicDescription> d = admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS);
            for (String n : names) {
                TopicDescription td = d.get(n);
                if (td == null || td.partitions().size() != partitions) {
                    return false;
                }
                for (TopicPartitionInfo p : td.partitions()) {
                    if (p.leader() == null || p.leader().id() < 0) {
                        return false;
                    }
                }
            }
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    // ---- workloads ----

    /** Process launch to the first acknowledged record (topic created through Admin first). */
    private void startToFirstProduce() throws Exception {
        long deadline = deadline(s.startTimeoutSeconds());
        try (Admin admin = admin(); KafkaProducer<byte[], byte[]> producer = producer("1", 0)) {
            while (true) {
                checkDeadline(deadline, "no successful produce after " + s.startTimeoutSeconds() + " s");
                try {
                    try {
                        admin.createTopics(List.of(new NewTopic("bench-start", 1, (short) 1))).all()
                                .get(5, TimeUnit.SECONDS);
                    } catch (ExecutionException e) {
                        if (!(e.getCause() instanceof TopicExistsException)) {
                            throw e;
                        }
                    }
                    producer.send(new ProducerRecord<>("bench-start", new byte[100])).get(5, TimeUnit.SECONDS);
                    break;
                } catch (Exception e) {
                    Thread.sleep(20);
                }
            }
            metrics.put(key("start_to_first_produce_ms"), (System.nanoTime() - target.launchNanos()) / 1e6);
        }
    }

    private void idleMemory() throws InterruptedException {
        Thread.sleep((long) (s.idleSeconds() * 1000));
        target.checkAlive();
        metrics.put(key("rss_idle_mib"), target.rssMiB());
    }

    /** As many records as the producer can push in the window; MB/s and records/s after a warm-up. */
    private void produce(String name, String topic, int size, String acks) throws Exception {
        try (Admin admin = admin()) {
            createTopics(admin, List.of(topic), s.partitions(), 30);
        }
        byte[] payload = new byte[size];
        new Random(42).nextBytes(payload);
        AtomicLong acked = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicReference<Exception> firstError = new AtomicReference<>();
        try (KafkaProducer<byte[], byte[]> producer = producer(acks, 5)) {
            long start = System.nanoTime();
            long warmEnd = start + (long) (s.produceWarmupSeconds() * 1e9);
            long end = warmEnd + (long) (s.produceSeconds() * 1e9);
            long ackedAtWarm = -1;
            long warmNanos = 0;
            long n = 0;
            while (true) {
                // a send blocks at most max.block.ms, and fails through its callback: check every one
                if (failed.get() > 0) {
                    throw sendsFailed(failed.get(), firstError.get());
                }
                if ((n & 1023) == 0) {
                    long now = System.nanoTime();
                    if (ackedAtWarm < 0 && now - warmEnd >= 0) {
                        ackedAtWarm = acked.get();
                        warmNanos = now;
                    }
                    if (now - end >= 0) {
                        break;
                    }
                    target.checkAlive();
                }
                producer.send(new ProducerRecord<>(topic, payload), (md, ex) -> {
                    if (ex == null) {
                        acked.incrementAndGet();
                    } else {
                        failed.incrementAndGet();
                        firstError.compareAndSet(null, ex);
                    }
                });
                n++;
            }
            producer.flush();
            long done = System.nanoTime();
            if (failed.get() > 0) {
                throw sendsFailed(failed.get(), firstError.get());
            }
            long records = acked.get() - Math.max(0, ackedAtWarm);
            double secs = (done - warmNanos) / 1e9;
            produced.put(topic, acked.get());
            recordSize.put(topic, size);
            producedBytes += acked.get() * (long) size;
            metrics.put(key(name + "_MBps"), records * (double) size / MB / secs);
            metrics.put(key(name + "_rps"), records / secs);
        }
    }

    private static IllegalStateException sendsFailed(long count, Exception first) {
        return new IllegalStateException(count + " sends failed, the first with "
                + (first == null ? "?" : first.getClass().getSimpleName() + ": " + first.getMessage()), first);
    }

    /** Reads back everything a producer workload wrote, by assignment (no consumer group). */
    private void consume(String name, String topic) throws Exception {
        if (!produced.containsKey(topic)) {
            throw new IllegalStateException("nothing to read: the producer workload for " + topic + " failed");
        }
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < s.partitions(); p++) {
                tps.add(new TopicPartition(topic, p));
            }
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            long deadline = deadline(s.consumeTimeoutSeconds());
            long available = endOffsetSum(consumer, tps);
            // acks=1 on a cluster: the high watermark may still wait for followers
            while (cluster() && available < produced.get(topic)) {
                checkDeadline(deadline, "high watermarks sum to " + available + " of " + produced.get(topic) + " acknowledged");
                Thread.sleep(50);
                available = endOffsetSum(consumer, tps);
            }
            if (available != produced.get(topic)) {
                errors.put(key(name + "_check"), "log end offsets sum to " + available + " but " + produced.get(topic)
                        + " records were acknowledged");
            }
            int size = recordSize.get(topic);
            long records = 0;
            long bytes = 0;
            long wrongSize = 0;
            long start = System.nanoTime();
            double cpu0 = target.cpuSeconds();
            while (records < available) {
                checkDeadline(deadline, "read " + records + " of " + available + " records");
                ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(500));
                for (ConsumerRecord<byte[], byte[]> r : batch) {
                    records++;
                    int len = r.value() == null ? 0 : r.value().length;
                    bytes += len;
                    if (len != size) {
                        wrongSize++;
                    }
                }
            }
            double secs = (System.nanoTime() - start) / 1e9;
            consumeCpuSeconds += target.cpuSeconds() - cpu0;
            consumedBytes += bytes;
            if (wrongSize > 0) {
                errors.put(key(name + "_check"), wrongSize + " records read back with a value size other than " + size);
            }
            metrics.put(key(name + "_MBps"), bytes / MB / secs);
            metrics.put(key(name + "_rps"), records / secs);
        }
    }

    private static long endOffsetSum(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> tps) {
        long sum = 0;
        for (long end : consumer.endOffsets(tps, Duration.ofSeconds(20)).values()) {
            sum += end;
        }
        return sum;
    }

    /**
     * The consumer side of the latency workloads: one consumer thread, assigned every partition of a topic at its
     * end, recording each record's latency from the intended send time in its first 8 bytes to the poll that
     * returned it (records with a sequence number, the next 8 bytes, below {@code warm} are not recorded).
     */
    private final class LatencyReader {
        final Histogram histogram = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
        final AtomicLong received = new AtomicLong();
        final AtomicReference<Exception> error = new AtomicReference<>();
        private final java.util.concurrent.CountDownLatch ready = new java.util.concurrent.CountDownLatch(1);
        private final java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        private final Thread thread;

        LatencyReader(String topic, long total, long warm, boolean readCommitted, String threadName) {
            thread = new Thread(() -> {
                try (KafkaConsumer<byte[], byte[]> consumer = consumer(readCommitted)) {
                    List<TopicPartition> tps = new ArrayList<>();
                    for (int p = 0; p < s.partitions(); p++) {
                        tps.add(new TopicPartition(topic, p));
                    }
                    consumer.assign(tps);
                    consumer.seekToEnd(tps);
                    for (TopicPartition tp : tps) {
                        consumer.position(tp, Duration.ofSeconds(20));
                    }
                    ready.countDown();
                    while (!stop.get() && received.get() < total) {
                        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                            long now = System.nanoTime();
                            ByteBuffer b = ByteBuffer.wrap(r.value());
                            long sentAt = b.getLong();
                            long seq = b.getLong();
                            if (seq >= warm) {
                                histogram.recordValue(Math.max(0, Math.min((now - sentAt) / 1000, histogram.getHighestTrackableValue())));
                            }
                            received.incrementAndGet();
                        }
                    }
                } catch (Exception e) {
                    error.set(e);
                    ready.countDown();
                }
            }, threadName);
            thread.setDaemon(true);
        }

        /** Starts the consumer and waits until it is positioned at the end of every partition. */
        void start() throws InterruptedException {
            thread.start();
            if (!ready.await(30, TimeUnit.SECONDS) || error.get() != null) {
                throw new IllegalStateException("e2e consumer not ready", error.get());
            }
        }

        /** Waits (at most 15 s) until every record arrived or the consumer failed. */
        void awaitAll(long total) throws InterruptedException {
            long deadline = deadline(15);
            while (received.get() < total && error.get() == null && System.nanoTime() - deadline < 0) {
                Thread.sleep(20);
            }
        }

        void stop() throws InterruptedException {
            stop.set(true);
            thread.join(10_000);
        }

        /** After {@link #stop}: a consumer failure is thrown, missing records recorded, the percentiles reported. */
        void report(String name, long total) {
            if (error.get() != null) {
                throw new IllegalStateException("e2e consumer failed", error.get());
            }
            if (received.get() < total) {
                errors.put(key(name + "_missing"), (total - received.get()) + " of " + total + " records not received in time");
            }
            synchronized (histogram) {
                metrics.put(key(name + "_p50_ms"), histogram.getValueAtPercentile(50) / 1000.0);
                metrics.put(key(name + "_p99_ms"), histogram.getValueAtPercentile(99) / 1000.0);
                metrics.put(key(name + "_p999_ms"), histogram.getValueAtPercentile(99.9) / 1000.0);
                metrics.put(key(name + "_max_ms"), histogram.getMaxValue() / 1000.0);
            }
        }
    }

    /** Waits until {@code due} (System.nanoTime), parking. */
    private static void waitUntil(long due) {
        long wait;
        while ((wait = due - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
        }
    }

    /** A 100-byte latency record: its intended send time and its sequence number. */
    private static byte[] latencyPayload(long due, long seq) {
        byte[] payload = new byte[100];
        ByteBuffer.wrap(payload).putLong(due).putLong(seq);
        return payload;
    }

    /**
     * A fixed rate of 100-byte records (acks=1, linger 0) carrying their intended send time;
     * latency is measured from the intended send time (no coordinated omission) to the poll that
     * returned it. Both ends are in this JVM, so System.nanoTime is a common clock.
     */
    private void endToEndLatency() throws Exception {
        String topic = "bench-e2e";
        try (Admin admin = admin()) {
            createTopics(admin, List.of(topic), s.partitions(), 30);
        }
        int rate = s.e2eRate();
        long total = (long) (rate * (s.e2eWarmupSeconds() + s.e2eSeconds()));
        long warm = (long) (rate * s.e2eWarmupSeconds());
        LatencyReader reader = new LatencyReader(topic, total, warm, false, "e2e-reader");
        try {
            reader.start();
            AtomicLong failed = new AtomicLong();
            try (KafkaProducer<byte[], byte[]> producer = producer("1", 0)) {
                long start = System.nanoTime();
                long sendDeadline = start + (long) ((s.e2eWarmupSeconds() + s.e2eSeconds() + 60) * 1e9);
                double interval = 1e9 / rate;
                for (long i = 0; i < total; i++) {
                    long due = start + (long) (i * interval);
                    waitUntil(due);
                    if (failed.get() > 0) {
                        throw new IllegalStateException(failed.get() + " sends failed");
                    }
                    if ((i & 255) == 0) {
                        target.checkAlive();
                        checkDeadline(sendDeadline, "sent " + i + " of " + total + " records at " + rate + "/s");
                    }
                    producer.send(new ProducerRecord<>(topic, latencyPayload(due, i)), (md, ex) -> {
                        if (ex != null) {
                            failed.incrementAndGet();
                        }
                    });
                }
                producer.flush();
            }
            reader.awaitAll(total);
        } finally {
            reader.stop();
        }
        reader.report("e2e", total);
    }

    private static final String TXN_TOPIC = "bench-txn-100B";
    private static final int TXN_VALUE_SIZE = 100;
    private static final int TXN_RECORDS = 1_000;
    private static final int TXN_E2E_RECORDS = 10;

    /**
     * One transactional producer (acks=all, the producer workloads' batching) on a new topic: initTransactions,
     * then begin, 1,000 sends of 100 B, commit, in a loop for the producer workloads' warm-up + measured
     * seconds. The measured part runs from the first commit after the warm-up to the first commit after its
     * end, so it holds whole transactions; only committed records count.
     */
    private void transactionalProduce() throws Exception {
        String topic = TXN_TOPIC;
        try (Admin admin = admin()) {
            createTopics(admin, List.of(topic), s.partitions(), 30);
        }
        byte[] payload = new byte[TXN_VALUE_SIZE];
        new Random(42).nextBytes(payload);
        long committed = 0;
        long transactions = 0;
        try (KafkaProducer<byte[], byte[]> producer = transactionalProducer("cairn-bench-txn-produce", 5)) {
            producer.initTransactions();
            long start = System.nanoTime();
            long warmEnd = start + (long) (s.produceWarmupSeconds() * 1e9);
            long end = warmEnd + (long) (s.produceSeconds() * 1e9);
            long committedAtWarm = -1;
            long transactionsAtWarm = 0;
            long warmNanos = 0;
            long done;
            try {
                while (true) {
                    long now = System.nanoTime();
                    if (committedAtWarm < 0 && now - warmEnd >= 0) {
                        committedAtWarm = committed;
                        transactionsAtWarm = transactions;
                        warmNanos = now;
                    }
                    if (now - end >= 0) {
                        done = now;
                        break;
                    }
                    target.checkAlive();
                    producer.beginTransaction();
                    for (int i = 0; i < TXN_RECORDS; i++) {
                        producer.send(new ProducerRecord<>(topic, payload)); // a failed send fails the commit
                    }
                    producer.commitTransaction();
                    committed += TXN_RECORDS;
                    transactions++;
                }
            } finally {
                // what is in the topic, committed, even if a later transaction failed
                produced.put(topic, committed);
                recordSize.put(topic, TXN_VALUE_SIZE);
            }
            long records = committed - committedAtWarm;
            if (records <= 0) {
                throw new IllegalStateException("no transaction committed within the " + s.produceSeconds() + " s measured");
            }
            double secs = (done - warmNanos) / 1e9;
            metrics.put(key("txn_produce_MBps"), records * (double) TXN_VALUE_SIZE / MB / secs);
            metrics.put(key("txn_produce_rps"), records / secs);
            metrics.put(key("txn_produce_tps"), (transactions - transactionsAtWarm) / secs);
        }
    }

    /**
     * Reads the transactional producer's topic from offset 0 with isolation.level=read_committed, by assignment,
     * until it has as many records as were committed (timed); then checks that nothing more is readable: every
     * partition's position reaches its read_committed end offset (past the last commit marker) with no further
     * record, and every value has the size sent.
     */
    private void readCommittedConsume() throws Exception {
        String topic = TXN_TOPIC;
        Long expected = produced.get(topic);
        if (expected == null || expected == 0) {
            throw new IllegalStateException("nothing to read: the transactional producer workload committed nothing");
        }
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(true)) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < s.partitions(); p++) {
                tps.add(new TopicPartition(topic, p));
            }
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            long deadline = deadline(s.consumeTimeoutSeconds());
            long records = 0;
            long bytes = 0;
            long wrongSize = 0;
            long start = System.nanoTime();
            while (records < expected) {
                checkDeadline(deadline, "read " + records + " of " + expected + " committed records");
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    records++;
                    int len = r.value() == null ? 0 : r.value().length;
                    bytes += len;
                    if (len != TXN_VALUE_SIZE) {
                        wrongSize++;
                    }
                }
            }
            double secs = (System.nanoTime() - start) / 1e9;
            metrics.put(key("txn_consume_MBps"), bytes / MB / secs);
            metrics.put(key("txn_consume_rps"), records / secs);
            // Not timed: nothing beyond the committed records (the commit markers are the partitions' last batches).
            Map<TopicPartition, Long> ends = consumer.endOffsets(tps, Duration.ofSeconds(20));
            long endDeadline = deadline(15);
            long extra = 0;
            while (!atEnd(consumer, ends)) {
                if (System.nanoTime() - endDeadline > 0) {
                    errors.put(key("txn_consume_check"), "positions did not reach the read_committed end offsets "
                            + ends + " in 15 s after the " + expected + " committed records");
                    break;
                }
                extra += consumer.poll(Duration.ofMillis(100)).count();
            }
            records += extra;
            if (records != expected) {
                errors.put(key("txn_consume_check"), records + " records read with read_committed but " + expected
                        + " were committed");
            }
            if (wrongSize > 0) {
                errors.put(key("txn_consume_check"), wrongSize + " records read back with a value size other than "
                        + TXN_VALUE_SIZE);
            }
        }
    }

    private static boolean atEnd(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> ends) {
        for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
            if (consumer.position(e.getKey(), Duration.ofSeconds(20)) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    /**
     * The end-to-end latency workload (same rate, duration, record and consumer) with a transactional producer
     * (acks=all, linger 0) and a read_committed consumer, so a record is seen only after its transaction's commit
     * and markers. Each transaction holds 10 records sent at their due times, then commits (synchronously); a
     * record already due when the 10th is sent (the producer fell behind during a commit) joins the same
     * transaction, so a slow commit makes transactions larger rather than the schedule fall further behind.
     * Latency is from each record's intended send time to the read_committed poll that returned it.
     */
    private void transactionalEndToEndLatency() throws Exception {
        String topic = "bench-txn-e2e";
        try (Admin admin = admin()) {
            createTopics(admin, List.of(topic), s.partitions(), 30);
        }
        int rate = s.e2eRate();
        long total = (long) (rate * (s.e2eWarmupSeconds() + s.e2eSeconds()));
        long warm = (long) (rate * s.e2eWarmupSeconds());
        LatencyReader reader = new LatencyReader(topic, total, warm, true, "txn-e2e-reader");
        long transactions = 0;
        try {
            reader.start();
            try (KafkaProducer<byte[], byte[]> producer = transactionalProducer("cairn-bench-txn-e2e", 0)) {
                producer.initTransactions();
                long start = System.nanoTime();
                long sendDeadline = start + (long) ((s.e2eWarmupSeconds() + s.e2eSeconds() + 60) * 1e9);
                double interval = 1e9 / rate;
                long i = 0;
                while (i < total) {
                    producer.beginTransaction();
                    int inTransaction = 0;
                    do {
                        long due = start + (long) (i * interval);
                        waitUntil(due);
                        if ((i & 255) == 0) {
                            target.checkAlive();
                            checkDeadline(sendDeadline, "sent " + i + " of " + total + " records at " + rate + "/s");
                        }
                        producer.send(new ProducerRecord<>(topic, latencyPayload(due, i))); // failures fail the commit
                        i++;
                        inTransaction++;
                    } while (i < total && (inTransaction < TXN_E2E_RECORDS
                            || start + (long) (i * interval) - System.nanoTime() <= 0));
                    producer.commitTransaction();
                    transactions++;
                }
            }
            reader.awaitAll(total);
        } finally {
            reader.stop();
        }
        reader.report("txn_e2e", total);
        metrics.put(key("txn_e2e_records_per_txn"), total / (double) transactions);
    }

    /**
     * N topics x P partitions in one CreateTopics call, timed until describeTopics shows them all with
     * leaders; on a cluster, until every node's own Metadata does.
     */
    private void topicCreation() throws Exception {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < s.topicCount(); i++) {
            names.add(String.format("bench-create-%04d", i));
        }
        List<NodeMetadata> nodes = nodeMetadata();
        try (Admin admin = admin()) {
            admin.describeCluster().nodes().get(20, TimeUnit.SECONDS); // connection up before timing
            for (NodeMetadata n : nodes) {
                n.connect();
            }
            long start = System.nanoTime();
            long responded = createTopicsTimed(admin, nodes, names, s.topicPartitions(), s.topicTimeoutSeconds());
            double secs = (System.nanoTime() - start) / 1e9;
            metrics.put(key("topics_create_response_ms"), (responded - start) / 1e6);
            metrics.put(key("topics_create_per_s"), names.size() / secs);
            metrics.put(key("topics_create_total_ms"), secs * 1000);
            Set<String> listed = admin.listTopics().names().get(20, TimeUnit.SECONDS);
            if (!listed.containsAll(names)) {
                errors.put(key("topics_list"), "listTopics misses some of the created topics");
            }
        } finally {
            nodes.forEach(NodeMetadata::close);
        }
    }
}
