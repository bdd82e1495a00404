package io.cairn.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.cairn.broker.replica.Partition;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.PartitionImage;
import io.cairn.metadata.TopicImage;
import io.cairn.metadata.controller.SimQueue;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.Records;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.AddPartitionsToTxnRequest;
import org.apache.kafka.common.requests.AddPartitionsToTxnResponse;
import org.apache.kafka.common.requests.EndTxnRequest;
import org.apache.kafka.common.requests.EndTxnResponse;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;

/**
 * Transactional producers in the cluster simulation (docs/adr/0036), as a transaction version 1 client runs them:
 * FindCoordinator for its transactional id at a random node, InitProducerId there, then transactions of one record
 * to each of one or two partitions: AddPartitionsToTxn at the coordinator, a transactional acks=all produce to each
 * partition's leader in the client's image (verified there with the coordinator, KIP-890 part 1), and EndTxn, commit
 * or abort at random. Any error, timeout or lost connection makes the producer start again with FindCoordinator and
 * InitProducerId, which ends its open transaction: an abort, unless the coordinator had already decided to commit.
 * After healing, every producer initializes once more, and then, in the leader's log of every partition written:
 * <ul>
 *   <li>no transaction is left open: every transactional record is followed by its producer's marker;</li>
 *   <li>a transaction is atomic: its records end the same way (all committed or all aborted) on every partition;</li>
 *   <li>a transaction whose commit was acknowledged is committed, with every record it wrote; one whose abort was
 *   acknowledged, or that never asked to end (its producer started again instead), is aborted.</li>
 * </ul>
 * Not thread-safe: everything runs on the simulation's one thread.
 */
final class SimTransactions {

    static final int PRODUCERS = 4;
    private static final int TXN_TIMEOUT_MS = 20_000;
    private static final long CLIENT_TIMEOUT_MS = 40_000;

    /** One transaction and what its client learnt of its end. */
    private static final class Txn {
        final String tag;
        final Set<TopicPartition> partitions = new LinkedHashSet<>();
        /** Values acknowledged by their partition's leader. */
        final Map<TopicPartition, String> written = new LinkedHashMap<>();
        /** NONE until EndTxn is sent, then COMMIT or ABORT. */
        String end = "NONE";
        String answer = "PENDING";

        Txn(String tag) {
            this.tag = tag;
        }

        /** How it must have ended in the logs, or null when either way may be right (its end's answer was lost). */
        ControlRecordType expected() {
            if (end.equals("NONE")) {
                return ControlRecordType.ABORT;
            }
            if (!answer.equals("ACKED")) {
                return null;
            }
            return end.equals("COMMIT") ? ControlRecordType.COMMIT : ControlRecordType.ABORT;
        }

        @Override
        public String toString() {
            return tag + " " + partitions + " end " + end + ": " + answer;
        }
    }

    private final class Producer {
        final String transactionalId;
        int coordinator = -1;
        long producerId = -1;
        short epoch = -1;
        boolean ready;
        boolean busy;
        /** Bumped at each reset: answers to what an earlier generation sent are ignored, as a new client's would be. */
        int generation;
        int transactions;
        final Map<TopicPartition, Integer> sequences = new HashMap<>();

        Producer(int index) {
            this.transactionalId = "txn-" + index;
        }
    }

    private final SimQueue queue;
    private final SimNetwork network;
    private final Random random;
    private final Consumer<String> note;
    private final Supplier<MetadataImage> clientImage;
    private final Supplier<List<Integer>> liveNodes;
    private final List<Producer> producers = new ArrayList<>();
    /** Set after healing: producers finish what they do and start nothing new. */
    private boolean stopping;
    private final List<Txn> txns = new ArrayList<>();
    private final Map<String, Integer> counts = new TreeMap<>();
    /** What went wrong in the clients' own code (a callback's exception would otherwise vanish in its future). */
    private final List<Throwable> broken = new ArrayList<>();

    /**
     * @param clientImage the image the producers route by (the simulation's client image: at times stale)
     * @param liveNodes   the nodes a client can send FindCoordinator to (not killed)
     */
    SimTransactions(SimQueue queue, SimNetwork network, Random random, Consumer<String> note,
                    Supplier<MetadataImage> clientImage, Supplier<List<Integer>> liveNodes) {
        this.queue = queue;
        this.network = network;
        this.random = random;
        this.note = note;
        this.clientImage = clientImage;
        this.liveNodes = liveNodes;
        for (int i = 0; i < PRODUCERS; i++) {
            producers.add(new Producer(i));
        }
    }

    /**
     * A random producer's next move: initialize, or run a transaction; nothing while it waits for an answer. (A
     * producer also goes on by itself from one transaction to the next.)
     */
    void step() {
        Producer p = producers.get(random.nextInt(producers.size()));
        if (p.busy) {
            return;
        }
        if (!p.ready) {
            initialize(p);
        } else {
            begin(p);
        }
    }

    /** Whether no producer waits for an answer. */
    boolean idle() {
        return producers.stream().noneMatch(p -> p.busy);
    }

    /** The run is ending: producers finish what they do and start no new transaction. */
    void stop() {
        stopping = true;
    }

    /** After healing: every producer initializes (ending its open transaction), retried until each is ready. */
    void finish() {
        broken.forEach(e -> {
            throw new AssertionError(e);
        });
        stopping = true;
        for (int round = 0; round < 30 && producers.stream().anyMatch(p -> !p.ready || p.busy); round++) {
            for (Producer p : producers) {
                if (!p.ready && !p.busy) {
                    initialize(p);
                }
            }
            queue.advance(3000);
        }
        assertThat(producers).as("every transactional producer initialized after healing")
                .allMatch(p -> p.ready && !p.busy);
    }

    private void initialize(Producer p) {
        List<Integer> live = liveNodes.get();
        if (live.isEmpty()) {
            return;
        }
        p.busy = true;
        p.ready = false;
        int via = live.get(random.nextInt(live.size()));
        FindCoordinatorRequestData find = new FindCoordinatorRequestData()
                .setKeyType(FindCoordinatorRequest.CoordinatorType.TRANSACTION.id())
                .setCoordinatorKeys(List.of(p.transactionalId));
        call(p, via, new FindCoordinatorRequest.Builder(find), "FindCoordinator", response -> {
            FindCoordinatorResponseData.Coordinator c = ((FindCoordinatorResponse) response).data().coordinators()
                    .get(0);
            if (c.errorCode() != Errors.NONE.code()) {
                return fail(p, "FindCoordinator " + Errors.forCode(c.errorCode()));
            }
            p.coordinator = c.nodeId();
            InitProducerIdRequestData init = new InitProducerIdRequestData().setTransactionalId(p.transactionalId)
                    .setTransactionTimeoutMs(TXN_TIMEOUT_MS).setProducerId(-1).setProducerEpoch((short) -1);
            call(p, p.coordinator, new InitProducerIdRequest.Builder(init), "InitProducerId", answer -> {
                var data = ((InitProducerIdResponse) answer).data();
                if (data.errorCode() != Errors.NONE.code()) {
                    return fail(p, "InitProducerId " + Errors.forCode(data.errorCode()));
                }
                p.producerId = data.producerId();
                p.epoch = data.producerEpoch();
                p.sequences.clear();
                p.ready = true;
                p.busy = false;
                goOn(p);
                note.accept(p.transactionalId + " initialized at node " + p.coordinator + ": producer "
                        + p.producerId + " epoch " + p.epoch);
                count("transactional producers initialized");
                return true;
            });
            return true;
        });
    }

    /** A transaction of one record to each of one or two partitions, ended with a commit or an abort. */
    private void begin(Producer p) {
        List<TopicPartition> targets = new ArrayList<>();
        MetadataImage image = clientImage.get();
        for (TopicImage topic : image.topicsByName().values()) {
            if (!topic.name().startsWith("__")) {
                for (PartitionImage partition : topic.partitions().values()) {
                    if (partition.replicas().size() == 3 && partition.leader() >= 0) {
                        targets.add(new TopicPartition(topic.name(), partition.partition()));
                    }
                }
            }
        }
        if (targets.isEmpty()) {
            return;
        }
        Txn txn = new Txn(p.transactionalId + "." + p.transactions++);
        txns.add(txn);
        int size = Math.min(targets.size(), 1 + random.nextInt(2));
        while (txn.partitions.size() < size) {
            txn.partitions.add(targets.get(random.nextInt(targets.size())));
        }
        p.busy = true;
        note.accept("transaction " + txn.tag + " of producer " + p.producerId + " epoch " + p.epoch + " begins: "
                + txn.partitions);
        call(p, p.coordinator, AddPartitionsToTxnRequest.Builder.forClient(p.transactionalId, p.producerId, p.epoch,
                new ArrayList<>(txn.partitions)), "AddPartitionsToTxn", response -> {
                    Map<TopicPartition, Errors> errors = ((AddPartitionsToTxnResponse) response).errors()
                            .get(AddPartitionsToTxnResponse.V3_AND_BELOW_TXN_ID);
                    for (Errors e : errors.values()) {
                        if (e != Errors.NONE) {
                            return fail(p, "AddPartitionsToTxn of " + txn.tag + " " + e);
                        }
                    }
                    for (TopicPartition tp : txn.partitions) {
                        produce(p, txn, tp, image);
                    }
                    return true;
                });
    }

    private void produce(Producer p, Txn txn, TopicPartition tp, MetadataImage image) {
        TopicImage topic = image.topic(tp.topic()).orElseThrow();
        int leader = topic.partitions().get(tp.partition()).leader();
        int sequence = p.sequences.getOrDefault(tp, 0);
        String value = txn.tag + "@" + tp;
        ProduceRequestData.TopicProduceDataCollection topics = new ProduceRequestData.TopicProduceDataCollection();
        topics.add(new ProduceRequestData.TopicProduceData().setName(tp.topic()).setTopicId(topic.id())
                .setPartitionData(List.of(new ProduceRequestData.PartitionProduceData().setIndex(tp.partition())
                        .setRecords(MemoryRecords.withTransactionalRecords(Compression.NONE, p.producerId, p.epoch,
                                sequence, new SimpleRecord(queue.now(), null,
                                        value.getBytes(StandardCharsets.UTF_8)))))));
        ProduceRequestData request = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(15_000)
                .setTransactionalId(p.transactionalId).setTopicData(topics);
        call(p, leader, ProduceRequest.builder(request, true), "Produce of " + value, response -> {
            var answer = ((ProduceResponse) response).data().responses().iterator().next().partitionResponses()
                    .get(0);
            if (answer.errorCode() != Errors.NONE.code()) {
                return fail(p, "Produce of " + value + " " + Errors.forCode(answer.errorCode()));
            }
            p.sequences.put(tp, sequence + 1);
            txn.written.put(tp, value);
            if (txn.written.size() == txn.partitions.size()) {
                end(p, txn);
            }
            return true;
        });
    }

    private void end(Producer p, Txn txn) {
        boolean commit = random.nextInt(10) < 7;
        txn.end = commit ? "COMMIT" : "ABORT";
        EndTxnRequestData request = new EndTxnRequestData().setTransactionalId(p.transactionalId)
                .setProducerId(p.producerId).setProducerEpoch(p.epoch).setCommitted(commit);
        call(p, p.coordinator, new EndTxnRequest.Builder(request, false), "EndTxn of " + txn.tag, response -> {
            Errors error = Errors.forCode(((EndTxnResponse) response).data().errorCode());
            txn.answer = error == Errors.NONE ? "ACKED" : error.name();
            note.accept("transaction " + txn);
            if (error != Errors.NONE) {
                return fail(p, "EndTxn of " + txn.tag + " " + error);
            }
            p.busy = false;
            goOn(p); // to the next transaction, as a streaming application does
            return true;
        });
    }

    /** The producer's next transaction, a moment from now, unless the run is ending. */
    private void goOn(Producer p) {
        int generation = p.generation;
        queue.at(random.nextInt(500), () -> {
            if (!stopping && p.generation == generation && p.ready && !p.busy) {
                begin(p);
            }
        });
    }

    /** The answer to a request goes to {@code then}; a lost connection or no answer in time makes the client reset. */
    private void call(Producer p, int node, AbstractRequest.Builder<?> builder, String what,
                      java.util.function.Function<AbstractResponse, Boolean> then) {
        int generation = p.generation;
        network.clientCall(node, builder, CLIENT_TIMEOUT_MS).whenComplete((response, error) -> {
            if (p.generation != generation || !p.busy) {
                return; // sent before the producer started again
            }
            if (error != null) {
                fail(p, what + " at node " + node + ": " + error.getClass().getSimpleName());
                return;
            }
            try {
                then.apply(response);
            } catch (RuntimeException | AssertionError e) {
                broken.add(new AssertionError("reading the answer to " + what + " of " + p.transactionalId, e));
            }
        });
    }

    /** The producer starts again: FindCoordinator and InitProducerId, which end its open transaction. */
    private boolean fail(Producer p, String why) {
        if (!p.busy) {
            return false;
        }
        note.accept(p.transactionalId + " starts again: " + why);
        count("transactional producers reset");
        for (Txn txn : txns) {
            if (txn.tag.startsWith(p.transactionalId + ".") && txn.answer.equals("PENDING")) {
                txn.answer = txn.end.equals("NONE") ? "NOT ENDED" : "UNKNOWN";
            }
        }
        p.generation++;
        p.busy = false;
        p.ready = false;
        return false;
    }

    private void count(String what) {
        counts.merge(what, 1, Integer::sum);
    }

    Map<String, Integer> stats() {
        Map<String, Integer> stats = new TreeMap<>(counts);
        for (Txn txn : txns) {
            stats.merge("transactions " + txn.end + " " + txn.answer, 1, Integer::sum);
        }
        stats.putIfAbsent("transactions COMMIT ACKED", 0);
        stats.putIfAbsent("transactions ABORT ACKED", 0);
        stats.putIfAbsent("transactions NONE NOT ENDED", 0);
        stats.putIfAbsent("transactional producers reset", 0);
        stats.putIfAbsent("transactions checked in the logs", 0);
        return stats;
    }

    /**
     * Reads the transactional records and markers of every partition written, each in the log of {@code leaderLog}'s
     * partition (the final image's leader), and checks the transactions' ends: none open, each atomic, each as its
     * client was told.
     */
    void check(java.util.function.Function<TopicPartition, Partition> leaderLog) {
        Map<String, Map<TopicPartition, ControlRecordType>> ends = new TreeMap<>();
        Set<TopicPartition> written = new LinkedHashSet<>();
        txns.forEach(txn -> written.addAll(txn.partitions));
        for (TopicPartition tp : written) {
            Partition partition = leaderLog.apply(tp);
            assertThat(partition).as("the leader of " + tp + " hosts it").isNotNull();
            Map<Long, List<String>> open = new HashMap<>();
            for (RecordBatch batch : batchesOf(partition)) {
                if (!batch.isTransactional()) {
                    continue;
                }
                if (batch.isControlBatch()) {
                    ControlRecordType type = ControlRecordType.parse(batch.iterator().next().key());
                    for (String value : open.getOrDefault(batch.producerId(), List.of())) {
                        String tag = value.substring(0, value.indexOf('@'));
                        ControlRecordType previous = ends.computeIfAbsent(tag, t -> new TreeMap<>(
                                java.util.Comparator.comparing(TopicPartition::toString))).put(tp, type);
                        assertThat(previous).as(value + " ended once").isNull();
                    }
                    open.remove(batch.producerId());
                    continue;
                }
                for (Record r : batch) {
                    byte[] bytes = new byte[r.valueSize()];
                    r.value().get(bytes);
                    open.computeIfAbsent(batch.producerId(), id -> new ArrayList<>())
                            .add(new String(bytes, StandardCharsets.UTF_8));
                }
            }
            assertThat(open).as("transactions left open in " + tp + " after healing (producer id -> records)")
                    .isEmpty();
        }
        for (Txn txn : txns) {
            Map<TopicPartition, ControlRecordType> found = ends.getOrDefault(txn.tag, Map.of());
            assertThat(new LinkedHashSet<>(found.values())).as("transaction " + txn + " ended the same way on every "
                    + "partition: " + found).hasSizeLessThanOrEqualTo(1);
            ControlRecordType expected = txn.expected();
            if (expected == ControlRecordType.COMMIT) {
                assertThat(found).as("committed transaction " + txn + ": every record it wrote, committed")
                        .containsOnlyKeys(txn.written.keySet()).containsValues(ControlRecordType.COMMIT);
            } else if (expected == ControlRecordType.ABORT) {
                assertThat(found.values()).as("transaction " + txn + " is aborted").doesNotContain(
                        ControlRecordType.COMMIT);
            }
            count("transactions checked in the logs");
        }
    }

    /** Every batch of a partition's log, from its start to its end. */
    static List<RecordBatch> batchesOf(Partition p) {
        List<RecordBatch> batches = new ArrayList<>();
        long offset = p.log().logStartOffset();
        long end = p.log().logEndOffset();
        while (offset < end) {
            Records records = p.log().read(offset, 1 << 20, end, true).records();
            long next = offset;
            for (RecordBatch batch : records.batches()) {
                batches.add(batch);
                next = batch.nextOffset();
            }
            if (next == offset) {
                break;
            }
            offset = next;
        }
        return batches;
    }
}
